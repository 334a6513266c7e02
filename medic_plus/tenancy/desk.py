"""A practice user's Desk: the practice's own workspaces, and nothing of the platform's
administration.

Through Frappe's own means: a Module Profile (``Medic Plus Practice``) blocks every
module but the practice's, so the sidebar lists My Practice, Clinical and Claims (each
for its roles), and not Accounting, Stock, Healthcare's setup, Users, Website, Tools,
Integrations or Build. Practice members get the profile with their first active
membership and lose it with their last (``practice_member.sync_user_roles``); platform
admins never get it, and a profile given by hand stays. What a user may read is untouched:
blocking a module hides its workspace, not its documents.
"""

from __future__ import annotations

import frappe

from medic_plus.core import membership

PROFILE = membership.PRACTICE_MODULE_PROFILE


def ensure_practice_module_profile() -> bool:
	"""The profile, blocking every module installed but the practice's own; users who
	have it follow a change (a module an app added since). Whether anything changed."""
	blocked = membership.blocked_modules(frappe.get_all("Module Def", pluck="name"))
	if not frappe.db.exists("Module Profile", PROFILE):
		frappe.get_doc(
			{
				"doctype": "Module Profile",
				"module_profile_name": PROFILE,
				"block_modules": [{"module": m} for m in blocked],
			}
		).insert(ignore_permissions=True)
		return True
	profile = frappe.get_doc("Module Profile", PROFILE)
	if sorted(row.module for row in profile.block_modules) == blocked:
		return False
	profile.set("block_modules", [{"module": m} for m in blocked])
	profile.save(ignore_permissions=True)
	for user in frappe.get_all("User", filters={"module_profile": PROFILE}, pluck="name"):
		doc = frappe.get_doc("User", user)
		doc.flags.ignore_permissions = True
		doc.save()  # User.validate copies the profile's blocked modules
	return True


def apply_module_profile(user_doc, memberships: list[membership.Membership]) -> bool:
	"""Give ``user_doc`` (unsaved) the profile their memberships call for; whether it changed."""
	roles = [row.role for row in user_doc.roles]
	wanted = membership.module_profile_for(user_doc.name, user_doc.module_profile, roles, memberships)
	if wanted == (user_doc.module_profile or None):
		return False
	if wanted and not frappe.db.exists("Module Profile", wanted):
		ensure_practice_module_profile()
	user_doc.module_profile = wanted
	if not wanted:
		_without_profile(user_doc)
	return True


def _without_profile(user_doc) -> None:
	user_doc.module_profile = None
	user_doc.set("block_modules", [])  # Frappe copies a profile's rows, and never clears them


def remove_practice_module_profile() -> None:
	"""On uninstall: the users keep their Desk as it was before, and the profile goes."""
	for user in frappe.get_all("User", filters={"module_profile": PROFILE}, pluck="name"):
		doc = frappe.get_doc("User", user)
		_without_profile(doc)
		doc.flags.ignore_permissions = True
		doc.save()
	frappe.delete_doc("Module Profile", PROFILE, ignore_missing=True, ignore_permissions=True, force=True)
