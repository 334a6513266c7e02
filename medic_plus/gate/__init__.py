"""The request gate, the wall in front of every route: deny by default (``gate.py``), the
methods a practice user, a website user and a guest may run, as data (``allowlist.py``),
and realtime behind the wall (``realtime.py``). The endpoints it lets through in place of
Frappe's and Healthcare's own live with the doors (``api/desk.py``, ``api/healthcare.py``).

Imports ``tenancy/``, ``privacy/`` (a form it lets through is logged), ``core/`` and the
plumbing; no work room calls it, only the doors and hooks."""
