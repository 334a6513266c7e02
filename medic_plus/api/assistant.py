"""The assistant on the encounter: which of its features the practice offers, and a draft
for the doctor to accept, edit or discard (nothing is saved here)."""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.booking.guard import limit
from medic_plus.clinical import assistant
from medic_plus.core import assistant as core


def _encounter(name: str):
	"""The encounter, if the user may write it (a doctor of its practice, at work on it)."""
	doc = frappe.get_doc("Patient Encounter", name)
	doc.check_permission("write")
	return doc


@frappe.whitelist(methods=["GET"])
def get_features(encounter: str) -> list[str]:
	"""The features the encounter's practice offers now: none while the assistant is off."""
	return assistant.offered(_encounter(encounter).custom_practice)


@frappe.whitelist(methods=["POST"])
@limit(120, 3600)  # a provider's bill: at most 120 drafts an hour from one place
def draft(encounter: str, feature: str, recipient: str | None = None) -> dict:
	"""A draft from the encounter's saved note: ``plan`` (the plan and a patient letter),
	``referral`` (a letter, to ``recipient`` where named) or ``icd10`` (codes of the site's
	ICD-10 list). The provider sees the note redacted; the answer comes back with the real
	names. The use is logged as a read of the record."""
	if feature not in core.FEATURES:
		frappe.throw(_("Unknown assistant feature."), frappe.ValidationError)
	if recipient is not None and len(recipient) > 200:
		frappe.throw(_("The recipient may have at most 200 characters."), frappe.ValidationError)
	return assistant.draft(_encounter(encounter), feature, recipient)
