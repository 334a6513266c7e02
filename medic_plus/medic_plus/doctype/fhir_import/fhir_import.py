# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class FHIRImport(Document):
	"""An import of FHIR files into one practice (medic_plus/fhir/imports.py does the work)."""

	def validate(self):
		if self.is_new() or self.has_value_changed("source_file"):
			self.status = "Draft"
		if self.has_value_changed("source_file") and self.source_file:
			if not self.source_file.startswith("/private/files/"):
				frappe.throw(
					_("Attach the file as private: it holds patients' records."), frappe.ValidationError
				)
