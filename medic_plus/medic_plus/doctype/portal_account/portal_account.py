"""A patient's sign-in to the patient portal (see medic_plus/portal/identity.py)."""

from frappe.model.document import Document


class PortalAccount(Document):
	def on_update(self):
		from medic_plus.portal.identity import forget_account

		forget_account(self.user)

	def on_trash(self):
		from medic_plus.portal.identity import forget_account

		forget_account(self.user)
