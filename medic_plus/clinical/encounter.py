"""Documents issued from a Patient Encounter."""

import frappe
from frappe import _
from frappe.utils import today


@frappe.whitelist(methods=["POST"])
def make_sick_note(encounter: str) -> dict:
	"""A new Sick Note prefilled from the encounter (not saved)."""
	doc = frappe.get_doc("Patient Encounter", encounter)
	doc.check_permission("read")
	if not frappe.has_permission("Sick Note", "create"):
		frappe.throw(_("You are not allowed to issue sick notes."), frappe.PermissionError)
	diagnoses = [row.diagnosis for row in doc.get("diagnosis") or []]
	note = frappe.new_doc("Sick Note")
	note.update(
		{
			"patient": doc.patient,
			"practitioner": doc.practitioner,
			"encounter": doc.name,
			"issue_date": today(),
			"date_from": doc.encounter_date or today(),
			"date_to": doc.encounter_date or today(),
			"diagnosis": ", ".join(diagnoses),
			"diagnosis_code": diagnoses[0] if diagnoses else None,
		}
	)
	return note.as_dict()
