# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from medic_plus.tenancy.guard import TenantGuard


class PatientAllergy(TenantGuard, Document):
	"""An allergy or intolerance of a patient, kept by the patient's practice; the
	prescribing checks read the active ones."""

	def validate(self):
		self.substance = " ".join((self.substance or "").split())
		if not self.substance:
			frappe.throw(_("Please name the substance the patient reacts to."), frappe.MandatoryError)
		if not self.recorded_by:
			self.recorded_by = frappe.session.user
