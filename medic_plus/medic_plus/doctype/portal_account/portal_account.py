"""A patient's sign-in to the patient portal (see medic_plus/portal/identity.py)."""

from frappe.model.document import Document


class PortalAccount(Document):
	pass
