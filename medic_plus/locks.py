"""One run of a job at a time, across every worker and host of the site.

A MariaDB named lock (``GET_LOCK``) held by the job's own database connection: a second
run that starts while the first one works finds it taken and leaves the work to it; a run
that dies (killed, its host gone) loses its connection and with it the lock, so the next
run is never blocked by a dead one. Commits do not release it.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager

import frappe


def _name(job: str) -> str:
	# named locks are server-wide: the site's database name keeps sites apart (64 chars at most)
	return f"{frappe.conf.db_name}:mp:{job}"[:64]


@contextmanager
def job_lock(job: str):
	"""``with job_lock("reminders") as mine:`` ``mine`` is False when another run holds it."""
	name = _name(job)
	mine = bool(frappe.db.sql("select get_lock(%s, 0)", name)[0][0])
	try:
		yield mine
	finally:
		if mine:
			try:
				frappe.db.sql("select release_lock(%s)", name)
			except Exception:  # the connection is gone, and the lock with it
				pass


def one_at_a_time(fn):
	"""Decorator for a scheduler job: a run that finds another one working returns None."""

	@functools.wraps(fn)
	def wrapper(*args, **kwargs):
		with job_lock(f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}") as mine:
			return fn(*args, **kwargs) if mine else None

	return wrapper
