"""Which months the usage job meters, and their bounds. Pure: no Frappe import.

Each day the job counts the current month so far and the month before (whose last
visits may be closed a few days late): a practice's usage of a month is final once the
next month has begun and been metered."""

from __future__ import annotations

from datetime import date, timedelta


def month_start(day: date) -> date:
	return day.replace(day=1)


def next_month(month: date) -> date:
	return (month_start(month) + timedelta(days=32)).replace(day=1)


def months_to_meter(today: date) -> list[date]:
	"""The first days of the month before and of this month."""
	this = month_start(today)
	return [month_start(this - timedelta(days=1)), this]


def month_bounds(month: date) -> tuple[date, date]:
	"""The first and the last day of ``month``."""
	start = month_start(month)
	return start, next_month(start) - timedelta(days=1)


def visits(completed_appointments: int, walk_in_encounters: int) -> int:
	"""A month's visits: the appointments completed, and the encounters with no
	appointment behind them (an encounter of a booked visit is the same visit)."""
	return max(0, completed_appointments) + max(0, walk_in_encounters)
