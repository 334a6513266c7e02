"""Scheduler jobs (wired in hooks.py ``scheduler_events``).

Each job walks the active practices one by one: one practice's failure is logged
(Error Log) and rolled back, and never stops the others. Each is idempotent and safe
to re-run: what it did is recorded on the appointment (reminded, status) so that the
next run skips it. Batches are bounded per practice and run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import frappe
from frappe import _

from medic_plus.booking import availability, notify, service
from medic_plus.booking import practice as booking_practice
from medic_plus.core import jobs, slots
from medic_plus.locks import one_at_a_time
from medic_plus.tenancy import clock
from medic_plus.tenancy.context import system_scope

BATCH = 500


@one_at_a_time
def send_reminders(now_utc: datetime | None = None) -> dict[str, int]:
	return _each_practice(_remind, now_utc)


@one_at_a_time
def mark_no_shows(now_utc: datetime | None = None) -> dict[str, int]:
	return _each_practice(_mark_no_shows, now_utc)


@one_at_a_time
def housekeeping(now_utc: datetime | None = None) -> dict[str, int]:
	return _each_practice(_housekeep, now_utc)


def _each_practice(job: Callable, now_utc: datetime | None) -> dict[str, int]:
	now_utc = now_utc or clock.utcnow()
	done = {}
	practices = booking_practice.get_practices({"status": ("!=", "Inactive")})
	for practice in practices:
		savepoint = f"medic_plus_{job.__name__.strip('_')}"
		frappe.db.savepoint(savepoint)
		try:
			with system_scope(), notify.outbox() as messages, notify.in_language(practice):
				done[practice.name] = job(practice, slots.local_now(now_utc, practice.timezone or "UTC"))
		except Exception:
			frappe.db.rollback(save_point=savepoint)
			frappe.log_error(
				title=_("Medic Plus: {0} failed for practice {1}").format(job.__name__, practice.name)
			)
			continue  # its text messages are dropped with its work
		frappe.db.commit()  # nosemgrep: a scheduler job, one practice at a time
		notify.send_later(messages)
	return done


def _appointments(practice, statuses, date_from, date_to, extra=None) -> list:
	filters = {
		"custom_practice": practice.name,
		"status": ("in", statuses),
		"appointment_date": ("between", [date_from, date_to]),
		**(extra or {}),
	}
	return frappe.get_all(
		"Patient Appointment",
		filters=filters,
		fields=[
			"name",
			"patient",
			"practitioner",
			"appointment_date",
			"appointment_time",
			"duration",
			"status",
		],
		order_by="appointment_date asc, appointment_time asc",
		limit=BATCH,
	)


def _remind(practice, now: datetime) -> int:
	if not practice.reminder_hours:
		return 0
	first, last = jobs.day_window(now, practice.reminder_hours)
	sent = 0
	for row in _appointments(practice, jobs.REMINDABLE, first, last, {"custom_reminder_sent": 0}):
		if not jobs.reminder_due(availability.appointment_start(row), now, practice.reminder_hours):
			continue
		appointment = frappe.get_doc("Patient Appointment", row.name)
		token = service.ensure_manage_token(appointment)
		notify.send_reminder(practice, appointment, token)
		appointment.db_set("custom_reminder_sent", 1, update_modified=False)
		sent += 1
	return sent


def _mark_no_shows(practice, now: datetime) -> int:
	"""The statuses the practice's clock changes: its day's Scheduled visits are Open once
	the day has come there (Healthcare's daily job, which did it at the server's midnight,
	is stopped: install.py), and visits not seen by their end plus the grace are No Show.
	Returns how many appointments it changed."""
	marked = 0
	for row in _appointments(practice, ("Scheduled",), now.date(), now.date()):
		frappe.db.set_value("Patient Appointment", row.name, "status", "Open")
		marked += 1
	since = frappe.utils.add_days(now.date(), -30)
	for row in _appointments(practice, jobs.NO_SHOW_FROM, since, now.date(), {"custom_awaiting_approval": 0}):
		if jobs.no_show_due(
			availability.appointment_start(row), row.duration, now, practice.no_show_grace_minutes or 0
		):
			frappe.db.set_value("Patient Appointment", row.name, "status", "No Show")
			marked += 1
	return marked


def _housekeep(practice, now: datetime) -> int:
	from healthcare.healthcare.doctype.patient_appointment.patient_appointment import update_status

	cleared = 0
	since = frappe.utils.add_days(now.date(), -60)
	for row in _appointments(
		practice, ("Open", "Scheduled"), since, now.date(), {"custom_awaiting_approval": 1}
	):
		if jobs.approval_expired(availability.appointment_start(row), now):
			update_status(row.name, "Cancelled")
			frappe.db.set_value("Patient Appointment", row.name, "custom_awaiting_approval", 0)
			cleared += 1
	stale_before = frappe.utils.add_days(now.date(), -service.TOKEN_DAYS_AFTER)
	stale = frappe.get_all(
		"Patient Appointment",
		filters={
			"custom_practice": practice.name,
			"custom_manage_token_hash": ("is", "set"),
			"appointment_date": ("<", stale_before),
		},
		pluck="name",
		limit=BATCH,
	)
	for name in stale:
		frappe.db.set_value(
			"Patient Appointment", name, "custom_manage_token_hash", None, update_modified=False
		)
	return cleared + len(stale)
