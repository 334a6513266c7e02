"""Healthcare's whitelisted methods that the practice roles need, where the request gate
alone does not hold them to the tenancy.

The gate checks every record argument it knows by name (``patient``, ``appointment_name``,
...) before a method runs, so Healthcare's methods whose only records are such arguments
are on the allowlist as they are. The methods here take a record the gate cannot see
(a document sent whole, a patient called ``name``), change a record without a permission
check of their own, or need a fix to answer at all: each checks first, then hands over
to Healthcare. ``hooks.override_whitelisted_methods`` points the originals here, and the
allowlist names these.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from healthcare.controllers import queries as _queries
from healthcare.healthcare import utils as _utils
from healthcare.healthcare.doctype.fee_validity import fee_validity as _fee_validity
from healthcare.healthcare.doctype.patient_appointment import patient_appointment as _appointment
from healthcare.healthcare.doctype.patient_encounter import patient_encounter as _encounter
from healthcare.healthcare.page.patient_history import patient_history as _history

from medic_plus.gate.gate import check_document
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
def check_fee_validity(appointment: str | dict, date: str | None = None, practitioner: str | None = None):
	check_document(appointment, "Patient Appointment")
	if practitioner:
		check_visible("Healthcare Practitioner", practitioner)
	return _fee_validity.check_fee_validity(appointment, date, practitioner)


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
