"""The patient's safety record as the practice keeps it, read-only in the portal: the
allergies in force and the medication being taken now (from the prescriptions of
submitted encounters)."""

from __future__ import annotations

import frappe

from medic_plus.clinical.prescribing import current_medication


def summary(patients: list[str]) -> dict[str, dict]:
	"""patient -> {allergies: [...], medication: [...]}."""
	out: dict[str, dict] = {p: {"allergies": [], "medication": []} for p in patients}
	if not patients:
		return out
	allergy = frappe.qb.DocType("Patient Allergy")
	for row in (
		frappe.qb.from_(allergy)
		.select(allergy.patient, allergy.substance, allergy.criticality, allergy.reaction, allergy.category)
		.where(allergy.patient.isin(patients) & (allergy.status == "active"))
		.orderby(allergy.substance)
		.run(as_dict=True)
	):
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
