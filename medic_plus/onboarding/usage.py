"""Usage metering (core/usage.py says which months): each day, per practice and month,
the completed appointments, submitted encounters (and those with no appointment behind
them), the visits (billed where the plan says so: billing.py), online bookings, new
patients and the members who see patients, counted from the practice's own records into
one Practice Usage row (written again while the month is metered, never doubled)."""

from __future__ import annotations

from datetime import date

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import getdate, now_datetime, today

from medic_plus.core import usage as core
from medic_plus.locks import one_at_a_time

COMPLETED = ("Closed", "Checked Out")
COUNTS = (
	"completed_appointments",
	"encounters",
	"walk_in_encounters",
	"online_bookings",
	"new_patients",
	"practitioners",
)


@one_at_a_time
def meter(day: date | None = None) -> int:
	"""Daily: meter the month before and this one for every practice; returns the rows
	written."""
	written = 0
	for month in core.months_to_meter(getdate(day or today())):
		written += meter_month(month)
	return written


def meter_month(month: date, practice: str | None = None) -> int:
	"""Meter ``month`` for every practice, or for ``practice`` only; returns the rows written."""
	start = core.month_start(month)
	counts = count(month, practice)
	filters = {"name": practice} if practice else {}
	plans = dict(frappe.get_all("Practice", filters, ["name", "subscription_plan"], as_list=True))
	for of in plans:
		row = {**dict.fromkeys(COUNTS, 0), **counts.get(of, {})}
		values = {
			**row,
			"visits": core.visits(row["completed_appointments"], row["walk_in_encounters"]),
			"plan": plans[of],
			"metered_on": now_datetime(),
		}
		name = frappe.db.get_value("Practice Usage", {"practice": of, "month": start})
		if name:
			frappe.db.set_value("Practice Usage", name, values)
		else:
			doc = frappe.get_doc({"doctype": "Practice Usage", "practice": of, "month": start, **values})
			doc.insert(ignore_permissions=True)
	return len(plans)


def count(month: date, practice: str | None = None) -> dict[str, dict[str, int]]:
	"""practice -> what it used in ``month`` (the measures it has any of)."""
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
			# a visit with no appointment behind it
			"walk_in_encounters",
			encounter,
			encounter.custom_practice,
			(encounter.docstatus == 1)
			& encounter.encounter_date[start:end]
			& (encounter.appointment.isnull() | (encounter.appointment == "")),
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
		if practice:
			rows &= practice_column == practice
		for of, n in (
			frappe.qb.from_(table)
			.select(practice_column, Count("*"))
			.where(rows)
			.groupby(practice_column)
			.run()
		):
			if of:
				counts.setdefault(of, dict.fromkeys(COUNTS, 0))[field] = n
	return counts
