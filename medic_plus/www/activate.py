"""/activate?key=<key>: a new practice's doctor chooses their password (public)."""

import frappe
from frappe import _

from medic_plus.core import activation as core
from medic_plus.onboarding import activation

no_cache = 1


def get_context(context):
	context.no_cache = 1
	context.show_sidebar = False
	key = frappe.form_dict.get("key")
	found, reason = activation.find(key)
	context.valid = not reason
	context.found = True  # the public page's layout, without a practice's colour
	if reason:
		context.http_status_code = 404 if reason == core.INVALID else 410
		context.title = _("Link Not Valid")
		return context
	context.practice_name = frappe.db.get_value("Practice", found.practice, "practice_name")
	context.title = _("Welcome to {0}").format(context.practice_name)
	context.email = found.user
	context.min_length = activation.MIN_LENGTH
	return context
