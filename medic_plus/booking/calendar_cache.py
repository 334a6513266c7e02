"""The public calendar, cached: a doctor's free times as ``get_availability`` answers them,
kept in Redis so that a crowd of guests costs one computation, not one each.

An answer is served from the cache only while nothing that shapes it has changed. Every
change bumps a version that is part of the cache key, so the old answer is never read
again:

- an appointment (booked, moved, cancelled, deleted): its practitioner, and every
  practitioner whose schedules use its service unit;
- a practitioner (status, schedules), a Practitioner Schedule, a Practice, a Practice
  Member: the practice or practitioner concerned;
- a Holiday List, a Company or a Healthcare Service Unit: every calendar of the site.

The key also holds the current minute (minimum notice moves with the clock), and an
entry lives at most two minutes. Booking never trusts the cache: it re-checks the slot
under the practitioner's lock.

The cache may vanish at any time (it lives in Frappe's cache Redis, which evicts and keeps
nothing on disk): a cache that cannot answer means a computed answer, never an error, and
a version that cannot be bumped (the cache is down) leaves at most two minutes of answers
that the booking's own check corrects.

A crowd's request finds its answer without touching the database: its practice comes
from Frappe's document cache (by a cached slug), which every change of the Practice
clears.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import frappe

from medic_plus.booking.practice import from_doc

TTL = 120
PREFIX = "medic_plus:calendar"


def _version_key(kind: str, name: str = "") -> str:
	return f"{PREFIX}:v:{kind}:{name}"


def _versions(practice: str, practitioner: str) -> list[str] | None:
	"""The versions in the key, or None when the cache cannot answer."""
	keys = [
		frappe.cache.make_key(_version_key("site")),
		frappe.cache.make_key(_version_key("practice", practice)),
		frappe.cache.make_key(_version_key("practitioner", practitioner)),
	]
	try:
		values = frappe.cache.mget(keys)
	except Exception:
		return None
	return [(v.decode() if isinstance(v, bytes) else str(v or 0)) for v in values]


SLUG_TTL = 3600


def _slug_key(slug: str) -> str:
	return frappe.cache.make_key(f"{PREFIX}:slug:{slug}")


def practice_by_slug(slug: str):
	"""The practice (booking.practice) behind a public slug from Frappe's document cache, which every save,
	``set_value`` and delete of it keeps exact; None when the slug is not known here yet
	(or no longer names that practice)."""
	try:
		name = frappe.cache.get(_slug_key(slug))
		if not name:
			return None
		doc = frappe.get_cached_doc("Practice", name.decode() if isinstance(name, bytes) else name)
	except frappe.DoesNotExistError:
		frappe.clear_last_message()
		return None
	except Exception:
		return None
	return from_doc(doc) if doc.slug == slug else None


def remember_slug(slug: str, practice: str) -> None:
	try:
		frappe.cache.set(_slug_key(slug), practice, ex=SLUG_TTL)
	except Exception:
		pass


def cached_json(key: str | None) -> bytes | None:
	"""The answer stored at ``key`` as its JSON, or None (no database query either way)."""
	if key is None:
		return None
	try:
		return frappe.cache.get(key)
	except Exception:
		return None  # a cache that cannot answer computes instead


def cached_answer(key: str) -> dict | None:
	cached = cached_json(key)
	return json.loads(cached) if cached is not None else None


def answer_key(practice: str, practitioner: str, args: tuple, now: datetime) -> str | None:
	"""Where the answer is kept, or None when the cache cannot say (then it is computed)."""
	versions = _versions(practice, practitioner)
	if versions is None:
		return None
	parts = [
		*versions,
		practice,
		practitioner,
		*map(str, args),
		now.strftime("%Y%m%d%H%M"),
	]
	return frappe.cache.make_key(f"{PREFIX}:{hashlib.sha256('|'.join(parts).encode()).hexdigest()}")


def get_or_compute(
	practice: str, practitioner: str, args: tuple, now: datetime, compute, check=None, key: str | None = None
) -> dict:
	"""The cached answer for ``args`` (the request's dates), else ``check()`` (which may
	refuse the request) and ``compute()``, stored. A cached answer needs no check: it was
	computed after one, and any change that could fail it since has changed the key.
	``key``: the one the caller already took (``answer_key``), for the same request."""
	# the key is taken before computing: a change meanwhile bumps a version, and the answer
	# computed before it is stored where no one will look
	key = key or answer_key(practice, practitioner, args, now)
	if (answer := cached_answer(key)) is not None:
		return answer
	if check:
		check()
	answer = compute()
	if key is None:
		return answer
	try:
		frappe.cache.set(key, json.dumps(answer, separators=(",", ":")), ex=TTL)
	except Exception:
		pass
	return answer


def bump(kind: str, *names: str) -> None:
	"""Forget the cached calendars of ``names``: now (for this transaction's own reads),
	once the change commits (a parallel request may have cached what it saw before), and
	if it rolls back (what this transaction cached no longer holds)."""
	keys = [
		frappe.cache.make_key(_version_key(kind, name)) for name in names or ("",) if name or kind == "site"
	]
	if not keys:
		return

	def forget():
		try:
			for key in keys:
				frappe.cache.incr(key)
		except Exception:
			pass  # a cache that is down holds nothing to forget (or at most TTL seconds of it)

	forget()
	if getattr(frappe.local, "db", None):
		frappe.db.after_commit.add(forget)
		frappe.db.after_rollback.add(forget)


def practitioners_of_unit(unit: str | None) -> list[str]:
	if not unit:
		return []
	return frappe.get_all(
		"Practitioner Service Unit Schedule",
		filters={"service_unit": unit, "parenttype": "Healthcare Practitioner"},
		pluck="parent",
		distinct=True,
	)


# --- doc_events ----------------------------------------------------------------------


def on_appointment_change(doc, method: str | None = None) -> None:
	practitioners = {doc.get("practitioner"), *practitioners_of_unit(doc.get("service_unit"))}
	if before := doc.get_doc_before_save():
		practitioners |= {before.get("practitioner"), *practitioners_of_unit(before.get("service_unit"))}
	bump("practitioner", *sorted(p for p in practitioners if p))


def on_practitioner_change(doc, method: str | None = None) -> None:
	bump("practitioner", doc.name)


def on_practice_record_change(doc, method: str | None = None) -> None:
	"""A Practice, or a record of one (schedule, member): that practice's calendars."""
	practice = doc.name if doc.doctype == "Practice" else doc.get("practice") or doc.get("custom_practice")
	if practice:
		bump("practice", practice)
	else:
		bump("site")


def on_site_change(doc, method: str | None = None) -> None:
	bump("site")
