"""A practice leaving the platform: the steps, when its erasure is due, and the scan that
proves nothing of it is left. Pure: no Frappe import (``onboarding/offboarding.py`` is the
shell).

Active -> Offboarding (closed to bookings and logins; its full export being written) ->
Exported (the manifest mailed to its admins) -> Erased (every record of it removed; the
report kept). The erasure runs once the platform confirms that the practice has its copy,
or on its own after ``wait_days``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

ACTIVE, OFFBOARDING, EXPORTED, ERASED = "", "Offboarding", "Exported", "Erased"
WAIT_DAYS = 30  # after the export, the erasure runs on its own (a site setting may differ)
MIN_NEEDLE = 5  # shorter values (a first name alone, a two-digit code) match too much text


class OffboardingError(ValueError):
	pass


def check_confirmation(typed: str | None, slug: str) -> None:
	"""The platform admin types the practice's slug to confirm."""
	if (typed or "").strip().lower() != (slug or "").strip().lower() or not slug:
		raise OffboardingError(f"Type the practice's slug ({slug}) to confirm.")


def next_step(current: str | None, step: str) -> str:
	"""The state after ``step``; OffboardingError when it comes out of order."""
	order = {
		"start": (ACTIVE, OFFBOARDING),
		"exported": (OFFBOARDING, EXPORTED),
		"erased": (EXPORTED, ERASED),
	}
	before, after = order[step]
	if (current or ACTIVE) != before:
		raise OffboardingError(f"The practice is {current or 'active'}: it cannot be {after.lower()} now.")
	return after


def erasure_due(exported_on: datetime | None, copy_confirmed: bool, wait_days: int, now: datetime) -> bool:
	"""Whether the practice's records may be erased: its copy confirmed, or ``wait_days``
	passed since the export was mailed."""
	if not exported_on:
		return False
	return copy_confirmed or now >= exported_on + timedelta(days=wait_days)


def needles(values: Iterable[str | None]) -> set[str]:
	"""What the scan looks for: each value (a name, an identifier, an e-mail address, a
	phone number, a record name), folded, of at least MIN_NEEDLE characters."""
	out = set()
	for value in values:
		value = " ".join(str(value or "").split()).casefold()
		if len(value) >= MIN_NEEDLE:
			out.add(value)
	return out


def pattern(found: set[str]) -> re.Pattern | None:
	"""One regular expression for all needles (longest first)."""
	if not found:
		return None
	return re.compile("|".join(re.escape(n) for n in sorted(found, key=len, reverse=True)))


def hits(text: str | None, compiled: re.Pattern | None) -> list[str]:
	"""The needles in ``text`` (folded as the needles are)."""
	if not text or compiled is None:
		return []
	return sorted(set(compiled.findall(" ".join(str(text).split()).casefold())))
