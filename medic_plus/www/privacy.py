"""/privacy?practice=<slug>: how a practice handles its patients' data (public)."""

import frappe
from frappe import _

from medic_plus.booking.notify import public_page

no_cache = 1


def get_context(context):
	slug = (frappe.form_dict.get("practice") or "").strip().lower()
	practice = (
		frappe.db.get_value(
			"Practice",
			{"slug": slug},
			[
				"practice_name",
				"status",
				"email",
				"phone",
				"address",
				"privacy_contact",
				"logo",
				"brand_color",
				"language",
			],
			as_dict=True,
		)
		if slug and len(slug) <= 63
		else None
	)
	if not public_page(context, practice):
		return context
	context.practice = practice
	context.contact = practice.privacy_contact or practice.email
	context.brand_color = practice.brand_color or "#1F6FEB"
	context.title = _("Privacy at {0}").format(practice.practice_name)
	context.sub_processors = frappe.get_all(
		"Sub-processor",
		filters={"is_active": 1},
		fields=["processor_name", "purpose", "data_categories", "location", "agreement"],
		order_by="processor_name asc",
	)
	return context
