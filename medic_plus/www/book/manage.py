"""/book/manage?token=...: a patient's view of their booking, with cancellation."""

import json

import frappe
from frappe import _

no_cache = 1


def get_context(context):
	context.no_cache = 1
	token = frappe.form_dict.get("token") or ""
	context.title = _("Your appointment")
	# the page loads the booking through the API, so that one code path decides
	context.booking_json = json.dumps({"token": token}).replace("</", "<\\/")
	return context
