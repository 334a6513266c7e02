# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from medic_plus.core import assistant
from medic_plus.core.video import clean_server
from medic_plus.tenancy.guard import TenantGuard

FEATURE_FIELDS = {
	assistant.PLAN: "draft_plan",
	assistant.REFERRAL: "referral_letter",
	assistant.ICD10: "icd10_suggestions",
}


class PracticeAISettings(TenantGuard, Document):
	"""A practice's assistant: off unless an admin turns it on with the processing terms
	accepted; its provider (an OpenAI-compatible chat API) and its features."""

	def validate(self):
		self.validate_terms()
		self.validate_provider()

	def validate_terms(self):
		if not self.terms_accepted:
			self.terms_accepted_by = self.terms_accepted_on = None
			if self.enabled:
				frappe.throw(
					_("Accept the processing terms before you turn the assistant on."),
					frappe.ValidationError,
					title=_("Processing Terms"),
				)
			return
		if self.is_new() or self.has_value_changed("terms_accepted") or not self.terms_accepted_by:
			self.terms_accepted_by = frappe.session.user
			self.terms_accepted_on = now_datetime()

	def validate_provider(self):
		try:
			self.base_url = clean_server(self.base_url)
		except ValueError:
			frappe.throw(
				_(
					"Enter the provider's API base URL as an https address (plain http only for a "
					"server on this machine), e.g. https://api.openai.com/v1."
				),
				frappe.ValidationError,
				title=_("API Base URL"),
			)
		if self.base_url and (self.is_new() or self.has_value_changed("base_url")):
			from medic_plus.clinical.assistant import check_provider_address

			check_provider_address(self.base_url)
		self.model = (self.model or "").strip() or None
		if self.enabled and not (self.base_url and self.model):
			frappe.throw(
				_("Enter the provider's API base URL and model before you turn the assistant on."),
				frappe.ValidationError,
				title=_("Provider"),
			)

	def offers(self, feature: str) -> bool:
		return bool(self.enabled and self.terms_accepted and self.get(FEATURE_FIELDS[feature]))
