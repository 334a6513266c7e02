"""Sharing stops at the practice: Frappe lets a shared document past the permission
hooks, so a scoped record can only be shared with members of its own practice."""

import frappe
from frappe import _

from medic_plus.tenancy import context, permissions
from medic_plus.tenancy.scope import Mode, get_scope


def validate_share(doc, method: str | None = None) -> None:
	scope = get_scope(doc.share_doctype)
	if not scope or not doc.share_name:
		return
	if doc.everyone:
		frappe.throw(_("Records of a practice cannot be shared with everyone."), frappe.PermissionError)
	if not doc.user or context.is_platform_admin(doc.user):
		return
	if scope.mode is Mode.MEMBERS:
		practices = set(permissions._practices_of_practitioner(doc.share_name))
	else:
		practices = {frappe.db.get_value(scope.doctype, doc.share_name, scope.field)}
	if not practices.intersection(context.get_user_practices(doc.user)):
		frappe.throw(
			_("{0} can only be shared with members of its practice.").format(_(scope.doctype)),
			frappe.PermissionError,
		)
