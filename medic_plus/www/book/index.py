"""/book?practice=<slug>: the public booking page of a practice."""

import json

import frappe
from frappe import _

from medic_plus.booking.guard import new_form_token
from medic_plus.booking.notify import page_messages, public_page
from medic_plus.booking.practice import get_by_slug
from medic_plus.outage import page_answers_503_in_an_outage

no_cache = 1


@page_answers_503_in_an_outage
def get_context(context):
	slug = (frappe.form_dict.get("practice") or "").strip().lower()
	practice = get_by_slug(slug)
	if not public_page(context, practice):
		return context
	if context.get("boot"):  # Frappe's page boot, made before this: <html lang>
		context.boot["lang"] = frappe.local.lang
	context.practice = practice
	context.bookable = practice.is_open
	context.brand_color = practice.brand_color or "#1F6FEB"
	context.title = _("Book an appointment at {0}").format(practice.practice_name)
	# Frappe's own page boot (language, asset map) stays in `boot`
	context.booking = {
		"slug": practice.slug,
		"practice_name": practice.practice_name,
		"timezone": practice.timezone,
		"channel": practice.verification_channel or "Email",
		"max_days_ahead": practice.max_days_ahead,
		"bookable": context.bookable,
		"appointment_types": practice.public_visit_types(),
		# the medical aids a patient may name (optional): the enabled schemes
		"schemes": frappe.get_all(
			"Medical Aid Scheme", filters={"enabled": 1}, pluck="name", order_by="scheme_name"
		),
		# the bot check: a signed token with the time the page was served
		"form_token": new_form_token() if context.bookable else None,
	}
	context.map_url = practice.map_url
	context.address_lines = [line.strip() for line in (practice.address or "").splitlines() if line.strip()]
	# inside <script>: no "</" may close the tag early
	context.booking_json = json.dumps(context.booking).replace("</", "<\\/")
	context.messages_json = json.dumps(page_messages("booking_client.js", "book.js")).replace("</", "<\\/")
	return context
