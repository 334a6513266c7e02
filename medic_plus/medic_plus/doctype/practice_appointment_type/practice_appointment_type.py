# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

from frappe.model.document import Document


class PracticeAppointmentType(Document):
	"""A reason for a visit that patients may book online at a practice, with its length."""
