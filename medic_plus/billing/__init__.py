"""A practice gets paid: its own books and the platform's company (``books.py``), a
patient's medical aid, a visit billed on submit (``visit.py``), claims queued, sent,
answered and paid (``insurance.py``), the claims switch client. Imports ``tenancy/`` and
below."""
