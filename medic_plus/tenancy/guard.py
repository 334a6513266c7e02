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
from medic_plus.tenancy.scope import Mode, get_scope


class TenantGuard:
	def load_from_db(self):
		super().load_from_db()
		assert_visible(self)


def assert_visible(doc) -> None:
	if frappe.flags.in_install or frappe.flags.in_migrate or frappe.flags.in_patch:
		return
	if context.sees_everything():
		return
	scope = get_scope(doc.doctype)
	if scope and context.is_member(doc.get(scope.field)):
		return
	frappe.throw(_("{0} {1} not found").format(_(doc.doctype), doc.name), frappe.DoesNotExistError)


def is_visible(doctype: str, name: str) -> bool:
	"""Whether the session user may know that ``doctype``/``name`` exists."""
	scope = get_scope(doctype)
	if not scope or context.sees_everything():
		return bool(frappe.db.exists(doctype, name))
	if scope.mode is Mode.MEMBERS:
		# a shared master has no practice of its own: ask the permission query
		return bool(frappe.get_list(doctype, filters={"name": name}, pluck="name", limit=1))
	practice = frappe.db.get_value(doctype, name, scope.field)
	return context.is_member(practice)
