"""Safe prescribing on the Patient Encounter: on every save the server checks the
prescription (core/prescribing.py is the engine) against the patient's active allergies,
their other current medication and, for a child, the latest weight, and keeps the
findings in the encounter's *Prescribing Checks* table together with any override a
doctor recorded there. Submitting with a blocking finding that has no override (a reason
and a note) is refused. No client can skip it: it is a ``validate`` hook."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import frappe
from frappe import _
from frappe.query_builder import Parameter
from frappe.utils import getdate

from medic_plus.core import prescribing

RULES_KEY = "medic_plus:drug_interaction_rules"
MG = {"milligram", "mg"}
PERIOD_DAYS = {"Hour": 1 / 24, "Day": 1, "Week": 7, "Month": 30, "Year": 365}


class PrescribingCheckError(frappe.ValidationError):
	pass


def check_encounter(doc, method: str | None = None) -> None:
	rows = [r for r in doc.get("drug_prescription") or [] if r.medication or r.drug_code]
	if not doc.patient or not rows:
		doc.set("custom_prescription_checks", [])
		return
	on = getdate(doc.encounter_date or date.today())
	findings = _findings(doc.patient, on, rows, _current_rows(doc.patient, doc.name, on))
	_keep(doc, findings)
	if doc.docstatus == 1:
		_refuse_unresolved(doc, findings)


def check_medication_request(doc, method: str | None = None) -> None:
	"""The same checks for a Medication Request: its drug against the patient's allergies,
	current medication (and the other drugs of its encounter) and, for a child, weight.
	A request ordered from an encounter keeps the overrides the doctor recorded there."""
	if not doc.patient or not doc.medication:
		doc.set("custom_prescription_checks", [])
		return
	on = getdate(doc.order_date or date.today())
	encounter = doc.order_group
	current_rows = _current_rows(doc.patient, encounter, on)
	if encounter:
		current_rows += frappe.get_all(
			"Drug Prescription",
			filters={
				"parent": encounter,
				"parenttype": "Patient Encounter",
				"medication": ("!=", doc.medication),
			},
			fields=["medication", "drug_code", "drug_name"],
		)
	row = frappe._dict(medication=doc.medication, dosage=doc.dosage, drug_name=doc.medication)
	findings = _findings(doc.patient, on, [row], current_rows)
	_keep(doc, findings)
	if encounter:
		answered = {
			r.code: r
			for r in frappe.get_all(
				"Prescription Check",
				filters={"parent": encounter, "parenttype": "Patient Encounter"},
				fields=["code", "override_reason", "override_note", "overridden_by"],
			)
			if r.override_reason and r.override_note
		}
		for r in doc.custom_prescription_checks:
			if r.code in answered and not (r.override_reason and r.override_note):
				r.update(
					{k: answered[r.code][k] for k in ("override_reason", "override_note", "overridden_by")}
				)
	if doc.docstatus == 1:
		_refuse_unresolved(doc, findings)


def _findings(patient: str, on: date, rows: list, current_rows: list) -> list[prescribing.Finding]:
	"""Every finding for the prescribed ``rows`` of ``patient`` on ``on``, against their
	allergies, ``current_rows`` (the drugs they take) and, for a child, their weight."""
	medications = _medications({r.medication for r in [*rows, *current_rows] if r.medication})
	daily_units = _daily_units({r.dosage for r in rows if r.dosage})
	return prescribing.check(
		[_drug(r, medications, daily_units) for r in rows],
		_allergies(patient),
		[_drug(r, medications, {}) for r in current_rows],
		rules(),
		_latest_weight(patient, on),
		_age(patient, on),
	)


def _refuse_unresolved(doc, findings: list[prescribing.Finding]) -> None:
	overrides = [
		prescribing.Override(r.code, r.override_reason or "", r.override_note or "")
		for r in doc.custom_prescription_checks
	]
	if blocking := prescribing.unresolved(findings, overrides):
		frappe.throw(
			_(
				"{0}. To prescribe it anyway, give an override reason and a note for this finding "
				"under Prescribing Checks."
			).format(prescribing.render(blocking[0].parts, _)),
			PrescribingCheckError,
			title=_("Prescribing Check"),
		)


def rules() -> prescribing.RuleBook:
	"""The site's interaction rules, cached until one changes."""
	rows = frappe.cache.get_value(
		RULES_KEY,
		lambda: frappe.get_all(
			"Drug Interaction Rule", fields=["term_a", "term_b", "severity", "description"], as_list=1
		),
	)
	return prescribing.RuleBook(
		prescribing.Interaction(a, b, prescribing.Severity[(severity or "Warning").upper()], text or "")
		for a, b, severity, text in rows
	)


def forget_rules(doc=None, method: str | None = None) -> None:
	frappe.cache.delete_value(RULES_KEY)


def _drug(row, medications: dict, daily_units: dict) -> prescribing.Drug:
	med = medications.get(row.medication) if row.medication else None
	if not med:
		return prescribing.Drug(row.drug_name or row.drug_code or row.medication)
	per_day = daily_units.get(row.dosage)
	if row.get("dosage_by_interval") and row.get("interval") and row.get("interval_uom") == "Hour":
		per_day = 24 / row.interval
	strength = row.get("strength") or med.strength
	uom = (row.get("strength_uom") or med.strength_uom or "").casefold()
	return prescribing.Drug(
		row.medication,
		ingredients=frozenset(filter(None, {med.generic_name, *med.ingredients})),
		classes=frozenset(filter(None, {med.medication_class})),
		dose_mg=strength if uom in MG else None,
		doses_per_day=per_day,
		max_mg_per_kg_day=med.custom_max_mg_per_kg_day or None,
	)


