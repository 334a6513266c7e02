# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

from frappe.model.document import Document


class MedicalAidSchemeOption(Document):
	pass
