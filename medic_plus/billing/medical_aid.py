"""A patient's medical aid where the practice works: on the Patient's connections, and on
each appointment, the one in force on its day (what the visit is billed and claimed to)."""

from __future__ import annotations

import frappe

from medic_plus.medic_plus.doctype.patient_medical_aid.patient_medical_aid import current


def set_on_appointment(doc, method: str | None = None) -> None:
	"""Patient Appointment validate: the medical aid in force on the appointment's day."""
	if not doc.patient or not doc.appointment_date:
		doc.custom_medical_aid = None
		return
	if doc.custom_medical_aid and not (
		doc.has_value_changed("patient") or doc.has_value_changed("appointment_date")
	):
		return
	aid = current(doc.patient, doc.appointment_date)
	doc.custom_medical_aid = aid.name if aid else None


def patient_dashboard(data: dict) -> dict:
	"""The Patient's connections: its medical aids, beside its visits."""
	data = frappe._dict(data or {})
	transactions = data.setdefault("transactions", [])
	if not any("Patient Medical Aid" in group.get("items", []) for group in transactions):
		transactions.append({"label": frappe._("Medical Aid"), "items": ["Patient Medical Aid"]})
	return data
