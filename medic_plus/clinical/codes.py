"""ICD-10 in Healthcare's Code System / Code Value: the loader behind
``bench --site … medic-plus-load-codes <file>`` (and the curated primary-care subset the
app ships and loads on install), and the picker's link search. Parsing is
``core/codes.py``; this module writes and searches."""

from __future__ import annotations

from pathlib import Path

import frappe
from frappe import _
from frappe.utils import now

from medic_plus.core import codes

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "icd10_primary_care.csv"
BATCH = 2000


def ensure_code_system(system: str = codes.ICD10, uri: str = codes.ICD10_URI) -> str:
	if not frappe.db.exists("Code System", system):
		frappe.get_doc(
			{
				"doctype": "Code System",
				"code_system": system,
				"uri": uri,
				"description": "WHO International Statistical Classification of Diseases, 10th revision",
			}
		).insert(ignore_permissions=True)
	return system


def load(rows, system: str = codes.ICD10) -> dict[str, int]:
	"""Upsert codes into ``system``: new codes are inserted in batches, changed titles
	updated, the rest untouched (a second load of the same file writes nothing)."""
	ensure_code_system(system)
	wanted = codes.unique(rows)
	cv = frappe.qb.DocType("Code Value")
	existing = {
		code: (name, display)
		for name, code, display in frappe.qb.from_(cv)
		.select(cv.name, cv.code_value, cv.display)
		.where(cv.code_system == system)
		.run()
	}
	new, changed = [], []
	for code in wanted.values():
		if code.code not in existing:
			new.append(code)
		elif existing[code.code][1] != code.title:
			changed.append((existing[code.code][0], code))
	stamp, user = now(), frappe.session.user
	fields = ["name", "code_system", "code_value", "display", "level", "system_uri"]
	fields += ["creation", "modified", "owner", "modified_by", "docstatus", "idx"]
	uri = frappe.db.get_value("Code System", system, "uri")
	for start in range(0, len(new), BATCH):
		frappe.db.bulk_insert(
			"Code Value",
			fields,
			[
				(f"{c.code}-{system}", system, c.code, c.title, c.level, uri, stamp, stamp, user, user, 0, 0)
				for c in new[start : start + BATCH]
			],
			ignore_duplicates=True,
		)
	for name, code in changed:
		frappe.db.set_value("Code Value", name, {"display": code.title, "level": code.level})
	return {"inserted": len(new), "updated": len(changed), "unchanged": len(wanted) - len(new) - len(changed)}


def load_file(path: str, system: str = codes.ICD10) -> dict[str, int]:
	data = Path(path).read_bytes()
	try:
		rows = list(codes.read(Path(path).name, data))
	except codes.CodeFileError as e:
		frappe.throw(_("Could not read {0}: {1}").format(path, str(e)), frappe.ValidationError)
	if not rows:
		frappe.throw(_("{0} holds no ICD-10 codes.").format(path), frappe.ValidationError)
	return load(rows, system)


def load_shipped() -> dict[str, int]:
	"""The curated primary-care subset (install and migrate: idempotent)."""
	if not frappe.db.exists("DocType", "Code Value"):
		return {}
	return load(codes.read(SHIPPED.name, SHIPPED.read_bytes()))


# the forms whose Code Value links are ICD-10 diagnoses: their picker searches ICD-10 only
ICD10_FORMS = ("Patient Problem", "Assessment Diagnosis", "Patient Encounter")


@frappe.whitelist()
@frappe.validate_and_sanitize_search_inputs
def code_value_query(
	doctype: str,
	txt: str,
	searchfield: str,
	start: int,
	page_len: int,
	filters: dict | list | str | None = None,
	reference_doctype: str | None = None,
):
	"""Link search for Code Value (the ICD-10 picker): by code ("j45", "J45.9") or by
	words of the title ("asthma", "upper resp"), shorter codes first. A code system the
	form filters on applies; the diagnosis forms search ICD-10, other forms (a coded
	allergy substance) every system."""
	frappe.has_permission("Code Value", "read", throw=True)
	filters = frappe.parse_json(filters) if isinstance(filters, str) else filters
	system = filters.get("code_system") if isinstance(filters, dict) else None
	if not system and (reference_doctype in ICD10_FORMS or not reference_doctype):
		system = codes.ICD10
	search = codes.parse_search(txt)
	cv = frappe.qb.DocType("Code Value")
	query = frappe.qb.from_(cv).select(cv.name, cv.code_value, cv.display, cv.code_system)
	if system:
		query = query.where(cv.code_system == system)
	if search.code_prefix:
		query = query.where(cv.code_value.like(f"{search.code_prefix}%"))
	for word in search.words:
		query = query.where(cv.display.like(f"%{word}%") | cv.code_value.like(f"{word}%"))
	rows = (
		query.orderby(cv.level)
		.orderby(cv.code_value)
		.limit(min(int(page_len or 20), 100))
		.offset(int(start or 0))
		.run()
	)
	# Code Value shows its title in links: the label is the title, the name (code and
	# system, "J45.9-ICD-10") its description
	return [(name, display) for name, _code, display, _system in rows]
