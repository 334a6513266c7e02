"""/signup: a doctor registers their practice (public, phone-sized first, in the look of
/book): the practice and its plan, then the doctor, then the code sent by e-mail."""

import json

import frappe
from frappe import _
from frappe.geo.country_info import get_all as country_info

from medic_plus.api.signup import settings
from medic_plus.booking.guard import new_form_token
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
	context.terms_url = settings().terms_url or "/terms"
	context.plans = plans.cards()
	countries = frappe.get_all("Country", pluck="name")
	timezones = sorted(_known_timezones())
	context.signup_json = json.dumps(
		{
			"form_token": new_form_token() if context.open else None,
			"countries": sorted(([c, _(c)] for c in countries), key=lambda pair: pair[1].casefold()),
			"timezones": timezones,
			"country_of_zone": country_of_zone(set(countries), set(timezones)),
			# where the browser's zone names no country: the platform's own
			"default_country": frappe.db.get_single_value("System Settings", "country"),
			"messages": {
				"free": _("Free:"),
				"required": _("Please fill this in."),
				"email": _("Please enter an e-mail address such as name@example.com."),
				"pick": _("Please choose one from the list."),
				"terms": _("Please accept the terms of service."),
				"code": _("Please enter the 6-digit code from the e-mail."),
				"failed": _("Something went wrong. Please try again."),
				"register": _("Register my practice"),
				"send": _("Send me a code"),
				"no_match": _("Nothing matches"),
			},
		}
	).replace("</", "<\\/")
	return context


def country_of_zone(countries: set[str], timezones: set[str]) -> dict[str, str]:
	"""Each time zone's country, where Frappe's country data names one: the page guesses
	the doctor's country from the browser's zone."""
	out: dict[str, str] = {}
	for country, info in country_info().items():
		if country not in countries:
			continue
		for zone in info.get("timezones") or ():
			if zone in timezones:
				out.setdefault(zone, country)
	return out
