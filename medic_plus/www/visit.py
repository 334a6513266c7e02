"""/visit?token=...: a patient's video visit, from the link in the confirmation, the
reminders and the calendar entry: the telemedicine consent, the waiting room, the room."""

import json
from urllib.parse import urlencode

import frappe
from frappe import _

from medic_plus.booking.notify import booking_page, page_messages
from medic_plus.outage import page_answers_503_in_an_outage

no_cache = 1


@page_answers_503_in_an_outage
def get_context(context):
	context.show_sidebar = False
	token = frappe.form_dict.get("token") or ""
	booking_page(context, token)
	context.title = _("Your video visit")
	context.manage_url = "/book/manage?" + urlencode({"token": token})
	# the page reads the visit through the API, so that one code path decides
	context.visit_json = json.dumps({"token": token}).replace("</", "<\\/")
	context.messages_json = json.dumps(page_messages("booking_client.js", "visit.js")).replace("</", "<\\/")
	return context
