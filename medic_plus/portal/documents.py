"""The documents a practice releases to the patient portal: submitted sick notes,
prescriptions and consultation summaries of the patient's records, each kind only where
the practice's Patient Portal settings release it (summaries are off by default), each
as a PDF on the practice's letter head. Another's document, or one not released, answers
exactly like a missing one."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import frappe
from frappe.query_builder import Parameter
from frappe.query_builder.functions import Count, Max
from pypika.terms import ValueWrapper

from medic_plus.clinical.printing import judged_pdf
from medic_plus.core.access_log import Access
from medic_plus.portal import identity
from medic_plus.privacy import access_log
from medic_plus.tenancy.guard import not_found


@dataclass(frozen=True)
class Kind:
	doctype: str
	print_format: str
	setting: str | None  # the Practice's check that releases it (None: always, where it bills)
	label: str


KINDS: dict[str, Kind] = {
	"sick_note": Kind("Sick Note", "Sick Note", "portal_release_sick_notes", "Sick note"),
	"prescription": Kind("Patient Encounter", "Prescription", "portal_release_prescriptions", "Prescription"),
	"summary": Kind(
		"Patient Encounter", "Encounter Note", "portal_release_summaries", "Consultation summary"
	),
	# what the patient was billed and paid, and what is owed (billing/statement.py)
	"statement": Kind("Patient", "Patient Statement", None, "Statement of account"),
}


def released(practices: list[str]) -> dict[str, set[str]]:
	"""practice -> the kinds it releases (from the document cache: a practice's settings
	are read on every portal page, and change rarely)."""
	out = {}
	for name in practices:
		doc = frappe.get_cached_doc("Practice", name)
		out[name] = {
			kind
			for kind, k in KINDS.items()
			if (doc.get(k.setting) if k.setting else doc.company)  # a statement where it bills
		}
	return out


def listing(records, billed: dict[str, object] | None = None) -> dict[str, list[dict]]:
	"""practice -> its released documents about the records, newest first; ``billed``:
	patient -> the day of their latest submitted invoice, where the caller has read it."""
	practice_of = {r.patient: r.practice for r in records}
	kinds = released(sorted(set(practice_of.values())))
	out: dict[str, list[dict]] = {}
	for row in _documents(list(practice_of)):
		practice = row.practice
		if practice_of.get(row.patient) != practice:
			continue
		if row.source == "sick_note":
			if "sick_note" in kinds.get(practice, ()):
				out.setdefault(practice, []).append(_entry("sick_note", row.name, row.patient, row.day))
			continue
		if row.medicines and "prescription" in kinds.get(practice, ()):
			out.setdefault(practice, []).append(_entry("prescription", row.name, row.patient, row.day))
		if "summary" in kinds.get(practice, ()):
			out.setdefault(practice, []).append(_entry("summary", row.name, row.patient, row.day))
	for patient, day in (_billed(list(practice_of)) if billed is None else billed).items():
		if "statement" in kinds.get(practice_of[patient], ()):
			out.setdefault(practice_of[patient], []).append(_entry("statement", patient, patient, day))
	for docs in out.values():
		docs.sort(key=lambda d: (d["date"] or "", d["name"]), reverse=True)
	return out


def pdf(kind: str, name: str) -> tuple[str, bytes]:
	"""(file name, PDF) of one of the session's released documents; logged as the patient's
	download."""
	spec = KINDS.get(kind) if isinstance(kind, str) else None
	if not spec or not isinstance(name, str):
		not_found("Document", name)
	records = identity.records()
	listed = {(d["kind"], d["name"]) for docs in listing(records).values() for d in docs}
	if (kind, name) not in listed:
		not_found(spec.doctype, name)
	content = judged_pdf(spec.doctype, name, spec.print_format)
	request = getattr(frappe.local, "request", None)
	access_log.push([Access(spec.doctype, name, "download")], frappe.session.user, request, actor="Patient")
	return f"{kind.replace('_', '-')}-{name}.pdf", content


def _entry(kind: str, name: str, patient: str, day) -> dict:
	return {
		"kind": kind,
		"label": KINDS[kind].label,
		"name": name,
		"patient": patient,
		"date": str(day) if day else None,
	}


def _billed(patients: list[str]) -> dict[str, object]:
	"""patient -> the day of their latest submitted invoice, for those ever billed."""
	if not patients:
		return {}
	return dict(frappe.db.sql(_billed_query(), {"patients": tuple(patients)}))


def _documents(patients: list[str]) -> list:
	"""The submitted sick notes (``source`` "sick_note") and encounters ("encounter", with
	how many ``medicines`` they prescribe) of the patients, in one query."""
	if not patients:
		return []
	return frappe.db.sql(_documents_query(), {"patients": tuple(patients)}, as_dict=True)


# the queries, built once per process (every portal home asks them)


@cache
def _billed_query() -> str:
	invoice = frappe.qb.DocType("Sales Invoice")
	return (
		frappe.qb.from_(invoice)
		.select(invoice.patient, Max(invoice.posting_date))
		.where(invoice.patient.isin(Parameter("%(patients)s")) & (invoice.docstatus == 1))
		.groupby(invoice.patient)
		.get_sql()
	)


@cache
def _documents_query() -> str:
	note = frappe.qb.DocType("Sick Note")
	encounter = frappe.qb.DocType("Patient Encounter")
	drug = frappe.qb.DocType("Drug Prescription")
	medicines = (
		frappe.qb.from_(drug)
		.select(Count("*"))
		.where((drug.parent == encounter.name) & (drug.parenttype == "Patient Encounter"))
	)
	notes = (
		frappe.qb.from_(note)
		.select(
			ValueWrapper("sick_note").as_("source"),
			note.name,
			note.patient,
			note.practice,
			note.issue_date.as_("day"),
			ValueWrapper(0).as_("medicines"),
		)
		.where(note.patient.isin(Parameter("%(patients)s")) & (note.docstatus == 1))
	)
	visits = (
		frappe.qb.from_(encounter)
		.select(
			ValueWrapper("encounter").as_("source"),
			encounter.name,
			encounter.patient,
			encounter.custom_practice.as_("practice"),
			encounter.encounter_date.as_("day"),
			medicines.as_("medicines"),
		)
		.where(encounter.patient.isin(Parameter("%(patients)s")) & (encounter.docstatus == 1))
	)
	return f"({notes.get_sql()}) union all ({visits.get_sql()})"
