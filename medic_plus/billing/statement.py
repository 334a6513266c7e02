"""A patient's statement: what the patient was billed in the practice's books, what was
paid, what the medical aid left to the patient, and what is owed, printed on the
practice's letter head (Print Format "Patient Statement" on the Patient)."""

from __future__ import annotations

from functools import cache

import frappe
from frappe import _
from frappe.query_builder import Parameter
from frappe.query_builder.functions import Sum
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


def balances(companies: dict[str, str]) -> dict[str, float]:
	"""patient -> the balance their statement ends with, for many patients in one query
	(``companies``: the books each patient is billed in): the ledger of the patient's
	Customers (their ``customer``, and one named as the patient) that belong to those books.
	Patients with no entry are left out."""
	if not companies:
		return {}
	totals = frappe.db.sql(
		_balances_query(),
		{"patients": tuple(sorted(companies)), "companies": tuple(sorted(set(companies.values())))},
	)
	return {name: flt(amount) for name, company, amount in totals if companies.get(name) == company}


@cache
def _balances_query() -> str:
	"""Built once per process (every portal home asks it)."""
	ple = frappe.qb.DocType("Payment Ledger Entry")
	customer = frappe.qb.DocType("Customer")
	patient = frappe.qb.DocType("Patient")
	return (
		frappe.qb.from_(ple)
		.join(customer)
		.on((customer.name == ple.party) & (customer.custom_company == ple.company))
		.join(patient)
		.on((ple.party == patient.customer) | (ple.party == patient.name))
		.select(patient.name, ple.company, Sum(ple.amount))
		.where(
			patient.name.isin(Parameter("%(patients)s"))
			& (ple.party_type == "Customer")
			& ple.company.isin(Parameter("%(companies)s"))
			& (ple.delinked == 0)
		)
		.groupby(patient.name, ple.company)
		.get_sql()
	)


def _description(entry) -> str:
	if entry.voucher_type == "Sales Invoice":
		return _("Visit invoiced")
	if entry.voucher_type == "Payment Entry":
		return _("Payment, thank you")
	if entry.voucher_type == "Journal Entry":
		return _("Not paid by your medical aid")
	return _(entry.voucher_type)
