"""The tenant wall's documents and lists: what belongs to a practice (the scope table,
``scope.py``, and what stands behind it, ``records.py``), who sees it (``guard.py``,
``context.py``), the permission hooks built from them (``permissions.py``), stamping,
roles, the controller overrides with the load guard and a practice user's Desk.

Imports ``core/`` and the plumbing at the top of the package, nothing above: privacy, the
work rooms and the gate build on it."""
