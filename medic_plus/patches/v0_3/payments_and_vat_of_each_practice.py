"""Each practice's books as provisioning now makes them: its modes of payment post to its
own cash and bank accounts, and a practice registered for VAT has its company take its VAT
number and its "VAT" template (billing/books.py). Invoices already made stay as they are."""

import frappe


def execute():
	from medic_plus.billing.books import ensure_payment_accounts, has_own_company, sync_vat

	default_rate = frappe.get_meta("Practice").get_field("vat_rate").default
	for name in frappe.get_all("Practice", pluck="name"):
		practice = frappe.get_doc("Practice", name)
		if not has_own_company(practice):
			continue
		ensure_payment_accounts(practice.company)
		if practice.vat_number:
			if not practice.vat_rate:
				practice.db_set("vat_rate", default_rate, update_modified=False)
			sync_vat(practice)
