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
	appt = frappe.qb.DocType("Patient Appointment")
	encounter = frappe.qb.DocType("Patient Encounter")
	patient = frappe.qb.DocType("Patient")
	member = frappe.qb.DocType("Practice Member")
	# what is counted: (field, table, its practice column, which rows)
	measures = (
		(
			"completed_appointments",
			appt,
			appt.custom_practice,
			appt.status.isin(COMPLETED) & appt.appointment_date[start:end],
		),
		(
			"online_bookings",
			appt,
			appt.custom_practice,
			(appt.custom_booked_online == 1) & appt.appointment_date[start:end],
		),
		(
			"encounters",
			encounter,
			encounter.custom_practice,
			(encounter.docstatus == 1) & encounter.encounter_date[start:end],
		),
		(
			"new_patients",
			patient,
			patient.custom_practice,
			(patient.creation >= start) & (patient.creation < core.next_month(start)),
		),
		(
			"practitioners",
			member,
			member.practice,
			(member.is_active == 1) & member.practitioner.isnotnull() & (member.practitioner != ""),
		),
	)
	counts: dict[str, dict[str, int]] = {}
	for field, table, practice_column, rows in measures:
		for practice, n in (
			frappe.qb.from_(table)
			.select(practice_column, Count("*"))
			.where(rows)
			.groupby(practice_column)
			.run()
		):
			if practice:
				counts.setdefault(practice, dict.fromkeys(COUNTS, 0))[field] = n
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
