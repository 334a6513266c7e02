"""Install, migrate and uninstall: roles, the practice field on the scoped Healthcare
doctypes, and the practice roles' permissions. Every step is idempotent."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from medic_plus.tenancy import uid
from medic_plus.tenancy.permissions import clear_scope_cache
from medic_plus.tenancy.roles import apply_role_permissions, create_roles, remove_role_permissions
from medic_plus.tenancy.scope import PRACTICE_FIELD, SCOPES


def after_install():
	setup()


def after_migrate():
	setup()


def setup():
	create_roles()
	create_practice_fields()
	uid.setup()
	apply_role_permissions()
	clear_scope_cache()
	sync_letter_heads()


def sync_letter_heads():
	"""Practices created before letter heads existed get theirs."""
	for name in frappe.get_all("Practice", filters={"letter_head": ("is", "not set")}, pluck="name"):
		frappe.get_doc("Practice", name).sync_letter_head()


def practice_fields() -> dict[str, list[dict]]:
	return {
		scope.doctype: [
			{
				"fieldname": PRACTICE_FIELD,
				"label": "Practice",
				"fieldtype": "Link",
				"options": "Practice",
				"insert_after": scope.insert_after,
				"search_index": 1,
				"in_standard_filter": 1,
				"set_only_once": 1,
				"no_copy": 1,
				"description": "Set when the record is created: the practice of its patient, else your active practice.",
			}
		]
		for scope in SCOPES
		if scope.custom_field and frappe.db.exists("DocType", scope.doctype)
	}


EXTRA_FIELDS = {
	"Healthcare Practitioner": [
		{
			"fieldname": "custom_registration_number",
			"label": "Registration No.",
			"fieldtype": "Data",
			"insert_after": "practitioner_type",
			"description": "Printed on sick notes and prescriptions.",
		}
	],
	"Patient Appointment": [
		{
			"fieldname": "custom_booking_section",
			"label": "Online Booking",
			"fieldtype": "Section Break",
			"insert_after": "notes",
			"collapsible": 1,
			"depends_on": "eval:doc.custom_booked_online",
		},
		{
			"fieldname": "custom_booking_reference",
			"label": "Booking Reference",
			"fieldtype": "Data",
			"insert_after": "custom_booking_section",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"in_standard_filter": 1,
		},
		{
			"fieldname": "custom_booked_online",
			"label": "Booked Online",
			"fieldtype": "Check",
			"insert_after": "custom_booking_reference",
			"read_only": 1,
			"no_copy": 1,
		},
		{
			"fieldname": "custom_awaiting_approval",
			"label": "Awaiting Approval",
			"fieldtype": "Check",
			"insert_after": "custom_booked_online",
			"read_only": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
		},
		{
			"fieldname": "custom_reminder_sent",
			"label": "Reminder Sent",
			"fieldtype": "Check",
			"insert_after": "custom_awaiting_approval",
			"read_only": 1,
			"no_copy": 1,
		},
		{
			"fieldname": "custom_manage_token_hash",
			"label": "Manage Token Hash",
			"fieldtype": "Data",
			"insert_after": "custom_awaiting_approval",
			"hidden": 1,
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"permlevel": 1,
		},
	],
}


def create_practice_fields():
	create_custom_fields(practice_fields(), ignore_validate=True, update=True)
	create_custom_fields(EXTRA_FIELDS, ignore_validate=True, update=True)


def before_uninstall():
	fields = [(doctype, PRACTICE_FIELD) for doctype in practice_fields()]
	fields += [(doctype, df["fieldname"]) for doctype, dfs in EXTRA_FIELDS.items() for df in dfs]
	for doctype, fieldname in fields:
		if name := frappe.db.exists("Custom Field", {"dt": doctype, "fieldname": fieldname}):
			frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
	remove_role_permissions()
	clear_scope_cache()
