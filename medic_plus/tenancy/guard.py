"""The load guard: a scoped record of another practice does not load at all.

Mixed into the controllers of the scoped Healthcare doctypes (``override_doctype_class``),
so every path that loads a document for a practice user (``/app``, ``/api/resource``,
``frappe.client``, print, PDF, rename, delete) answers "not found", exactly as for a name
that does not exist, instead of "not permitted", which would confirm that it exists.
"""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.tenancy import context
from medic_plus.tenancy.records import books_allow, get_scoped_parents, owned_row_visible
from medic_plus.tenancy.scope import (
	BOOKS_BY_DOCTYPE,
	HIDDEN,
	LINKED_BY_DOCTYPE,
	OWNED_BY_DOCTYPE,
	REFERENCE_BY_DOCTYPE,
	WALLED_DOCTYPES,
	Mode,
	get_scope,
)


class TenantGuard:
	def load_from_db(self):
		super().load_from_db()
		assert_visible(self)
		# what has_permission judges this document by, whatever is set on it later
		scope = get_scope(self.doctype)
		self.flags.medic_plus_stored_practice = self.get(scope.field) if scope else None


def assert_visible(doc) -> None:
	if frappe.flags.in_install or frappe.flags.in_migrate or frappe.flags.in_patch:
		return
	if context.sees_everything():
		return
	scope = get_scope(doc.doctype)
	if scope and context.is_member(doc.get(scope.field)):
		return
	linked = LINKED_BY_DOCTYPE.get(doc.doctype)
	if linked and doc.get(linked.field) and is_visible(linked.target, doc.get(linked.field)):
		return
	books = BOOKS_BY_DOCTYPE.get(doc.doctype)
	if books and (not context.keeps_books_walled() or books_allow(doc.doctype, doc.get(books.field))):
		return
	not_found(doc.doctype, doc.name)


def is_visible(doctype: str, name: str) -> bool:
	"""Whether the session user may know that ``doctype``/``name`` exists."""
	if doctype in HIDDEN and context.is_tenant_user():
		return False
	if (linked := LINKED_BY_DOCTYPE.get(doctype)) and not context.sees_everything():
		value = frappe.db.get_value(doctype, name, linked.field)
		return bool(value) and is_visible(linked.target, value)
	if (ref := REFERENCE_BY_DOCTYPE.get(doctype)) and not context.sees_everything():
		row = frappe.db.get_value(doctype, name, [ref.type_field, ref.name_field])
		if not row:
			return False
		target, target_name = row
		if target and target_name and target in WALLED_DOCTYPES:
			return is_visible(target, target_name)
		return True
	if (books := BOOKS_BY_DOCTYPE.get(doctype)) and context.keeps_books_walled():
		return books_allow(doctype, frappe.db.get_value(doctype, name, books.field))
	if (owned := OWNED_BY_DOCTYPE.get(doctype)) and not context.sees_everything():
		if not owned_row_visible(owned, name):
			return False
	scope = get_scope(doctype)
	if not scope and not context.sees_everything():
		if get_scoped_parents(doctype):
			# a child row: visible with its parent
			row = frappe.db.get_value(doctype, name, ["parent", "parenttype"], as_dict=True)
			return bool(row and row.parenttype and is_visible(row.parenttype, row.parent))
	if not scope or context.sees_everything():
		return bool(frappe.db.exists(doctype, name))
	if scope.mode is Mode.MEMBERS:
		# a shared master has no practice of its own: ask the permission query
		return bool(frappe.get_list(doctype, filters={"name": name}, pluck="name", limit=1))
	practice = frappe.db.get_value(doctype, name, scope.field)
	return context.is_member(practice)


def not_found(doctype: str, name) -> None:
	frappe.throw(_("{0} {1} not found").format(_(doctype), name), frappe.DoesNotExistError)


def check_visible(doctype: str, name) -> None:
	"""Answer "not found" unless ``name`` is a stored ``doctype`` record the user may see."""
	if not isinstance(name, str | int) or isinstance(name, bool) or not is_visible(doctype, name):
		not_found(doctype, name)
