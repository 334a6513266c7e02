"""The pure rules: validation, membership to roles, tenancy SQL, slots, OTP, booking input,
.ics, prescribing checks, ICD-10 readers, claims, FHIR mapping, the gate's route
resolution. Imports no Frappe and nothing of the app outside ``core/``; unit-tested with
no site (``tests/unit/``)."""
