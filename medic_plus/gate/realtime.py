"""Realtime behind the tenant wall.

Frappe's socket.io server lets a socket join ``doctype:<dt>`` once the user may read the
doctype, and ``list_update`` events there carry record names. Practice users do not join
the rooms of scoped doctypes (``can_subscribe_doctype``, hooked over Frappe's); the list
updates of a practice's records reach its members in their own user rooms instead.
Document rooms stay with Frappe's ``can_subscribe_doc``, which asks ``has_permission``.
"""

from __future__ import annotations

import frappe
from frappe.realtime import can_subscribe_doctype as _can_subscribe_doctype
from frappe.realtime import emit_via_redis, get_user_room

from medic_plus.tenancy import context
from medic_plus.tenancy.records import is_scoped
from medic_plus.tenancy.scope import Mode, get_scope


@frappe.whitelist(allow_guest=True)
def can_subscribe_doctype(doctype: str) -> bool:
	if is_scoped(doctype) and not context.sees_everything():
		raise frappe.PermissionError
	return _can_subscribe_doctype(doctype)


def notify_members(doc, method: str | None = None) -> None:
	"""``on_change`` of scoped doctypes: the list update, to the members of its practice."""
	scope = get_scope(doc.doctype)
	if not scope or scope.mode is Mode.MEMBERS or frappe.flags.in_patch or frappe.flags.in_install:
		return
	practice = doc.get(scope.field)
	if not practice:
		return
	member = frappe.qb.DocType("Practice Member")
	users = (
		frappe.qb.from_(member)
		.select(member.user)
		.distinct()
		.where((member.practice == practice) & (member.is_active == 1))
		.run(pluck=True)
	)
	if not users:
		return
	message = {"doctype": doc.doctype, "name": doc.name, "user": frappe.session.user}

	def emit():
		for user in users:
			emit_via_redis("list_update", message, get_user_room(user))

	frappe.db.after_commit.add(emit)
