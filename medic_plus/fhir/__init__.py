"""The tenant-scoped, read-only FHIR R4 API (``router.py``; ``core/fhir_map.py`` maps
documents to resources). Every read is written to the access log. Imports ``privacy/``,
``tenancy/`` and below."""
