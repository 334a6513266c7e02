"""Usage metering (core/usage.py says which months): each day, per practice and month,
the completed appointments, submitted encounters, online bookings, new patients and the
members who see patients, counted from the practice's own records into one Practice
Usage row (written again while the month is metered, never doubled)."""

from __future__ import annotations

from datetime import date

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import getdate, now_datetime, today

from medic_plus.core import usage as core

COMPLETED = ("Closed", "Checked Out")
COUNTS = ("completed_appointments", "encounters", "online_bookings", "new_patients", "practitioners")


def meter(day: date | None = None) -> int:
	"""Daily: meter the month before and this one for every practice; returns the rows
	written."""
	written = 0
	for month in core.months_to_meter(getdate(day or today())):
		written += meter_month(month)
	return written


def meter_month(month: date) -> int:
	start, end = core.month_bounds(month)
	counts: dict[str, dict[str, int]] = {}

	def add(field: str, rows) -> None:
		for practice, n in rows:
			if practice:
				counts.setdefault(practice, dict.fromkeys(COUNTS, 0))[field] = n

	appt = frappe.qb.DocType("Patient Appointment")
	add(
		"completed_appointments",
		frappe.qb.from_(appt)
		.select(appt.custom_practice, Count("*"))
		.where(appt.status.isin(COMPLETED) & appt.appointment_date[start:end])
		.groupby(appt.custom_practice)
		.run(),
	)
	add(
		"online_bookings",
		frappe.qb.from_(appt)
		.select(appt.custom_practice, Count("*"))
		.where((appt.custom_booked_online == 1) & appt.appointment_date[start:end])
		.groupby(appt.custom_practice)
		.run(),
	)
	encounter = frappe.qb.DocType("Patient Encounter")
	add(
		"encounters",
		frappe.qb.from_(encounter)
		.select(encounter.custom_practice, Count("*"))
		.where((encounter.docstatus == 1) & encounter.encounter_date[start:end])
		.groupby(encounter.custom_practice)
		.run(),
	)
	patient = frappe.qb.DocType("Patient")
	add(
		"new_patients",
		frappe.qb.from_(patient)
		.select(patient.custom_practice, Count("*"))
		.where((patient.creation >= start) & (patient.creation < core.next_month(start)))
		.groupby(patient.custom_practice)
		.run(),
	)
	member = frappe.qb.DocType("Practice Member")
	add(
		"practitioners",
		frappe.qb.from_(member)
		.select(member.practice, Count("*"))
		.where((member.is_active == 1) & member.practitioner.isnotnull() & (member.practitioner != ""))
		.groupby(member.practice)
		.run(),
	)
	plans = dict(frappe.get_all("Practice", fields=["name", "subscription_plan"], as_list=True))
	for practice in plans:
		row = counts.get(practice, dict.fromkeys(COUNTS, 0))
		name = frappe.db.get_value("Practice Usage", {"practice": practice, "month": start})
		values = {**row, "plan": plans[practice], "metered_on": now_datetime()}
		if name:
			frappe.db.set_value("Practice Usage", name, values)
		else:
			doc = frappe.get_doc(
				{"doctype": "Practice Usage", "practice": practice, "month": start, **values}
			)
			doc.insert(ignore_permissions=True)
	return len(plans)
