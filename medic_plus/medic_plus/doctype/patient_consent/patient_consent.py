# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.utils import add_years, getdate, now_datetime, today

from medic_plus.locks import one_at_a_time
from medic_plus.tenancy.guard import TenantGuard

YEARS = "medic_plus_consent_years"  # site config; 3 when not set


class PatientConsent(TenantGuard, Document):
	"""What a patient agreed to (treatment, being written to by e-mail or SMS, sharing,
	research), how and when, until when; withdrawing it takes effect at once."""

	def validate(self):
		if not self.recorded_by:
			self.recorded_by = frappe.session.user
		if not self.expires_on:
			years = frappe.utils.cint(frappe.conf.get(YEARS)) or 3
			self.expires_on = add_years(getdate(self.given_on or today()), years)
		if self.status == "Withdrawn" and not self.withdrawn_on:
			self.withdrawn_on = now_datetime()
		if self.status == "Given" and getdate(self.expires_on) < getdate(today()):
			self.status = "Expired"


def has_consent(patient: str, purpose: str) -> bool:
	"""Whether ``patient`` has a consent for ``purpose`` in force today."""
	return bool(
		frappe.db.exists(
			"Patient Consent",
			{"patient": patient, "purpose": purpose, "status": "Given", "expires_on": (">=", today())},
		)
	)


def record(patient: str, purposes, method: str, client_ip: str | None = None) -> None:
	"""Consents given now (online booking: treatment and the channel the code went to; a
	video visit: telemedicine, with the address it was given from), each unless one is
	already in force. The system records them for the patient (a guest who booked reads no
	patient record)."""
	from medic_plus.tenancy.context import system_scope

	with system_scope():
		for purpose in purposes:
			if not has_consent(patient, purpose):
				frappe.get_doc(
					{
						"doctype": "Patient Consent",
						"patient": patient,
						"purpose": purpose,
						"method": method,
						"given_on": now_datetime(),
						"client_ip": client_ip,
					}
				).insert(ignore_permissions=True)


@one_at_a_time
def expire() -> int:
	"""Daily: consents past their date are Expired. Returns how many."""
	names = frappe.get_all(
		"Patient Consent", filters={"status": "Given", "expires_on": ("<", today())}, pluck="name"
	)
	for name in names:
		frappe.db.set_value("Patient Consent", name, "status", "Expired")
	return len(names)
