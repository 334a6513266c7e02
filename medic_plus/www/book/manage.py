"""/book/manage?token=...: a patient's view of their booking, with cancellation."""

import json

import frappe
from frappe import _

from medic_plus.booking.notify import booking_page, page_messages
from medic_plus.outage import page_answers_503_in_an_outage

no_cache = 1


@page_answers_503_in_an_outage
def get_context(context):
	token = frappe.form_dict.get("token") or ""
	booking_page(context, token)
	context.title = _("Your appointment")
	# the page loads the booking through the API, so that one code path decides
	context.booking_json = json.dumps({"token": token}).replace("</", "<\\/")
	context.messages_json = json.dumps(page_messages("booking_client.js", "manage.js")).replace("</", "<\\/")
	return context
