"""Reads on a MariaDB replica (Frappe's ``read_from_replica``, with ``replica_host`` and
``replica_db_port`` in the site config).

The app's read-heavy endpoints carry ``@frappe.read_only()``: with a replica configured,
they read from it; without one, from the primary as before. What they must still write
(an access-log entry that cannot reach Redis) goes to the primary through
:func:`on_primary`. What must see a write at once (a booking's re-check of its slot, a
code's check, a token's revocation) is never read inside ``read_only``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import frappe


@contextmanager
def on_primary() -> Iterator[None]:
	"""Inside ``frappe.read_only()``: the primary's connection for the block, then the
	replica's again. Elsewhere: nothing changes."""
	primary = getattr(frappe.local, "primary_db", None)
	current = getattr(frappe.local, "db", None)
	if primary is None or current is primary:
		yield
		return
	frappe.local.db = primary
	try:
		yield
	finally:
		frappe.local.db = current
