"""A patient's consents in the portal: what is in force for each person on a card, and
withdrawing being written to by e-mail or SMS, or research, at once (the reminders and
messages ask for the consent before they go). Each withdrawal is kept in the consent's
history and written to the access log as the patient's change."""

from __future__ import annotations

from functools import cache

import frappe
from frappe import _
from frappe.query_builder import Parameter
from frappe.utils import today

from medic_plus.core.access_log import Access
from medic_plus.portal import identity
from medic_plus.privacy import access_log
from medic_plus.tenancy.context import system_scope

WITHDRAWABLE = ("E-mail", "SMS", "Research")


def listing(records) -> dict[str, list[dict]]:
	"""practice -> the consents in force of the people on its card."""
	practice_of = {r.patient: r.practice for r in records}
	if not practice_of:
		return {}
	rows = frappe.db.sql(_in_force_query(), {"patients": tuple(practice_of), "today": today()}, as_dict=True)
	out: dict[str, list[dict]] = {}
	for row in rows:
		if practice_of[row.patient] != row.practice:
			continue
		out.setdefault(row.practice, []).append(
			{
				"consent": row.name,
				"patient": row.patient,
				"purpose": row.purpose,
				"label": _(row.purpose),
				"given_on": str(row.given_on)[:10] if row.given_on else None,
				"expires_on": str(row.expires_on) if row.expires_on else None,
				"withdrawable": row.purpose in WITHDRAWABLE,
			}
		)
	return out


@cache
def _in_force_query() -> str:
	"""Built once per process (every portal home asks it)."""
	consent = frappe.qb.DocType("Patient Consent")
	return (
		frappe.qb.from_(consent)
		.select(
			consent.name,
			consent.patient,
			consent.practice,
			consent.purpose,
			consent.given_on,
			consent.expires_on,
		)
		.where(
			consent.patient.isin(Parameter("%(patients)s"))
			& (consent.status == "Given")
			& (consent.expires_on >= Parameter("%(today)s"))
		)
		.orderby(consent.given_on)
		.get_sql()
	)


def withdraw(name: str) -> None:
	"""Withdraw one of the session's consents in force (e-mail, SMS or research)."""
	row = identity.own_row("Patient Consent", name, ["purpose", "status"])
	if row.status != "Given" or row.purpose not in WITHDRAWABLE:
		frappe.throw(
			_("This consent cannot be withdrawn here. Please contact the practice."),
			frappe.ValidationError,
			title=_("Not Withdrawn"),
		)
	with system_scope():
		doc = frappe.get_doc("Patient Consent", row.name)
		doc.status = "Withdrawn"
		doc.note = "\n".join(filter(None, [doc.note, _("Withdrawn by the patient in the patient portal.")]))
		doc.flags.ignore_permissions = True
		doc.save()
	request = getattr(frappe.local, "request", None)
	access_log.push(
		[Access("Patient Consent", row.name, "update")], frappe.session.user, request, actor="Patient"
	)
