"""Every practice keeps its own books: a practice on the platform's (or another practice's)
company gets one of its own. Nothing already booked moves."""

import frappe

from medic_plus.billing.books import ensure_own_company


def execute():
	for name in frappe.get_all("Practice", pluck="name", order_by="creation asc"):
		ensure_own_company(frappe.get_doc("Practice", name))
