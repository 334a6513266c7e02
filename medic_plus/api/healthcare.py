"""Healthcare's whitelisted methods that the practice roles need, behind the tenant wall.

Healthcare's originals take a patient, an appointment or an encounter by name and read
it with raw SQL or change it without a permission check. Each wrapper checks every
record argument against the tenancy first (another practice's record answers exactly as
a missing one), then hands over to Healthcare. ``hooks.override_whitelisted_methods``
points the originals here, and the request gate's allowlist names only these.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from healthcare.controllers import queries as _queries
from healthcare.healthcare import utils as _utils
from healthcare.healthcare.doctype.fee_validity import fee_validity as _fee_validity
from healthcare.healthcare.doctype.patient import patient as _patient
from healthcare.healthcare.doctype.patient_appointment import patient_appointment as _appointment
from healthcare.healthcare.doctype.patient_encounter import patient_encounter as _encounter
from healthcare.healthcare.page.patient_history import patient_history as _history

from medic_plus.tenancy.gate import check_document
from medic_plus.tenancy.guard import check_visible

APPOINTMENT_STATUSES = (
	"Open",
	"Scheduled",
	"Confirmed",
	"Checked In",
	"Checked Out",
	"Closed",
	"Cancelled",
	"No Show",
)


@frappe.whitelist()
def get_patient_detail(patient: str) -> dict:
	check_visible("Patient", patient)
	return _patient.get_patient_detail(patient)


@frappe.whitelist()
def get_availability_data(date: str, practitioner: str, appointment: str | dict) -> dict:
	check_visible("Healthcare Practitioner", practitioner)
	check_document(appointment, "Patient Appointment")
	return _appointment.get_availability_data(date, practitioner, appointment)


@frappe.whitelist(methods=["POST"])
def update_status(appointment_id: str, status: str) -> None:
	"""Healthcare sets the status with no permission check at all."""
	check_visible("Patient Appointment", appointment_id)
	if status not in APPOINTMENT_STATUSES:
		frappe.throw(_("{0} is not a valid appointment status.").format(frappe.bold(status)))
	frappe.has_permission("Patient Appointment", "write", appointment_id, throw=True)
	result = _appointment.update_status(appointment_id, status)
	# Healthcare writes the status directly (no document events): the public calendar forgets it
	from medic_plus.booking import calendar_cache

	calendar_cache.on_appointment_change(frappe.get_doc("Patient Appointment", appointment_id))
	return result


@frappe.whitelist(methods=["POST"])
def update_fee_validity(appointment: str | dict) -> None:
	check_document(appointment, "Patient Appointment")
	frappe.has_permission("Patient Appointment", "write", throw=True)
	return _appointment.update_fee_validity(appointment)


@frappe.whitelist(methods=["POST"])
def invoice_appointment(appointment_name: str, discount_percentage: float = 0, discount_amount: float = 0):
	check_visible("Patient Appointment", appointment_name)
	frappe.has_permission("Patient Appointment", "write", appointment_name, throw=True)
	return _appointment.invoice_appointment(appointment_name, discount_percentage, discount_amount)


@frappe.whitelist()
def make_encounter(source_name: str, target_doc: str | dict | None = None):
	check_visible("Patient Appointment", source_name)
	frappe.has_permission("Patient Encounter", "create", throw=True)
	return _appointment.make_encounter(source_name, target_doc)


@frappe.whitelist()
def get_procedure_prescribed(patient: str) -> list:
	check_visible("Patient", patient)
	return _appointment.get_procedure_prescribed(patient)


@frappe.whitelist()
def get_prescribed_therapies(patient: str) -> list:
	check_visible("Patient", patient)
	return _appointment.get_prescribed_therapies(patient)


@frappe.whitelist()
def check_payment_reqd(patient: str):
	check_visible("Patient", patient)
	return _appointment.check_payment_reqd(patient)


@frappe.whitelist()
def check_fee_validity(appointment: str | dict, date: str | None = None, practitioner: str | None = None):
	check_document(appointment, "Patient Appointment")
	if practitioner:
		check_visible("Healthcare Practitioner", practitioner)
	return _fee_validity.check_fee_validity(appointment, date, practitioner)


@frappe.whitelist()
def get_fee_validity(appointment_name: str, date: str, ignore_status: bool = False):
	check_visible("Patient Appointment", appointment_name)
	return _fee_validity.get_fee_validity(appointment_name, date, ignore_status)


@frappe.whitelist()
def get_appointment_billing_item_and_rate(doc: str | dict):
	check_document(doc)
	return _utils.get_appointment_billing_item_and_rate(doc)


@frappe.whitelist()
def get_encounter_details(doc: str) -> dict:
	check_document(doc, "Patient Encounter")
	return _encounter.get_encounter_details(doc)


@frappe.whitelist(methods=["POST"])
def create_service_request(encounter: str) -> None:
	check_visible("Patient Encounter", encounter)
	frappe.has_permission("Patient Encounter", "write", encounter, throw=True)
	return _encounter.create_service_request(encounter)


@frappe.whitelist(methods=["POST"])
def create_medication_request(encounter: str) -> None:
	check_visible("Patient Encounter", encounter)
	frappe.has_permission("Patient Encounter", "write", encounter, throw=True)
	return _encounter.create_medication_request(encounter)


@frappe.whitelist()
def get_medications(medication: str) -> list:
	# a shared master (Medication): no practice data
	return _encounter.get_medications(medication)


@frappe.whitelist()
def get_patient_history_doctypes() -> list:
	return _history.get_patient_history_doctypes()


@frappe.whitelist()
def get_feed(
	name: str,
	document_types: str | list | None = None,
	date_range: str | list | None = None,
	start: int = 0,
	page_length: int = 20,
) -> list:
	check_visible("Patient", name)
	return _history.get_feed(name, document_types, date_range, start, page_length)


@frappe.whitelist()
def get_feed_for_dt(doctype: str, docname: str) -> list:
	check_visible(doctype, docname)
	return _history.get_feed_for_dt(doctype, docname)


@frappe.whitelist()
@frappe.validate_and_sanitize_search_inputs
def get_healthcare_service_units(
	doctype: str, txt: str, searchfield: str, start: int, page_len: int, filters: dict | str | None
):
	# a shared master (service units): no practice data
	if isinstance(filters, str):
		filters = json.loads(filters)
	return _queries.get_healthcare_service_units(doctype, txt, searchfield, start, page_len, filters)
