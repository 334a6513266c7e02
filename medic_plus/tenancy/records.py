"""What stands behind the tenant wall beside the scope table's own rows: the child tables
of a practice's doctypes, the rows of an owned doctype a practice may see, and the books
(companies) of a user's practices. Read by the permission hooks (``permissions.py``) and
by the visibility checks (``guard.py``), which import this module and not each other's
internals.
"""

from __future__ import annotations

import frappe
from frappe.model import table_fields

from medic_plus.tenancy import context
from medic_plus.tenancy.scope import BOOKS_BY_DOCTYPE, WALLED_DOCTYPES, is_classified

CHILD_PARENTS_CACHE = "medic_plus:scoped_child_parents"


def get_scoped_parents(child_doctype: str) -> list[str]:
	"""The scoped doctypes that hold ``child_doctype`` as a table (cached per site)."""
	mapping = frappe.cache.get_value(CHILD_PARENTS_CACHE)
	if mapping is None:
		mapping = _build_child_parent_map()
		frappe.cache.set_value(CHILD_PARENTS_CACHE, mapping, expires_in_sec=6 * 3600)
	return mapping.get(child_doctype, [])


def _build_child_parent_map() -> dict[str, list[str]]:
	parents = [doctype for doctype in WALLED_DOCTYPES if frappe.db.exists("DocType", doctype)]
	mapping: dict[str, list[str]] = {}
	for source in ("DocField", "Custom Field"):
		parent_col = "parent" if source == "DocField" else "dt"
		rows = frappe.get_all(
			source,
			filters={"fieldtype": ("in", list(table_fields)), parent_col: ("in", parents)},
			fields=[f"{parent_col} as parent", "options"],
		)
		for row in rows:
			if row.options:
				mapping.setdefault(row.options, [])
				if row.parent not in mapping[row.options]:
					mapping[row.options].append(row.parent)
	return mapping


def is_scoped(doctype: str) -> bool:
	"""Whether the tenant wall stands in front of ``doctype``: classified in the scope
	table, or a child table of a practice's doctype."""
	return bool(is_classified(doctype) or get_scoped_parents(doctype))


def clear_scope_cache() -> None:
	frappe.cache.delete_value(CHILD_PARENTS_CACHE)
	frappe.cache.delete_value(context.CLINICAL_ROLES_CACHE)


def shared_rows(owned) -> list[str]:
	"""The rows of an owned doctype that every practice sees (the site's default company)."""
	default = frappe.defaults.get_global_default(owned.shared_default) if owned.shared_default else None
	return [default] if default else []


def owned_row_visible(owned, name: str, user: str | None = None) -> bool:
	"""Whether ``user`` may see a row of an owned doctype."""
	return owned_row_open_to(owned, name, context.get_user_practices(user))


def owned_row_open_to(owned, name: str, practices: list[str]) -> bool:
	"""Whether a row of an owned doctype is one no practice owns, one that one of
	``practices`` owns, or one every practice shares."""
	if name in shared_rows(owned):
		return True
	owners = frappe.get_all("Practice", filters={owned.practice_field: name}, pluck="name")
	return not owners or bool(set(owners) & set(practices))


def book_practices(doctype: str, ptype: str, user: str | None = None) -> list[str]:
	"""The practices whose books ``user`` may ``ptype`` ``doctype`` in: by their membership
	role there (a child table of the books, by its parent's)."""
	meta = frappe.get_meta(doctype)
	if meta.istable:
		parents = get_scoped_parents(doctype)
		doctype = next((p for p in parents if p in BOOKS_BY_DOCTYPE), doctype)
	return context.practices_for(doctype, ptype, user)


def practice_companies(practices: list[str]) -> set[str]:
	"""The companies (books) of ``practices``."""
	if not practices:
		return set()
	return set(
		frappe.get_all(
			"Practice", filters={"name": ("in", practices), "company": ("is", "set")}, pluck="company"
		)
	)


def books_allow(doctype: str, company: str | None, ptype: str = "read", user: str | None = None) -> bool:
	"""Whether ``user`` may ``ptype`` a record of ``doctype`` booked in ``company``."""
	check = "read" if ptype in context.READ_PTYPES else ptype
	if not company:
		books = BOOKS_BY_DOCTYPE.get(doctype)
		# the platform's rows: read by every practice, changed by none
		return bool(books and books.shared_unset and check == "read")
	return company in practice_companies(book_practices(doctype, check, user))
