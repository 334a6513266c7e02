# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

# the schemes a new site starts with (the platform adds the others and each one's switch);
# codes are the platform's own until a switch's codes are entered
SCHEMES = (
	("Discovery Health Medical Scheme", "DISCOVERY"),
	("Bonitas Medical Fund", "BONITAS"),
	("Momentum Medical Scheme", "MOMENTUM"),
	("Bestmed Medical Scheme", "BESTMED"),
	("Medshield Medical Scheme", "MEDSHIELD"),
	("Profmed", "PROFMED"),
	("Polmed", "POLMED"),
	("Government Employees Medical Scheme (GEMS)", "GEMS"),
	("Fedhealth Medical Scheme", "FEDHEALTH"),
	("KeyHealth", "KEYHEALTH"),
)


class MedicalAidScheme(Document):
	"""A medical scheme that practices claim from: its code at the switch, its options."""

	def validate(self):
		self.scheme_code = (self.scheme_code or "").strip().upper()
		options = [row.option_name.strip() for row in self.options]
		if len(options) != len({o.lower() for o in options}):
			frappe.throw(_("Each option of a scheme is listed once."), title=_("Options"))


def ensure_schemes() -> int:
	"""The common South African schemes, once (install and migrate). Returns how many were added."""
	added = 0
	for name, code in SCHEMES:
		if not frappe.db.exists("Medical Aid Scheme", name) and not frappe.db.exists(
			"Medical Aid Scheme", {"scheme_code": code}
		):
			frappe.get_doc(
				{"doctype": "Medical Aid Scheme", "scheme_name": name, "scheme_code": code}
			).insert(ignore_permissions=True)
			added += 1
	return added
