"""A patient's right to their data: everything the practice holds about them, in one file."""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.core.access_log import Access
from medic_plus.fhir import export, router
from medic_plus.privacy import access_log, rights
from medic_plus.tenancy import context


@frappe.whitelist(methods=["GET"])
@frappe.read_only()
def export_patient(patient: str) -> None:
	"""A ZIP of everything the practice holds about ``patient``: the FHIR ``$everything``
	bundle (every page), the PDFs of their submitted sick notes and consultation notes,
	and the access log of their record. For the admins of the patient's practice; the
	export is itself logged. Read from the replica where there is one; it is answered
	in the response, so any host serves it."""
	doc = frappe.get_doc("Patient", patient)  # another practice's patient: "not found"
	doc.check_permission("read")
	if not frappe.has_permission("Patient Access Log", "read"):
		frappe.throw(_("Only the practice's admins export a patient's record."), frappe.PermissionError)
	content = export.patient_zip(patient, router.Caller(context.get_user_practices()))
	request = getattr(frappe.local, "request", None)
	access_log.push([Access("Patient", patient, "export")], frappe.session.user, request)
	frappe.local.response.filename = f"{patient}-record.zip"
	frappe.local.response.filecontent = content
	frappe.local.response.type = "download"


@frappe.whitelist(methods=["POST"])
def restrict_patient(patient: str, reason: str) -> str:
	"""Restrict the record at the patient's request: it is kept and can be read, but takes
	no new entries, edits, bookings or messages until the restriction is lifted."""
	return rights.change(patient, "restrict", reason=reason)


@frappe.whitelist(methods=["POST"])
def restore_patient(patient: str) -> str:
	"""Lift a restriction, or bring an archived record back into use."""
	return rights.change(patient, "restore")


@frappe.whitelist(methods=["POST"])
def archive_patient(patient: str) -> str:
	"""Put away a record that is past its retention end (it is kept, read-only)."""
	return rights.change(patient, "archive")


@frappe.whitelist(methods=["POST"])
def erase_patient(patient: str, confirm: str) -> str:
	"""Erase the personal data of a record past its retention end (``confirm``: the
	record's ID, typed by the admin). The anonymised rows stay; this cannot be undone."""
	return rights.change(patient, "erase", confirm=confirm)
