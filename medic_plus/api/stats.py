"""Appointment and practitioner statistics, aggregated in the database and scoped:
a practice user gets their own practices only; a platform admin any one or all."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.utils import add_days, getdate, today

from medic_plus.core.jobs import rate
from medic_plus.tenancy import context

COMPLETED = ("Checked Out", "Closed")


def scope_practices(practice: str | None, doctype: str = "Patient Appointment") -> list[str] | None:
	"""The practices a statistic may cover: None means all (platform admins only)."""
	if context.is_platform_admin():
		if practice and not frappe.db.exists("Practice", practice):
			frappe.throw(_("Practice {0} not found").format(practice), frappe.DoesNotExistError)
		return [practice] if practice else None
	mine = context.practices_for(doctype, "read")
	if not mine:
		frappe.throw(_("You are not a member of any practice."), frappe.PermissionError)
	if practice:
		if practice not in mine:
			frappe.throw(_("Practice {0} not found").format(practice), frappe.DoesNotExistError)
		return [practice]
	return mine


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def get_appointment_stats(
	from_date: str, to_date: str, practice: str | None = None, practitioner: str | None = None
) -> dict:
	start, end = getdate(from_date), getdate(to_date)
	if end < start:
		frappe.throw(_("To Date cannot be before From Date."), frappe.ValidationError)
	practices = scope_practices(practice)
	appt = frappe.qb.DocType("Patient Appointment")
	where = (appt.appointment_date >= start) & (appt.appointment_date <= end)
	if practices is not None:
		where &= appt.custom_practice.isin(practices)
	if practitioner:
		where &= appt.practitioner == practitioner

	def grouped(column) -> dict:
		rows = frappe.qb.from_(appt).select(column, Count("*")).where(where).groupby(column).run()
		return {key or _("Not Set"): count for key, count in rows}

	by_status = grouped(appt.status)
	by_type = grouped(appt.appointment_type)
	total = sum(by_status.values())
	held = total - by_status.get("Cancelled", 0)
	days = (end - start).days + 1
	return {
		"from_date": str(start),
		"to_date": str(end),
		"practices": practices,
		"total": total,
		"by_status": by_status,
		"by_appointment_type": by_type,
		"average_per_day": round(total / days, 2),
		"no_show_rate": rate(by_status.get("No Show", 0), held),
		"completion_rate": rate(sum(by_status.get(s, 0) for s in COMPLETED), held),
	}


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def get_practitioner_stats(practice: str | None = None) -> dict:
	"""Practitioners who are active members of the practice(s), by department and status."""
	practices = scope_practices(practice, "Healthcare Practitioner")
	hp = frappe.qb.DocType("Healthcare Practitioner")
	member = frappe.qb.DocType("Practice Member")
	members = frappe.qb.from_(member).select(member.practitioner).distinct().where(member.is_active == 1)
	if practices is not None:
		members = members.where(member.practice.isin(practices))
	where = hp.name.isin(members)

	def grouped(column) -> dict:
		rows = frappe.qb.from_(hp).select(column, Count("*")).where(where).groupby(column).run()
		return {key or _("Not Set"): count for key, count in rows}

	by_status = grouped(hp.status)
	return {
		"practices": practices,
		"total": sum(by_status.values()),
		"by_department": grouped(hp.department),
		"by_status": by_status,
	}


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def no_show_rate_card(filters: str | dict | None = None) -> dict:
	"""Number card "No-show Rate (30 days)", in the user's own scope."""
	end = getdate(today())
	stats = get_appointment_stats(str(add_days(end, -30)), str(end))
	return {"value": stats["no_show_rate"], "fieldtype": "Percent"}
