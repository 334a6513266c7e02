# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from medic_plus.tenancy.guard import TenantGuard


class AIInferenceLog(TenantGuard, Document):
	"""One request of a practice's assistant, written by the system
	(``clinical/assistant.py``) and never changed afterwards."""

	def validate(self):
		if not self.is_new():
			frappe.throw(_("The AI inference log cannot be changed."), frappe.PermissionError)

	def on_trash(self):
		if frappe.session.user != "Administrator" and "System Manager" not in frappe.get_roles():
			frappe.throw(_("The AI inference log cannot be deleted."), frappe.PermissionError)
