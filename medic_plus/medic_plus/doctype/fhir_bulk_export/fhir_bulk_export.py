# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

from frappe.model.document import Document


class FHIRBulkExport(Document):
	"""Written by the $export routes and their job (medic_plus/fhir/bulk.py); read-only in Desk."""

	def on_trash(self):
		from medic_plus.fhir import bulk

		bulk.remove_files(self.name)