def _medications(names: set[str]) -> dict[str, frappe._dict]:
	if not names:
		return {}
	meds = {
		m.name: frappe._dict(m, ingredients=set())
		for m in frappe.get_all(
			"Medication",
			filters={"name": ("in", list(names))},
			fields=[
				"name",
				"generic_name",
				"medication_class",
				"strength",
				"strength_uom",
				"custom_max_mg_per_kg_day",
			],
		)
	}
	for parent, ingredient in frappe.get_all(
		"Medication Ingredient",
		filters={"parent": ("in", list(meds)), "parenttype": "Medication"},
		fields=["parent", "medication"],
		as_list=1,
	):
		meds[parent].ingredients.add(ingredient)
	return meds


def _daily_units(dosages: set[str]) -> dict[str, float]:
	"""How many units a day each Prescription Dosage gives (its strengths summed)."""
	out: dict[str, float] = {}
	for parent, strength in frappe.get_all(
		"Dosage Strength",
		filters={"parent": ("in", list(dosages) or [""]), "parenttype": "Prescription Dosage"},
		fields=["parent", "strength"],
		as_list=1,
	):
		out[parent] = out.get(parent, 0) + float(strength or 0)
	return out


def current_medication(patients: list[str], on: date | None = None) -> dict[str, list]:
	"""patient -> the drugs of their submitted encounters still being taken on ``on``
	(today): medication, drug_code, drug_name, encounter_date; in one query."""
	out: dict[str, list] = {p: [] for p in patients}
	for row in _current_rows(patients, None, getdate(on)) if patients else []:
		out[row.patient].append(row)
	return out


def _current_rows(patients: str | list[str], encounter: str | None, on: date) -> list:
	"""The drugs of the patient's (or patients') other submitted encounters still being
	taken on ``on``."""
	rows = frappe.db.sql(
		_current_query(),
		{
			"patients": (patients,) if isinstance(patients, str) else tuple(patients),
			"encounter": encounter or "",
			"on": on,
			"year_before": on - timedelta(days=366),
		},
		as_dict=True,
	)
	current = []
	for r in rows:
		days = (r.number or 0) * PERIOD_DAYS.get(r.period, 1)
		if getdate(r.encounter_date) + timedelta(days=days) >= on:
			current.append(r)
	return current


@cache
def _current_query() -> str:
	"""Built once per process (every encounter check and portal home asks it)."""
	rx = frappe.qb.DocType("Drug Prescription")
	enc = frappe.qb.DocType("Patient Encounter")
	period = frappe.qb.DocType("Prescription Duration")
	return (
		frappe.qb.from_(rx)
		.join(enc)
		.on((enc.name == rx.parent) & (rx.parenttype == "Patient Encounter"))
		.left_join(period)
		.on(period.name == rx.period)
		.select(
			rx.medication,
			rx.drug_code,
			rx.drug_name,
			enc.patient,
			enc.encounter_date,
			period.number,
			period.period,
		)
		.where(
			enc.patient.isin(Parameter("%(patients)s"))
			& (enc.docstatus == 1)
			& (enc.name != Parameter("%(encounter)s"))
			& (enc.encounter_date <= Parameter("%(on)s"))
			& (enc.encounter_date >= Parameter("%(year_before)s"))
		)
		.get_sql()
	)


def _allergies(patient: str) -> list[prescribing.Allergy]:
	return [
		prescribing.Allergy(substance, criticality or "low", status or "active", reaction or "")
		for substance, criticality, status, reaction in frappe.get_all(
			"Patient Allergy",
			filters={"patient": patient, "status": "active"},
			fields=["substance", "criticality", "status", "reaction"],
			as_list=1,
		)
	]


def _latest_weight(patient: str, on: date) -> float | None:
	weight = frappe.db.get_value(
		"Vital Signs",
		{"patient": patient, "docstatus": 1, "weight": (">", 0), "signs_date": ("<=", on)},
		"weight",
		order_by="signs_date desc, signs_time desc",
	)
	return float(weight) if weight else None


def _age(patient: str, on: date) -> float | None:
	dob = frappe.db.get_value("Patient", patient, "dob")
	return (on - getdate(dob)).days / 365.25 if dob else None


def _keep(doc, findings: list[prescribing.Finding]) -> None:
	"""The findings as rows, each keeping the override recorded for it before (and its
	row, so that a save that finds the same thing changes nothing in the history)."""
	before = {r.code: r for r in doc.get("custom_prescription_checks") or []}
	rows = []
	for f in findings:
		old = before.pop(f.code, None)
		reason, note = (old.override_reason, old.override_note) if old else (None, None)
		values = {
			"severity": f.severity.label,
			"kind": f.kind,
			"medication": f.drug,
			"message": prescribing.render(f.parts, _),
			"code": f.code,
			"override_reason": reason,
			"override_note": note,
			"overridden_by": (old.overridden_by or frappe.session.user) if old and (reason or note) else None,
		}
		if old:
			old.update(values)
			rows.append(old)
		else:
			rows.append(values)
	doc.set("custom_prescription_checks", rows)
