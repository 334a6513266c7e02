"""A practice arrives: plans, provisioning, activation and the platform's billing of
practices through ERPNext Subscriptions. Imports ``tenancy/`` and below."""
