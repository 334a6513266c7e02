# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class SwitchConfiguration(Document):
	"""A claims switch: where claims go (a FHIR R4 endpoint), with what credentials, and
	how long to wait for an answer."""

	def validate(self):
		self.endpoint = (self.endpoint or "").strip().rstrip("/")
		if not self.endpoint.startswith(("https://", "http://")):
			frappe.throw(_("The endpoint is a web address (https://...)."), title=_("Endpoint"))
		if not 1 <= (self.timeout_seconds or 0) <= 300:
			frappe.throw(_("The timeout is between 1 and 300 seconds."), title=_("Timeout"))
