"""Practice members' Desk shows the practice's workspaces only: each member gets the
practice Module Profile (tenancy/desk.py), and their default company is their active
practice's books, as new members now do."""

import frappe


def execute():
	from medic_plus.medic_plus.doctype.practice_member.practice_member import sync_user_roles
	from medic_plus.tenancy.desk import ensure_practice_module_profile

	ensure_practice_module_profile()
	from medic_plus.tenancy.context import keep_books_default

	for user in frappe.get_all("Practice Member", filters={"is_active": 1}, pluck="user", distinct=True):
		sync_user_roles(user)
		keep_books_default(user)
