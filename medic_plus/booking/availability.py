"""Availability of a practitioner in a practice (a practice.BookingPractice, handed
down): the data for the pure slot engine, read with a fixed number of queries whatever
the date range."""

from __future__ import annotations

from datetime import date, datetime

import frappe
from frappe.query_builder import Criterion

from medic_plus.core import slots
from medic_plus.core.slots import Availability, Booking, ScheduleRow


def appointment_start(appointment) -> datetime:
	"""An appointment's (or appointment row's) start, in the practice's wall-clock time."""
	return datetime.combine(appointment.appointment_date, _as_time(appointment.appointment_time))


def get_bookable_practitioners(practice: str, practitioner: str | None = None) -> list[frappe._dict]:
	"""Active members of ``practice`` who see patients (doctors, and admins linked to a
	practitioner) whose practitioner is enabled."""
	member = frappe.qb.DocType("Practice Member")
	hp = frappe.qb.DocType("Healthcare Practitioner")
	query = (
		frappe.qb.from_(member)
		.join(hp)
		.on(hp.name == member.practitioner)
		.select(hp.name.as_("practitioner"), hp.practitioner_name, hp.department, hp.image)
		.where(
			(member.practice == practice)
			& (member.is_active == 1)
			& member.role.isin(("Doctor", "Admin"))
			& (hp.status == "Active")
		)
		.orderby(hp.practitioner_name)
	)
	if practitioner:
		query = query.where(hp.name == practitioner)
	return query.run(as_dict=True)


def get_schedule_rows(practice: str, practitioner: str) -> list[ScheduleRow]:
	"""The practitioner's time slots from this practice's enabled schedules."""
	link = frappe.qb.DocType("Practitioner Service Unit Schedule")
	schedule = frappe.qb.DocType("Practitioner Schedule")
	slot = frappe.qb.DocType("Healthcare Schedule Time Slot")
	unit = frappe.qb.DocType("Healthcare Service Unit")
	rows = (
		frappe.qb.from_(link)
		.join(schedule)
		.on(schedule.name == link.schedule)
		.join(slot)
		.on((slot.parent == schedule.name) & (slot.parenttype == "Practitioner Schedule"))
		.left_join(unit)
		.on(unit.name == link.service_unit)
		.select(
			slot.day,
			slot.from_time,
			slot.to_time,
			slot.maximum_appointments,
			slot.duration,
			link.service_unit,
			unit.overlap_appointments,
			unit.service_unit_capacity,
		)
		.where(
			(link.parent == practitioner)
			& (link.parenttype == "Healthcare Practitioner")
			& (schedule.disabled == 0)
			& (schedule.custom_practice == practice)
		)
		.run(as_dict=True)
	)
	out = []
	for r in rows:
		capacity = int(r.service_unit_capacity or 1) if r.overlap_appointments else 1
		out.append(
			ScheduleRow(
				day=r.day,
				start=_as_time(r.from_time),
				end=_as_time(r.to_time),
				maximum_appointments=int(r.maximum_appointments or 0),
				duration=int(r.duration or 0),
				service_unit=r.service_unit,
				capacity=max(1, capacity),
			)
		)
	return out


def get_bookings(
	practitioner: str,
	units: list[str],
	from_date: date,
	to_date: date,
	lock: bool = False,
	exclude: str | None = None,
) -> list[Booking]:
	"""Non-cancelled appointments of the practitioner (any practice, any unit) and of
	the schedule's service units, between the two dates. ``lock`` reads the latest
	committed rows and locks them (inside the booking transaction)."""
	appt = frappe.qb.DocType("Patient Appointment")
	who = appt.practitioner == practitioner
	if units:
		who = Criterion.any([who, appt.service_unit.isin(units)])
	query = (
		frappe.qb.from_(appt)
		.select(
			appt.appointment_date, appt.appointment_time, appt.duration, appt.service_unit, appt.practitioner
		)
		.where((appt.appointment_date >= from_date) & (appt.appointment_date <= to_date))
		.where(appt.status != "Cancelled")
		.where(who)
	)
	if exclude:
		query = query.where(appt.name != exclude)
	if lock:
		# the units too serialise bookings: two doctors sharing a room (in sorted order)
		if units:
			unit = frappe.qb.DocType("Healthcare Service Unit")
			frappe.qb.from_(unit).select(unit.name).where(unit.name.isin(units)).orderby(
				unit.name
			).for_update().run()
		query = query.for_update()
	return [
		Booking(
			start=appointment_start(r),
			duration=int(r.duration or 0),
			service_unit=r.service_unit,
			own=r.practitioner == practitioner,
		)
		for r in query.run(as_dict=True)
	]


def get_holidays(company: str | None, from_date: date, to_date: date) -> set[date]:
	if not company:
		return set()
	comp = frappe.qb.DocType("Company")
	holiday = frappe.qb.DocType("Holiday")
	rows = (
		frappe.qb.from_(holiday)
		.join(comp)
		.on((holiday.parent == comp.default_holiday_list) & (holiday.parenttype == "Holiday List"))
		.select(holiday.holiday_date)
		.where(
			(comp.name == company) & (holiday.holiday_date >= from_date) & (holiday.holiday_date <= to_date)
		)
		.run()
	)
	return {r[0] for r in rows}


def compute(
	practice,
	practitioner: str,
	from_date: date,
	to_date: date | None = None,
	lock: bool = False,
	duration: int | None = None,
	exclude: str | None = None,
) -> Availability:
	"""Free slots of ``practitioner`` in ``practice`` (a practice.BookingPractice),
	``duration`` minutes long (an appointment type's) or as long as each schedule row;
	``exclude``: an appointment whose own time counts as free (the one being moved)."""
	to_date = to_date or from_date
	days = slots.date_range(from_date, to_date)
	rows = get_schedule_rows(practice.name, practitioner)
	if not rows:
		return Availability()
	units = sorted({r.service_unit for r in rows if r.service_unit})
	bookings = get_bookings(practitioner, units, days[0], days[-1], lock=lock, exclude=exclude)
	holidays = get_holidays(practice.company, days[0], days[-1])
	return slots.free_slots(
		rows,
		bookings,
		practice.rules,
		practice.now(),
		days[0],
		days[-1],
		holidays,
		duration=duration,
	)


def _as_time(value):
	"""MariaDB returns TIME columns as timedelta."""
	from datetime import time, timedelta

	if isinstance(value, timedelta):
		seconds = int(value.total_seconds())
		return time(seconds // 3600, (seconds % 3600) // 60, seconds % 60)
	if isinstance(value, str):
		return time.fromisoformat(value)
	return value
