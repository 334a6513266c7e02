"""A patient's privacy: the access log (``access_log.py``), the retention of a record
(``retention.py``) and a patient's rights over it: restrict, archive, erase
(``rights.py``). Consent lives with its doctype (Patient Consent); the patient's export
is a door over the FHIR API (``api/privacy.py``).

Imports ``tenancy/``, ``core/`` and the plumbing; the work rooms, the gate and the doors
build on it."""
