"""How long a patient's record must be kept. Pure.

The default rule (HPCSA's): six years after the last clinical entry; for a patient who
was a minor at that entry, until they turn 21 if that is later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Rule:
	years: int = 6  # after the last clinical entry
	minor_below: int = 18  # a patient younger than this at the last entry is a minor...
	minor_until: int = 21  # ...whose record is kept at least until this birthday


HPCSA = Rule()


def _plus_years(day: date, years: int) -> date:
	try:
		return day.replace(year=day.year + years)
	except ValueError:  # 29 February into a common year
		return day.replace(year=day.year + years, day=28)


def age_on(dob: date, day: date) -> int:
	return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def retention_end(last_entry: date, dob: date | None = None, rule: Rule = HPCSA) -> date:
	"""The last day the record must be kept."""
	end = _plus_years(last_entry, rule.years)
	if dob and age_on(dob, last_entry) < rule.minor_below:
		end = max(end, _plus_years(dob, rule.minor_until))
	return end


def may_delete(last_entry: date | None, dob: date | None, today: date, rule: Rule = HPCSA) -> bool:
	"""Whether the record is past its retention (a patient with no clinical entry is)."""
	return last_entry is None or retention_end(last_entry, dob, rule) < today
