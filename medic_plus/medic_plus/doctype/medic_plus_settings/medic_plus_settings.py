# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from medic_plus.core.provisioning import PLANS


class MedicPlusSettings(Document):
	def on_update(self):
		"""A new price holds for every invoice from now on (ERPNext reads the plan's)."""
		from medic_plus.onboarding.billing import plan_name

		for plan in PLANS:
			name = plan_name(plan)
			if frappe.db.exists("Subscription Plan", name):
				frappe.db.set_value("Subscription Plan", name, "cost", self.get(f"{plan.lower()}_price") or 0)
