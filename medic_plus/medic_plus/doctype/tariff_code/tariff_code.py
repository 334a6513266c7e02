# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from medic_plus.core import claims


class TariffCodeError(frappe.ValidationError):
	http_status_code = 400


class TariffCode(Document):
	"""An item (tariff) code a claim line carries, or a NAPPI-coded medicine or material,
	billed as its own ERPNext Item (made with it): each practice prices the item in its
	price lists."""

	def validate(self):
		self.code = (self.code or "").strip()
		pattern = claims.MODIFIER if self.is_modifier else claims.TARIFF_CODE
		if not pattern.match(self.code):
			frappe.throw(
				_("{0} is not a modifier (4 digits).").format(self.code)
				if self.is_modifier
				else _("{0} is not a tariff code (4 to 6 digits).").format(self.code),
				TariffCodeError,
				title=_("Code"),
			)
		self.nappi_code = (self.nappi_code or "").strip() or None
		if self.kind == "Medicine" and not self.nappi_code:
			frappe.throw(_("A medicine needs its NAPPI code."), TariffCodeError, title=_("NAPPI Code"))
		if self.nappi_code and not claims.NAPPI_CODE.match(self.nappi_code):
			frappe.throw(
				_("{0} is not a NAPPI code (6 digits, or 9 with the pack).").format(self.nappi_code),
				TariffCodeError,
				title=_("NAPPI Code"),
			)

	def before_insert(self):
		self.item = self.item or ensure_item(self)

	def on_update(self):
		if self.item and self.has_value_changed("description"):
			frappe.db.set_value("Item", self.item, "item_name", self.description[:140])


def item_code(code: str) -> str:
	return f"TARIFF-{code}"


def ensure_item(doc) -> str:
	"""The service (or medicine) item that bills ``doc``."""
	from medic_plus.onboarding.billing import ensure_item as ensure_billing_item

	groups = ("Drug", "Services") if doc.kind in ("Medicine", "Material") else ("Services",)
	return ensure_billing_item(item_code(doc.code), doc.description, doc.description, groups)
