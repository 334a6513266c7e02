# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

from frappe.model.document import Document


class FHIRImportLink(Document):
	"""Written by the import (medic_plus/fhir/imports.py); named by its practice, resource
	type and source id, so that a second import of the same resource finds it."""
