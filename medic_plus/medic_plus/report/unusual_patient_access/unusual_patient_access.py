# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt
"""The users of the practice whose day of patient records looks unusual: far more
distinct patients than their usual day, or (doctors) patients they never had an
appointment with. Read from the access log through frappe.get_list, so a practice admin
sees their own practice only (core/access_log.py judges)."""

import frappe
from frappe import _
from frappe.utils import add_days, get_url, getdate, today

from medic_plus.core.access_log import FACTOR, MINIMUM, unusual
from medic_plus.locks import one_at_a_time

USUAL_DAYS = 30


def execute(filters=None):
	filters = frappe._dict(filters or {})
	day = getdate(filters.date or add_days(today(), -1))
	conditions = [["accessed_on", ">=", add_days(day, -USUAL_DAYS)], ["accessed_on", "<", add_days(day, 1)]]
	conditions.append(["patient", "is", "set"])
	# a patient reading their own record in the portal is no unusual access
	conditions.append(["actor", "!=", "Patient"])
	if filters.get("practice"):
		conditions.append(["practice", "=", filters.practice])
	opened: dict[str, dict] = {}
	for user, patient, at in frappe.get_list(
		"Patient Access Log",
		filters=conditions,
		fields=["user", "patient", "accessed_on"],
		as_list=True,
		limit_page_length=0,
	):
		if user:
			opened.setdefault(user, {}).setdefault(getdate(at), set()).add(patient)
	found = unusual(opened, day, _seen_by(opened, day))
	columns = [
		{"fieldname": "user", "label": _("User"), "fieldtype": "Link", "options": "User", "width": 220},
		{"fieldname": "patients", "label": _("Patients Opened"), "fieldtype": "Int", "width": 130},
		{"fieldname": "usual", "label": _("Usual Day"), "fieldtype": "Float", "precision": 1, "width": 110},
		{"fieldname": "strangers", "label": _("Never Seen"), "fieldtype": "Int", "width": 110},
		{"fieldname": "why", "label": _("Why"), "fieldtype": "Data", "width": 380},
	]
	why = {
		"many": _("more than {0} times the usual day (and at least {1})").format(FACTOR, MINIMUM),
		"strangers": _("patients without an appointment with this doctor"),
	}
	data = [
		{
			"user": u.user,
			"patients": u.patients,
			"usual": u.usual,
			"strangers": u.strangers,
			"why": "; ".join(why[r] for r in u.reasons),
		}
		for u in found
	]
	return columns, data


def _seen_by(opened: dict, day) -> dict[str, set]:
	"""For the doctors among the users: the patients they ever had an appointment with."""
	doctors = dict(
		frappe.get_all(
			"Practice Member",
			filters={"user": ("in", list(opened) or [""]), "practitioner": ("is", "set"), "is_active": 1},
			fields=["user", "practitioner"],
			as_list=True,
		)
	)
	seen: dict[str, set] = {user: set() for user in doctors}
	patients = {p for user in doctors for p in opened[user].get(day, ())}
	for practitioner, patient in frappe.get_all(
		"Patient Appointment",
		filters={
			"practitioner": ("in", list(doctors.values()) or [""]),
			"patient": ("in", list(patients) or [""]),
		},
		fields=["practitioner", "patient"],
		as_list=True,
	):
		for user, p in doctors.items():
			if p == practitioner:
				seen[user].add(patient)
	return seen


@one_at_a_time
def send_daily() -> dict[str, int]:
	"""Daily: each practice's admins get yesterday's unusual accesses by e-mail (none when
	the day was ordinary). Returns practice -> users reported."""
	from medic_plus.booking import notify
	from medic_plus.booking.practice import get_practices
	from medic_plus.privacy import access_log
	from medic_plus.tenancy.context import practice_admins, system_scope

	access_log.flush()  # yesterday's last entries may still wait in the queue
	day = add_days(today(), -1)
	sent = {}
	for practice in get_practices({"status": ("!=", "Inactive")}):
		with system_scope(), notify.in_language(practice):
			_columns, rows = execute({"date": day, "practice": practice.name})
			admins = practice_admins(practice.name)
			if not rows or not admins:
				continue
			try:
				_mail(practice, admins, day, rows)
			except frappe.OutgoingEmailError:
				frappe.log_error(title="medic_plus: no outgoing e-mail account for the unusual-access mail")
				return sent
			sent[practice.name] = len(rows)
	return sent


def _mail(practice, admins: list[str], day, rows: list[dict]) -> None:
	frappe.sendmail(
		recipients=admins,
		subject=_("Unusual access to patient records at {0} on {1}").format(
			practice.practice_name, frappe.format(day, {"fieldtype": "Date"})
		),
		template="medic_plus_unusual_access",
		args={
			"practice": practice,
			"rows": rows,
			"day_label": frappe.format(day, {"fieldtype": "Date"}),
			"report_url": get_url(f"/app/query-report/Unusual Patient Access?date={day}"),
		},
		reference_doctype="Practice",
		reference_name=practice.name,
		delayed=True,
	)
