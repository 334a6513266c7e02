# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

from frappe.model.document import Document


class InsuranceClaimLine(Document):
	"""One service of a claim: its tariff code, ICD-10 codes and amount, and what the scheme answered for it."""
