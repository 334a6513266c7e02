# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt
"""A practice signing up. The platform owner types one in Desk (or a doctor signs up)
and provisions it (onboarding/provisioning.py): the same service makes the same practice
either way."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import validate_email_address

from medic_plus.core import provisioning as core
from medic_plus.core import rules

RESULT_FIELDS = (
	"practice",
	"short_code",
	"user",
	"practitioner",
	"company",
	"approved_by",
	"error",
	"last_attempt_on",
	"activation_sent_on",
	"activation_expires_on",
	"activated_on",
	"activation_key_hash",
)


class PracticeRegistration(Document):
	def before_insert(self):
		# what provisioning makes is its to set (a Link field would take the user's default)
		self.update(dict.fromkeys(RESULT_FIELDS))
		self.status, self.attempts, self.steps = core.PENDING, 0, []

	def validate(self):
		self.practice_name = (self.practice_name or "").strip()
		self.slug = rules.normalise_slug(self.slug) or rules.slugify(self.practice_name)
		if error := rules.slug_error(self.slug):
			frappe.throw(_(error), frappe.ValidationError, title=_("Invalid Slug"))
		owner = frappe.db.get_value("Practice", {"slug": self.slug}, "name")
		if owner and owner != self.practice:
			frappe.throw(
				_("The address {0} is taken: please choose another.").format(self.slug),
				frappe.ValidationError,
				title=_("Slug Taken"),
			)
		self.email = (self.email or "").strip().lower()
		validate_email_address(self.email, throw=True)
		if self.plan not in core.PLANS:
			frappe.throw(_("Please choose one of the plans: {0}.").format(", ".join(core.PLANS)))
		if self.timezone:
			from medic_plus.medic_plus.doctype.practice.practice import _known_timezones

			if self.timezone not in _known_timezones():
				frappe.throw(_("Unknown time zone {0}").format(self.timezone))
		if not self.is_new() and self.status in (core.PROVISIONING, core.ACTIVE):
			changed = [f for f in ("practice_name", "slug", "email", "plan") if self.has_value_changed(f)]
			if changed:
				frappe.throw(
					_("A registration that is provisioned keeps its details: change the practice instead.")
				)

	@frappe.whitelist()
	def send_activation_link(self) -> None:
		"""Desk: a new activation link for the doctor (the one sent before stops working)."""
		from medic_plus.onboarding import activation

		activation.send_from_desk(self.name)

	@frappe.whitelist()
	def provision_practice(self) -> str:
		"""Desk: provision (or finish provisioning) this registration; the platform's only."""
		from medic_plus.onboarding import provisioning

		return provisioning.provision_from_desk(self.name)
