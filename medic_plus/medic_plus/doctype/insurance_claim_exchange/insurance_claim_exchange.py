# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

from frappe.model.document import Document


class InsuranceClaimExchange(Document):
	"""One request to the claims switch and its answer, kept on the claim."""
