"""Rules of clinical documents. Pure."""

from __future__ import annotations

from datetime import date, timedelta


def inclusive_days(date_from: date, date_to: date) -> int:
	"""Days covered by a sick note, both ends included (Mon..Fri is 5)."""
	return (date_to - date_from).days + 1


def sick_note_errors(issue_date: date, date_from: date, date_to: date, backdate_limit_days: int) -> list[str]:
	"""Why a sick note's dates are not acceptable (empty when they are)."""
	errors = []
	if date_to < date_from:
		errors.append("The sick note cannot end before it starts.")
	if date_from < issue_date - timedelta(days=max(backdate_limit_days, 0)):
		errors.append("The sick note starts too long before its issue date.")
	if issue_date < date_from - timedelta(days=365):
		errors.append("The sick note starts too far after its issue date.")
	return errors
