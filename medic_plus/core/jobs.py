"""When the scheduler jobs act on an appointment. Pure; all times naive, in the
practice's local time."""

from __future__ import annotations

from datetime import datetime, timedelta

REMINDABLE = ("Scheduled", "Open", "Confirmed")
NO_SHOW_FROM = ("Scheduled", "Open")


def reminder_due(start: datetime, now: datetime, window_hours: int) -> bool:
	"""A reminder goes out once the appointment is within the window, and before it starts."""
	return now < start <= now + timedelta(hours=window_hours)


def no_show_due(start: datetime, duration_minutes: int, now: datetime, grace_minutes: int) -> bool:
	"""Still not seen after its end plus the grace period."""
	return start + timedelta(minutes=(duration_minutes or 0) + (grace_minutes or 0)) < now


def approval_expired(start: datetime, now: datetime) -> bool:
	"""A booking that waits for approval is void once its time has come."""
	return start <= now


def day_window(now: datetime, window_hours: int) -> tuple:
	"""The dates a query must cover to find starts in (now, now + window]."""
	return now.date(), (now + timedelta(hours=window_hours)).date()


def rate(part: int, whole: int) -> float:
	"""A percentage with one decimal, 0 when there is nothing to divide."""
	return round(100.0 * part / whole, 1) if whole else 0.0
