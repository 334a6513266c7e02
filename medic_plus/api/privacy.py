"""A patient's right to their data: everything the practice holds about them, in one file."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import frappe
from frappe import _

from medic_plus.core.access_log import Access
from medic_plus.privacy import access_log, rights
from medic_plus.tenancy import context

EXPORT_PAGE = 100


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
	buffer = io.BytesIO()
	with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
		archive.writestr("fhir-everything.json", _everything(patient))
		for folder, doctype, print_format, filters in (
			("sick-notes", "Sick Note", "Sick Note", {"patient": patient, "docstatus": 1}),
			(
				"consultation-notes",
				"Patient Encounter",
				"Encounter Note",
				{"patient": patient, "docstatus": 1},
			),
		):
			for name in frappe.get_list(doctype, filters=filters, pluck="name", order_by="creation asc"):
				pdf = frappe.get_print(doctype, name, print_format=print_format, as_pdf=True)
				archive.writestr(f"{folder}/{name}.pdf", pdf)
		archive.writestr("access-log.csv", _access_log_csv(patient))
	request = getattr(frappe.local, "request", None)
	access_log.push([Access("Patient", patient, "export")], frappe.session.user, request)
	frappe.local.response.filename = f"{patient}-record.zip"
	frappe.local.response.filecontent = buffer.getvalue()
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


def _everything(patient: str) -> str:
	"""Every page of the patient's ``$everything``, as one Bundle (each resource once)."""
	from medic_plus.core import fhir_map
	from medic_plus.fhir import router

	caller = router.Caller(context.get_user_practices())
	patient_id = fhir_map.fhir_id(patient)
	resources, seen, offset = [], set(), 0
	while True:
		page = router.everything(caller, patient_id, {"_count": EXPORT_PAGE, "_offset": offset})
		for entry in page.entry or []:
			key = (entry.resource.get_resource_type(), entry.resource.id)
			if key not in seen:
				seen.add(key)
				resources.append(entry.resource)
		offset += EXPORT_PAGE
		if offset >= (page.total or 0) - 1:
			break
	bundle = fhir_map.bundle(resources, router.base_url(), len(resources), {})
	return json.dumps(json.loads(fhir_map.to_json(bundle)), indent=1)


def _access_log_csv(patient: str) -> str:
	out = io.StringIO()
	writer = csv.writer(out)
	writer.writerow(["when", "user", "fhir_token", "action", "document_type", "document", "client_ip"])
	for row in frappe.get_list(
		"Patient Access Log",
		filters={"patient": patient},
		fields=[
			"accessed_on",
			"user",
			"fhir_token",
			"action",
			"reference_doctype",
			"reference_name",
			"client_ip",
		],
		order_by="accessed_on asc",
		as_list=True,
	):
		writer.writerow(row)
	return out.getvalue()
