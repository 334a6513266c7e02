"""Jinja helpers of the clinical print formats (hooked in hooks.py ``jinja``)."""

from __future__ import annotations

import frappe

from medic_plus.clinical.letterhead import practice_letter_head
from medic_plus.tenancy.context import system_scope


def judged_pdf(doctype: str, name: str, print_format: str) -> bytes:
	"""The PDF of a document its caller has already judged theirs to have (a patient's own
	record in the portal, a record the practice's admin exports): rendered as the system,
	past the print permission a portal session or an export of another's role lacks."""
	with system_scope():
		frappe.flags.ignore_print_permissions = True
		try:
			return frappe.get_print(doctype, name, print_format=print_format, as_pdf=True)
		finally:
			frappe.flags.ignore_print_permissions = False


def clinical_print_context(doc) -> dict:
	"""What a sick note or prescription prints besides the document itself: its own
	practice's letter head, the practitioner's registration, the patient's birth date."""
	practitioner = (
		frappe.db.get_value(
			"Healthcare Practitioner",
			doc.get("practitioner"),
			["practitioner_name", "custom_registration_number"],
			as_dict=True,
		)
		or frappe._dict()
	)
	patient = (
		frappe.db.get_value("Patient", doc.get("patient"), ["patient_name", "dob"], as_dict=True)
		or frappe._dict()
	)
	return frappe._dict(
		letter_head=frappe._dict(practice_letter_head(doc)),
		practitioner_name=practitioner.practitioner_name or doc.get("practitioner_name"),
		registration=practitioner.custom_registration_number,
		patient_name=patient.patient_name or doc.get("patient_name"),
		patient_dob=patient.dob,
	)
