"""Clinical work: letter heads and print helpers, documents issued from an encounter,
prescribing checks, the problem list, ICD-10 codes. Imports ``privacy/``, ``tenancy/`` and
below."""
