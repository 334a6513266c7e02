"""Which doctypes of the site can reach a practice's records, read from the site's own
DocType and Custom Field metadata: a Link to a scoped doctype, a Dynamic Link (which can
name any record), or a (doctype, name) pair of columns. Each must be classified in the
scope table; ``test_classification.py`` fails on any that is not, so an upgrade of
Healthcare or ERPNext that adds one breaks the build, not the wall.

Child tables follow their parents: one is covered when every parent that holds it is.

A doctype that reaches only a practice's books (a Link to a Customer, an Account, a Sales
Invoice: scope.BOOKS), not its clinical records, is covered without a row of its own while
no practice role may read it: ERPNext's selling, buying, stock and asset doctypes, which
the practices do not use. Granting a practice role one of them makes it unclassified here.
"""

from __future__ import annotations

import frappe

from medic_plus.tenancy.scope import BOOKS_BY_DOCTYPE, LINKED_BY_DOCTYPE, SCOPE_BY_DOCTYPE, is_classified

# columns that hold a record name next to a Link to DocType
NAME_COLUMNS = (
	"docname",
	"document_name",
	"reference_name",
	"reference_docname",
	"reference_document",
	"ref_docname",
	"deleted_name",
	"share_name",
	"attached_to_name",
)


def reaching_doctypes(books: bool = False) -> dict[str, list[str]]:
	"""doctype -> the fields through which it can reach a scoped record (with ``books``: a
	record of a practice's books too)."""
	scoped = set(SCOPE_BY_DOCTYPE) | set(LINKED_BY_DOCTYPE) | (set(BOOKS_BY_DOCTYPE) if books else set())
	reasons: dict[str, list[str]] = {}
	doctype_links: dict[str, set[str]] = {}
	for parent, fieldname, fieldtype, options in _fields():
		if fieldtype == "Link" and options in scoped:
			reasons.setdefault(parent, []).append(f"{fieldname} → {options}")
		elif fieldtype == "Dynamic Link":
			reasons.setdefault(parent, []).append(f"{fieldname} (dynamic link)")
		elif fieldtype == "Link" and options == "DocType":
			doctype_links.setdefault(parent, set()).add(fieldname)
	for parent, fieldname, fieldtype, _options in _fields():
		if parent in doctype_links and fieldname in NAME_COLUMNS and fieldtype in ("Data", "Dynamic Link"):
			reasons.setdefault(parent, []).append(f"{fieldname} (a record named by doctype and name)")
	return reasons


def unclassified() -> dict[str, list[str]]:
	"""The doctypes that reach scoped records and are not classified in the scope table."""
	reaching = reaching_doctypes()
	tables = set(frappe.get_all("DocType", filters={"istable": 1}, pluck="name"))
	parents = _table_parents()
	missing: dict[str, list[str]] = {}
	for doctype, why in sorted(reaching.items()):
		if doctype in SCOPE_BY_DOCTYPE or is_classified(doctype):
			continue
		if doctype in tables:
			holders = parents.get(doctype, [])
			if holders and all(is_classified(p) or p in _covered(reaching) for p in holders):
				continue
		missing[doctype] = why
	return missing | unclassified_in_books(reaching, tables, parents)


def unclassified_in_books(
	reaching: dict, tables: set[str], parents: dict[str, list[str]]
) -> dict[str, list[str]]:
	"""The doctypes that reach only records of the books, are not classified, and that a
	practice role may read (itself, or through a parent that holds it as a table)."""
	readable = practice_readable()
	missing: dict[str, list[str]] = {}
	for doctype, why in sorted(reaching_doctypes(books=True).items()):
		if doctype in reaching or is_classified(doctype):
			continue
		holders = parents.get(doctype, []) if doctype in tables else [doctype]
		if any(h in readable and not is_classified(h) for h in holders) or (
			doctype in tables and not holders
		):
			missing[doctype] = [*why, "readable by a practice role"]
	return missing


def practice_readable() -> set[str]:
	"""The doctypes a practice role may read, by the site's role permissions."""
	from medic_plus.tenancy.roles import ROLES

	found: set[str] = set()
	for perm in ("DocPerm", "Custom DocPerm"):
		found.update(frappe.get_all(perm, {"role": ("in", ROLES), "read": 1}, pluck="parent"))
	return found


def _covered(reaching: dict) -> set[str]:
	return {dt for dt in reaching if is_classified(dt)}


def _fields() -> list[tuple[str, str, str, str]]:
	virtual = set(frappe.get_all("DocType", filters={"is_virtual": 1}, pluck="name"))
	rows = frappe.get_all(
		"DocField",
		filters={"fieldtype": ("in", ("Link", "Dynamic Link", "Data"))},
		fields=["parent", "fieldname", "fieldtype", "options"],
		as_list=True,
	)
	rows += frappe.get_all(
		"Custom Field",
		filters={"fieldtype": ("in", ("Link", "Dynamic Link", "Data"))},
		fields=["dt", "fieldname", "fieldtype", "options"],
		as_list=True,
	)
	return [tuple(row) for row in rows if row[0] not in virtual]


def _table_parents() -> dict[str, list[str]]:
	from frappe.model import table_fields

	out: dict[str, list[str]] = {}
	for source, parent_col in (("DocField", "parent"), ("Custom Field", "dt")):
		for parent, options in frappe.get_all(
			source,
			filters={"fieldtype": ("in", list(table_fields))},
			fields=[parent_col, "options"],
			as_list=True,
		):
			out.setdefault(options, []).append(parent)
	return out
