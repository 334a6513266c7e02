"""/terms: the platform's terms of service, as the platform owner wrote them in Medic Plus
Settings (public; a practice accepts them when it signs up)."""

import frappe
from frappe import _
from frappe.utils.html_utils import sanitize_html

no_cache = 1


def get_context(context):
	settings = frappe.get_cached_doc("Medic Plus Settings")
	context.no_cache = 1
	context.show_sidebar = False
	context.found = True  # the public page's layout
	context.title = _("Terms of Service")
	if settings.terms_url and not (settings.terms_of_service or "").strip():
		frappe.local.flags.redirect_location = settings.terms_url
		raise frappe.Redirect
	context.terms = sanitize_html(settings.terms_of_service or "")
	return context
