"""/patient: the patient portal. A guest signs in with a code; a signed-in patient sees
each practice's record of them (the page loads it through the API)."""

import json

from frappe import _

from medic_plus.booking.guard import new_form_token
from medic_plus.booking.notify import page_messages
from medic_plus.outage import page_answers_503_in_an_outage
from medic_plus.portal.identity import is_portal_user

no_cache = 1


@page_answers_503_in_an_outage
def get_context(context):
	context.no_cache = 1
	context.show_sidebar = False
	context.title = _("Your patient portal")
	signed_in = is_portal_user()
	context.signed_in = signed_in
	context.portal_json = json.dumps(
		{"signed_in": signed_in, "form_token": None if signed_in else new_form_token()}
	).replace("</", "<\\/")
	context.messages_json = json.dumps(page_messages("booking_client.js", "portal.js")).replace("</", "<\\/")
	return context
