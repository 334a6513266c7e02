"""The problem list fed by the encounter: the ICD-10 diagnoses of its assessment that the
doctor ticked *Add to Problem List* go onto the patient's problem list when the encounter
is submitted (once: a condition already current there is linked, not repeated), and leave
it again when the encounter is cancelled."""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.medic_plus.doctype.patient_problem.patient_problem import current_problem


def validate_diagnoses(doc, method: str | None = None) -> None:
	"""Patient Encounter validate: each diagnosis once."""
	seen: set[str] = set()
	for row in doc.get("custom_diagnoses") or []:
		if row.diagnosis in seen:
			frappe.throw(
				_("Row {0}: {1} is already a diagnosis of this encounter.").format(
					row.idx, frappe.bold(row.code or row.diagnosis)
				),
				frappe.ValidationError,
				title=_("Diagnoses"),
			)
		seen.add(row.diagnosis)


def add_to_problem_list(doc, method: str | None = None) -> None:
	"""Patient Encounter on_submit."""
	for row in doc.get("custom_diagnoses") or []:
		if not row.add_to_problem_list or row.problem:
			continue
		name = current_problem(doc.patient, row.diagnosis)
		if name:
			if row.chronic:
				frappe.db.set_value("Patient Problem", name, "chronic", 1)
		else:
			problem = frappe.get_doc(
				{
					"doctype": "Patient Problem",
					"patient": doc.patient,
					"diagnosis": row.diagnosis,
					"status": "active",
					"chronic": row.chronic,
					"onset": doc.encounter_date,
					"source_encounter": doc.name,
					"recorded_by": frappe.session.user,
					"recorded_on": doc.encounter_date,
				}
			)
			# submitting the encounter is the doctor's confirmation; their role may write
			# encounters without holding the problem list's create right itself
			problem.insert(ignore_permissions=True)
			name = problem.name
		row.db_set("problem", name, update_modified=False)


def remove_from_problem_list(doc, method: str | None = None) -> None:
	"""Patient Encounter on_cancel: the problems this encounter put on the list go."""
	for row in doc.get("custom_diagnoses") or []:
		if row.problem:
			row.db_set("problem", None, update_modified=False)
	for name in frappe.get_all("Patient Problem", filters={"source_encounter": doc.name}, pluck="name"):
		# another submitted encounter that diagnosed it too keeps it on the list
		if other := frappe.db.get_value(
			"Assessment Diagnosis",
			{"problem": name, "parenttype": "Patient Encounter", "parent": ("!=", doc.name)},
			"parent",
		):
			frappe.db.set_value("Patient Problem", name, "source_encounter", other)
		else:
			frappe.delete_doc("Patient Problem", name, ignore_permissions=True)
