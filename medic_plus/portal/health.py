"""The patient's safety record as the practice keeps it, read-only in the portal: the
allergies in force and the medication being taken now (from the prescriptions of
submitted encounters)."""

from __future__ import annotations

from functools import cache

import frappe
from frappe.query_builder import Parameter

from medic_plus.clinical.prescribing import current_medication


def summary(patients: list[str]) -> dict[str, dict]:
	"""patient -> {allergies: [...], medication: [...]}."""
	out: dict[str, dict] = {p: {"allergies": [], "medication": []} for p in patients}
	if not patients:
		return out
	for row in frappe.db.sql(_allergies_query(), {"patients": tuple(patients)}, as_dict=True):
		out[row.patient]["allergies"].append(
			{
				"substance": row.substance,
				"criticality": row.criticality,
				"reaction": row.reaction,
				"category": row.category,
			}
		)
	for patient, rows in current_medication(patients).items():
		seen = set()
		for row in rows:
			name = row.drug_name or row.medication or row.drug_code
			if name and name not in seen:
				seen.add(name)
				out[patient]["medication"].append({"name": name, "since": str(row.encounter_date)})
	return out


@cache
def _allergies_query() -> str:
	"""Built once per process (every portal home asks it)."""
	allergy = frappe.qb.DocType("Patient Allergy")
	return (
		frappe.qb.from_(allergy)
		.select(allergy.patient, allergy.substance, allergy.criticality, allergy.reaction, allergy.category)
		.where(allergy.patient.isin(Parameter("%(patients)s")) & (allergy.status == "active"))
		.orderby(allergy.substance)
		.get_sql()
	)
