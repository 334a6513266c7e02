# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt
"""Appointments of the user's practices: read through frappe.get_list, so the practice
scope (and the user's roles) apply exactly as in the list view."""

import frappe
from frappe import _
from frappe.utils import add_days, getdate, today


def execute(filters=None):
	filters = frappe._dict(filters or {})
	from_date = getdate(filters.from_date or add_days(today(), -30))
	to_date = getdate(filters.to_date or today())
	if to_date < from_date:
		frappe.throw(_("To Date cannot be before From Date."))
	conditions = [["appointment_date", "between", [from_date, to_date]]]
	for field in ("practitioner", "status", "custom_practice"):
		if filters.get(field):
			conditions.append([field, "=", filters.get(field)])
	rows = frappe.get_list(
		"Patient Appointment",
		filters=conditions,
		fields=[
			"name",
			"appointment_date",
			"appointment_time",
			"custom_booking_reference",
			"patient",
			"patient_name",
			"practitioner",
			"practitioner_name",
			"appointment_type",
			"duration",
			"status",
			"custom_practice",
		],
		order_by="appointment_date asc, appointment_time asc",
		limit_page_length=0,
	)
	return columns(), rows, None, chart(rows)


def columns():
	return [
		{"fieldname": "appointment_date", "label": _("Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "appointment_time", "label": _("Time"), "fieldtype": "Time", "width": 80},
		{
			"fieldname": "name",
			"label": _("Appointment"),
			"fieldtype": "Link",
			"options": "Patient Appointment",
			"width": 160,
		},
		{"fieldname": "custom_booking_reference", "label": _("Reference"), "fieldtype": "Data", "width": 120},
		{"fieldname": "patient_name", "label": _("Patient"), "fieldtype": "Data", "width": 160},
		{"fieldname": "practitioner_name", "label": _("Practitioner"), "fieldtype": "Data", "width": 150},
		{
			"fieldname": "appointment_type",
			"label": _("Type"),
			"fieldtype": "Link",
			"options": "Appointment Type",
			"width": 120,
		},
		{"fieldname": "duration", "label": _("Minutes"), "fieldtype": "Int", "width": 80},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 100},
		{
			"fieldname": "custom_practice",
			"label": _("Practice"),
			"fieldtype": "Link",
			"options": "Practice",
			"width": 140,
		},
	]


def chart(rows):
	counts = {}
	for row in rows:
		counts[row.status] = counts.get(row.status, 0) + 1
	if not counts:
		return None
	return {
		"data": {
			"labels": list(counts),
			"datasets": [{"name": _("Appointments"), "values": list(counts.values())}],
		},
		"type": "bar",
	}
