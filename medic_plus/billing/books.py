"""A practice's books: every practice keeps its own ERPNext Company, the one its visits
are billed in. Provisioning makes it first; a practice made any other way (in Desk, by the
demo, or before every plan kept its own books) gets one when it is saved or migrated,
named after the practice, with its short code as the abbreviation. Nothing already booked
moves: records keep the company they were made in. The platform's own company (the
site's default) keeps the platform's invoices to practices."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt

from medic_plus.tenancy import context


def default_company() -> str | None:
	"""The platform's own company: the site's default (which keeps the platform's invoices
	to practices), else the first there is."""
	return frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")


def make_company(practice_name: str, abbr: str, country: str | None = None) -> str:
	"""A new Company for a practice, in the platform's currency: named after the practice
	(with the abbreviation where the name is taken), the abbreviation made unique."""
	platform = default_company()
	currency, platform_country = frappe.db.get_value("Company", platform, ["default_currency", "country"])
	name = practice_name if not frappe.db.exists("Company", practice_name) else f"{practice_name} ({abbr})"
	unique_abbr, n = abbr, 1
	while frappe.db.exists("Company", {"abbr": unique_abbr}):
		n += 1
		unique_abbr = f"{abbr}{n}"
	company = frappe.get_doc(
		{
			"doctype": "Company",
			"company_name": name,
			"abbr": unique_abbr,
			"default_currency": currency,
			"country": country or platform_country,
			"chart_of_accounts": "Standard",
		}
	)
	company.flags.ignore_permissions = True
	company.insert()
	ensure_payment_accounts(company.name)
	return company.name


def ensure_payment_accounts(company: str) -> None:
	"""A practice's money goes to its own accounts: a bank account in its chart (the
	company's default) beside its cash, and every enabled mode of payment posting to one of
	them in its books (cash to the cash account, the others to the bank), so that ERPNext's
	payment form finds the account of whatever mode the front desk picks."""
	cash, bank = frappe.db.get_value("Company", company, ["default_cash_account", "default_bank_account"])
	if not bank:
		bank = _bank_account(company)
		if bank:
			frappe.db.set_value("Company", company, "default_bank_account", bank)
	modes = frappe.get_all("Mode of Payment", filters={"enabled": 1}, fields=["name", "type"])
	for mode in modes:
		account = cash if mode.type == "Cash" else bank
		if not account or frappe.db.exists(
			"Mode of Payment Account", {"parent": mode.name, "company": company}
		):
			continue
		doc = frappe.get_doc("Mode of Payment", mode.name)
		doc.append("accounts", {"company": company, "default_account": account})
		doc.flags.ignore_permissions = True
		doc.save()


def _bank_account(company: str) -> str | None:
	"""The company's bank account: its first, else a new "Bank" under its bank accounts."""
	filters = {"company": company, "account_type": "Bank"}
	if existing := frappe.db.get_value("Account", {**filters, "is_group": 0}):
		return existing
	parent = frappe.db.get_value("Account", {**filters, "is_group": 1})
	if not parent:
		return None
	account = frappe.get_doc(
		{"doctype": "Account", "account_name": _("Bank"), "parent_account": parent, **filters}
	)
	account.flags.ignore_permissions = True
	return account.insert().name


def has_own_company(practice) -> bool:
	"""Whether the practice's company is its own: set, not the platform's, no other
	practice's."""
	if not practice.company or practice.company == default_company():
		return False
	return not frappe.db.exists("Practice", {"company": practice.company, "name": ("!=", practice.name)})


def ensure_own_company(practice) -> str | None:
	"""Give ``practice`` (a Practice document) a company of its own where it has none;
	returns the company made, or None."""
	if has_own_company(practice) or not default_company():
		return None
	company = make_company(practice.practice_name, practice.short_code, practice.get("country"))
	practice.db_set("company", company, update_modified=False)
	for user in frappe.get_all(
		"Practice Member", filters={"practice": practice.name, "is_active": 1}, pluck="user"
	):
		context.keep_books_default(user)  # its members' new invoices go to its books
	return company


# the sales tax template a practice registered for VAT charges on every invoice
VAT_TEMPLATE = "VAT"
TAX_TEMPLATE = "Sales Taxes and Charges Template"


def vat_template(company: str) -> str | None:
	"""The company's VAT template while the practice is registered for VAT, else None."""
	return frappe.db.get_value(TAX_TEMPLATE, {"company": company, "title": VAT_TEMPLATE, "disabled": 0})


def sync_vat(practice) -> str | None:
	"""Keep a practice's books in step with its VAT registration: its company carries the
	VAT number, and its "VAT" template (the company's default, included in the practice's
	prices, at its rate) is in force while it is registered and disabled when it is not.
	Returns the template in force."""
	from erpnext.setup.setup_wizard.operations.taxes_setup import get_or_create_account

	if not has_own_company(practice):
		return None
	company = practice.company
	if (frappe.db.get_value("Company", company, "tax_id") or None) != (practice.vat_number or None):
		frappe.db.set_value("Company", company, "tax_id", practice.vat_number or None)
	name = frappe.db.get_value(TAX_TEMPLATE, {"company": company, "title": VAT_TEMPLATE})
	if not practice.vat_number:
		if name:
			frappe.db.set_value(TAX_TEMPLATE, name, {"is_default": 0, "disabled": 1})
		return None
	rate = flt(practice.vat_rate)
	account = get_or_create_account(company, {"account_name": VAT_TEMPLATE, "tax_rate": rate}).name
	template = frappe.get_doc(TAX_TEMPLATE, name) if name else frappe.new_doc(TAX_TEMPLATE)
	template.update({"title": VAT_TEMPLATE, "company": company, "is_default": 1, "disabled": 0})
	template.set(
		"taxes",
		[
			{
				"charge_type": "On Net Total",
				"account_head": account,
				"description": _("VAT @ {0}%").format(rate),
				"rate": rate,
				"included_in_print_rate": 1,
				"cost_center": frappe.get_cached_value("Company", company, "cost_center"),
			}
		],
	)
	template.flags.ignore_permissions = True
	template.save()
	return template.name
