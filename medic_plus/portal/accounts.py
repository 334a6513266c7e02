"""What a patient was billed and owes, where the practice bills through its books: the
submitted invoices about each person on a card (to them or to their medical aid) and
the balance of their statement (billing/statement.py: what the printed Statement of
account ends with), read for every person on the home at once."""

from __future__ import annotations

from functools import cache

import frappe
from frappe.query_builder import Parameter
from frappe.utils import flt

from medic_plus.billing.statement import balances as _balances


def summary(records, books: dict[str, str]) -> dict[str, dict]:
	"""patient -> {currency, owed, invoices: [...]}, for the records at practices that bill
	(``books``: practice -> its company)."""
	practice_of = {r.patient: r.practice for r in records}
	books = {practice: company for practice, company in books.items() if company}
	if not practice_of:
		return {}
	billed = [p for p, practice in practice_of.items() if practice in books]
	if not billed:
		return {}
	rows = frappe.db.sql(_invoices_query(), {"patients": tuple(billed)}, as_dict=True)
	balances = _balances({p: books[practice_of[p]] for p in billed})
	out: dict[str, dict] = {}
	for patient in billed:
		invoices = [
			{
				"invoice": r.name,
				"date": str(r.posting_date),
				"billed_to": r.customer_name,
				"total": flt(r.grand_total),
				"outstanding": flt(r.outstanding_amount),
				"currency": r.currency,
				"status": r.status,
			}
			for r in rows
			if r.patient == patient and r.company == books[practice_of[patient]]
		]
		if invoices or patient in balances:
			company = books[practice_of[patient]]
			out[patient] = {
				"currency": frappe.get_cached_value("Company", company, "default_currency"),
				"owed": flt(balances.get(patient)),
				"invoices": invoices,
			}
	return out


@cache
def _invoices_query() -> str:
	"""Built once per process (every portal home asks it)."""
	invoice = frappe.qb.DocType("Sales Invoice")
	return (
		frappe.qb.from_(invoice)
		.select(
			invoice.name,
			invoice.patient,
			invoice.company,
			invoice.posting_date,
			invoice.customer_name,
			invoice.grand_total,
			invoice.outstanding_amount,
			invoice.currency,
			invoice.status,
		)
		.where(invoice.patient.isin(Parameter("%(patients)s")) & (invoice.docstatus == 1))
		.orderby(invoice.posting_date, order=frappe.qb.desc)
		.get_sql()
	)
