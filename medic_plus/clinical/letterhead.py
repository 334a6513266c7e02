"""Each practice's Letter Head, kept in step with its branding."""

from __future__ import annotations

import frappe
from frappe.utils.jinja import render_template

HEADER = "templates/includes/medic_plus_letter_head.html"
FOOTER = "templates/includes/medic_plus_letter_head_footer.html"
BRANDING_FIELDS = ("practice_name", "logo", "brand_color", "address", "phone", "email", "short_code")


MARK = "mp-letter-head"


def sync_letter_head(practice) -> str:
	"""Create or update the practice's Letter Head; never make it the site's default.

	Only a letter head this sync made and no other practice prints on is rewritten: one
	the platform chose for the practice (the site's own, or a hand-made one) is left as it is."""
	context = {"practice": practice}
	if practice.letter_head and frappe.db.exists("Letter Head", practice.letter_head):
		if not is_synced_letter_head(practice.letter_head, practice.name):
			return practice.letter_head
		doc = frappe.get_doc("Letter Head", practice.letter_head)
	else:
		doc = frappe.new_doc("Letter Head")
		doc.letter_head_name = _unique_name(f"{practice.practice_name} ({practice.short_code})")
	doc.update(
		{
			"source": "HTML",
			"footer_source": "HTML",
			"content": render_template(HEADER, context),
			"footer": render_template(FOOTER, context),
			"is_default": 0,
			"disabled": 0,
		}
	)
	doc.flags.ignore_permissions = True
	doc.save()
	if doc.is_default:
		# Frappe makes the first letter head of a site its default: a practice's is not
		doc.db_set("is_default", 0)
		frappe.defaults.clear_default("letter_head", doc.name)
		frappe.defaults.clear_default("default_letter_head_content", doc.content)
	return doc.name


def is_synced_letter_head(letter_head: str, practice: str) -> bool:
	"""Whether ``letter_head`` is the one the sync made for ``practice``."""
	content = frappe.db.get_value("Letter Head", letter_head, "content") or ""
	shared = frappe.db.exists("Practice", {"letter_head": letter_head, "name": ("!=", practice)})
	return MARK in content and not shared


def _unique_name(name: str) -> str:
	name = name[:130]
	candidate, i = name, 1
	while frappe.db.exists("Letter Head", candidate):
		i += 1
		candidate = f"{name} {i}"
	return candidate


def practice_letter_head(doc) -> dict:
	"""Jinja helper for the clinical print formats: the header and footer HTML of the
	document's own practice (never the site default or another practice's)."""
	practice = doc.get("practice") or doc.get("custom_practice")
	name = frappe.db.get_value("Practice", practice, "letter_head") if practice else None
	if not name:
		return {"content": "", "footer": ""}
	return frappe.db.get_value("Letter Head", name, ["content", "footer"], as_dict=True) or {
		"content": "",
		"footer": "",
	}
