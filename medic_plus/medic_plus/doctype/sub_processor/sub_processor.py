# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

from frappe.model.document import Document


class Subprocessor(Document):
	"""Who processes the platform's data for it, what, where and under which agreement."""
