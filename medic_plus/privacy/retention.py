"""Retention of a patient's record (core/retention.py is the rule): deleting the patient
or a clinical record of theirs before the record's retention end is refused, through
Desk and the API alike, with the date it must be kept until; a daily job flags the
patients whose record is past its end (*Past Retention*) for the practice to review.

A draft or cancelled document is no clinical entry and may go; the system's own
deletes (``ignore_permissions``: Healthcare cancelling a timeline entry, a clean-up)
are not judged."""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.query_builder.functions import Max
from frappe.utils import cint, getdate, today

from medic_plus.core import retention
from medic_plus.locks import one_at_a_time
from medic_plus.tenancy.scope import CLINICAL_DOCTYPES as CLINICAL

YEARS, MINOR_UNTIL = "medic_plus_retention_years", "medic_plus_retention_minor_until"


class RetentionError(frappe.PermissionError):
	pass


def rule() -> retention.Rule:
	"""The platform's rule (site config), HPCSA's by default."""
	return retention.Rule(
		years=cint(frappe.conf.get(YEARS)) or 6,
		minor_until=cint(frappe.conf.get(MINOR_UNTIL)) or 21,
	)


def _clinical_doctypes() -> list[str]:
	return [d for d in CLINICAL if frappe.db.table_exists(d)]


def _entries(doctype: str):
	table = frappe.qb.DocType(doctype)
	query = frappe.qb.from_(table).where(table.patient.isnotnull())
	if frappe.get_meta(doctype).is_submittable:
		query = query.where(table.docstatus == 1)
	return table, query


def last_entry(patient: str) -> date | None:
	"""The day of the patient's last clinical entry, or None."""
	days = []
	for doctype in _clinical_doctypes():
		table, query = _entries(doctype)
		day = query.select(Max(table.creation)).where(table.patient == patient).run()
		if day and day[0][0]:
			days.append(getdate(day[0][0]))
	return max(days) if days else None


def kept_until(patient: str, dob: date | None) -> date | None:
	"""The last day the law keeps ``patient``'s record, while that is still to come;
	None once the record is past its retention end (or holds no clinical entry)."""
	last = last_entry(patient)
	if retention.may_delete(last, dob, getdate(today()), rule()):
		return None
	return retention.retention_end(last, dob, rule())


def protect(doc, method: str | None = None) -> None:
	"""on_trash of the Patient and of every clinical doctype."""
	if doc.flags.ignore_permissions or (doc.meta.is_submittable and doc.docstatus != 1):
		return
	patient = doc.name if doc.doctype == "Patient" else doc.get("patient")
	if not patient:
		return
	dob = frappe.db.get_value("Patient", patient, "dob")
	if end := kept_until(patient, getdate(dob) if dob else None):
		frappe.throw(
			_(
				"This record must be kept until {0}: the law keeps a patient's record for a time after their last visit."
			).format(frappe.format(end, {"fieldtype": "Date"})),
			RetentionError,
			title=_("Kept by Law"),
		)


@one_at_a_time
def flag_for_review() -> int:
	"""Daily: patients whose record is past its retention end get *Past Retention*.
	Returns how many were newly flagged."""
	last: dict[str, date] = {}
	for doctype in _clinical_doctypes():
		table, query = _entries(doctype)
		for patient, day in query.select(table.patient, Max(table.creation)).groupby(table.patient).run():
			if day:
				last[patient] = max(last.get(patient, getdate(day)), getdate(day))
	if not last:
		return 0
	patients = frappe.get_all(
		"Patient",
		filters={"name": ("in", list(last))},
		fields=["name", "dob", "custom_retention_review"],
		as_list=True,
	)
	now, current = getdate(today()), rule()
	due = {
		p
		for p, dob, _flag in patients
		if retention.may_delete(last[p], getdate(dob) if dob else None, now, current)
	}
	# flag the newly due; a record that gained an entry since is no longer past its end
	flag = [p for p, _dob, flagged in patients if p in due and not flagged]
	unflag = [p for p, _dob, flagged in patients if p not in due and flagged]
	patient = frappe.qb.DocType("Patient")
	for names, value in ((flag, 1), (unflag, 0)):
		for start in range(0, len(names), 1000):
			frappe.qb.update(patient).set(patient.custom_retention_review, value).where(
				patient.name.isin(names[start : start + 1000])
			).run()
	return len(flag)
