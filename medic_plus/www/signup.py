"""/signup: a doctor registers their practice (public, phone-sized, like /book)."""

import json

import frappe
from frappe import _

from medic_plus.api.signup import settings
from medic_plus.booking.guard import new_form_token
from medic_plus.core import provisioning as core
from medic_plus.medic_plus.doctype.practice.practice import _known_timezones
from medic_plus.onboarding import plans
from medic_plus.outage import page_answers_503_in_an_outage

no_cache = 1


@page_answers_503_in_an_outage
def get_context(context):
	context.no_cache = 1
	context.show_sidebar = False
	context.found = True  # the public page's layout
	context.title = _("Register your practice")
	context.open = bool(settings().signup_enabled)
	context.terms_url = settings().terms_url
	context.plans = [{"name": name, "label": plans.describe(plans.get_plan(name))} for name in core.PLANS]
	context.countries = frappe.get_all("Country", pluck="name", order_by="name asc")
	context.timezones = sorted(_known_timezones())
	context.signup_json = json.dumps({"form_token": new_form_token() if context.open else None}).replace(
		"</", "<\\/"
	)
	return context
