"""When the scheduler jobs act on an appointment. Pure; all times naive, in the
practice's local time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

REMINDABLE = ("Scheduled", "Open", "Confirmed")
NO_SHOW_FROM = ("Scheduled", "Open")
# what happened to a visit, or what the practice decided: no calendar undoes it
SETTLED = ("Checked In", "Checked Out", "Closed", "Cancelled")


def status_on(status: str | None, day: date, today: date) -> str:
	"""An appointment's status by its practice's calendar, as Healthcare sets it on every
	save (Scheduled before its day, Open on it, No Show after), with ``today`` the
	practice's own date, not the server's, and without undoing what happened: a visit
	checked in or out, closed or cancelled keeps its status, a confirmed one stays
	confirmed, and a no-show stays one on its day and after (moved to a later day, it is
	Scheduled again)."""
	if status in SETTLED:
		return status
	if day > today:
		return "Confirmed" if status == "Confirmed" else "Scheduled"
	if status in ("Confirmed", "No Show"):
		return status
	return "Open" if day == today else "No Show"


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
