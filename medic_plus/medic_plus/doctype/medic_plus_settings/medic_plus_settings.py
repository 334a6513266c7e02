# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import strip_html

from medic_plus.booking import video
from medic_plus.onboarding import plans


class MedicPlusSettings(Document):
	def validate(self):
		"""One row a plan, all of them: a missing one comes back with its defaults."""
		seen = set()
		for row in self.plans:
			if row.plan in seen:
				frappe.throw(_("Row {0}: the {1} plan has a row already.").format(row.idx, _(row.plan)))
			seen.add(row.plan)
		plans.seed_rows(self)
		self.validate_terms()
		video.check_server_fields(self)

	def validate_terms(self):
		"""Sign-up opens, and stays open, only with terms a doctor can read."""
		if not self.signup_enabled or self.terms_url or strip_html(self.terms_of_service or "").strip():
			return
		if any(self.has_value_changed(f) for f in ("signup_enabled", "terms_url", "terms_of_service")):
			frappe.throw(
				_("Publish your terms of service (a link, or their text) before you open sign-up."),
				title=_("Terms of Service Missing"),
			)

	def on_update(self):
		from medic_plus.onboarding.billing import plan_name

		frappe.clear_document_cache(self.doctype, self.doctype)
		for row in self.plans:
			# a new price holds for every invoice from now on (ERPNext reads the plan's)
			name = plan_name(row.plan)
			if frappe.db.exists("Subscription Plan", name):
				frappe.db.set_value("Subscription Plan", name, "cost", row.monthly_price or 0)
			if not row.online_booking:
				self.close_online_booking(row.plan)

	def close_online_booking(self, plan: str) -> None:
		"""A plan that no longer includes online booking: its practices' booking pages close
		(through the Practice, whose hooks clear the public calendar)."""
		for practice in frappe.get_all(
			"Practice", {"subscription_plan": plan, "allow_online_booking": 1}, pluck="name"
		):
			doc = frappe.get_doc("Practice", practice)
			doc.flags.ignore_permissions = True
			doc.save()
