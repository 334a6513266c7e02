"""A patient's statement: what the patient was billed in the practice's books, what was
paid, what the medical aid left to the patient, and what is owed, printed on the
practice's letter head (Print Format "Patient Statement" on the Patient)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, getdate

from medic_plus.clinical.letterhead import practice_letter_head


def patient_statement(doc) -> frappe._dict:
	"""Jinja helper: the statement of the Patient ``doc`` (its practice's books only)."""
	company = frappe.db.get_value("Practice", doc.get("custom_practice"), "company")
	customers = [c for c in {doc.get("customer"), doc.name} if c]
	customers = frappe.get_all(
		"Customer", filters={"name": ("in", customers), "custom_company": company}, pluck="name"
	)
	rows, balance = [], 0.0
	if company and customers:
		ple = frappe.qb.DocType("Payment Ledger Entry")
		entries = (
			frappe.qb.from_(ple)
			.select(ple.posting_date, ple.voucher_type, ple.voucher_no, ple.against_voucher_no, ple.amount)
			.where(
				(ple.company == company)
				& (ple.party_type == "Customer")
				& ple.party.isin(customers)
				& (ple.delinked == 0)
			)
			.orderby(ple.posting_date)
			.orderby(ple.creation)
			.run(as_dict=True)
		)
		for entry in entries:
			amount = flt(entry.amount)
			balance += amount
			rows.append(
				frappe._dict(
					date=getdate(entry.posting_date),
					document=entry.voucher_no,
					description=_description(entry),
					charged=amount if amount > 0 else 0,
					paid=-amount if amount < 0 else 0,
					balance=balance,
				)
			)
	return frappe._dict(
		letter_head=frappe._dict(practice_letter_head(doc)),
		currency=frappe.get_cached_value("Company", company, "default_currency") if company else None,
		rows=rows,
		balance=balance,
	)


def balances(customers: dict[str, set[str]], companies: dict[str, str]) -> dict[str, float]:
	"""patient -> the balance their statement ends with, for many patients in one query:
	``customers``, each patient's Customer names (their ``customer`` and their own name);
	``companies``, the books each is billed in. Patients with no entry are left out."""
	ple = frappe.qb.DocType("Payment Ledger Entry")
	customer = frappe.qb.DocType("Customer")
	names = sorted({c for cs in customers.values() for c in cs})
	if not names:
		return {}
	owned = dict(
		frappe.qb.from_(customer)
		.select(customer.name, customer.custom_company)
		.where(customer.name.isin(names))
		.run()
	)
	totals = {
		(party, company): flt(amount)
		for party, company, amount in frappe.qb.from_(ple)
		.select(ple.party, ple.company, frappe.query_builder.functions.Sum(ple.amount))
		.where(
			(ple.party_type == "Customer")
			& ple.party.isin(names)
			& ple.company.isin(sorted(set(companies.values())))
			& (ple.delinked == 0)
		)
		.groupby(ple.party, ple.company)
		.run()
	}
	out = {}
	for patient, parties in customers.items():
		company = companies.get(patient)
		mine = [totals[(c, company)] for c in parties if owned.get(c) == company and (c, company) in totals]
		if mine:
			out[patient] = sum(mine)
	return out


def _description(entry) -> str:
	if entry.voucher_type == "Sales Invoice":
		return _("Visit invoiced")
	if entry.voucher_type == "Payment Entry":
		return _("Payment, thank you")
	if entry.voucher_type == "Journal Entry":
		return _("Not paid by your medical aid")
	return _(entry.voucher_type)
