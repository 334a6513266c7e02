"""A patient's record in one file (the right of access): a ZIP of the FHIR
``$everything`` bundle (every page), the PDFs of their submitted sick notes and
consultation notes on the practice's letter head, and the access log of their record.
Built for a patient already judged (the practice's admin in Desk, or the patient in the
portal); the caller logs the export."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import frappe

from medic_plus.clinical.printing import judged_pdf
from medic_plus.core import fhir_map
from medic_plus.fhir import router

PAGE = 100
DOCUMENTS = (
	("sick-notes", "Sick Note", "Sick Note"),
	("consultation-notes", "Patient Encounter", "Encounter Note"),
)


def patient_zip(patient: str, caller: router.Caller) -> bytes:
	buffer = io.BytesIO()
	with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
		archive.writestr("fhir-everything.json", everything(patient, caller))
		for folder, doctype, print_format in DOCUMENTS:
			names = frappe.get_all(
				doctype, filters={"patient": patient, "docstatus": 1}, pluck="name", order_by="creation asc"
			)
			for name in names:
				archive.writestr(f"{folder}/{name}.pdf", judged_pdf(doctype, name, print_format))
		archive.writestr("access-log.csv", access_log_csv(patient))
	return buffer.getvalue()


def everything(patient: str, caller: router.Caller) -> str:
	"""Every page of the patient's ``$everything``, as one Bundle (each resource once)."""
	patient_id = fhir_map.fhir_id(patient)
	resources, seen, offset = [], set(), 0
	while True:
		page = router.everything(caller, patient_id, {"_count": PAGE, "_offset": offset})
		for entry in page.entry or []:
			key = (entry.resource.get_resource_type(), entry.resource.id)
			if key not in seen:
				seen.add(key)
				resources.append(entry.resource)
		offset += PAGE
		if offset >= (page.total or 0) - 1:
			break
	bundle = fhir_map.bundle(resources, router.base_url(), len(resources), {})
	return json.dumps(json.loads(fhir_map.to_json(bundle)), indent=1)


def access_log_csv(patient: str) -> str:
	out = io.StringIO()
	writer = csv.writer(out)
	writer.writerow(
		["when", "user", "fhir_token", "action", "document_type", "document", "client_ip", "actor"]
	)
	for row in frappe.get_all(
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
			"actor",
		],
		order_by="accessed_on asc",
		as_list=True,
	):
		writer.writerow(row)
	return out.getvalue()
