"""The practices' clocks: each practice lives by its own time zone, not the server's.
Tests move time by patching :func:`utcnow`."""

from __future__ import annotations

from datetime import date, datetime, timezone

import frappe

from medic_plus.core import slots


def utcnow() -> datetime:
	return datetime.now(timezone.utc)


def now_at(tz: str | None) -> datetime:
	"""The wall-clock time now in ``tz`` (naive)."""
	return slots.local_now(utcnow(), tz or "UTC")


def today_of(practice: str | None) -> date:
	"""The practice's own date now (the server's, for no practice)."""
	if not practice:
		return frappe.utils.getdate()
	return now_at(frappe.get_cached_value("Practice", practice, "timezone")).date()
