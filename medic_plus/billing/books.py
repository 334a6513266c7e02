"""A practice's books: every practice keeps its own ERPNext Company, the one its visits
are billed in. Provisioning makes it first; a practice made any other way (in Desk, by the
demo, or before every plan kept its own books) gets one when it is saved or migrated,
named after the practice, with its short code as the abbreviation. Nothing already booked
moves: records keep the company they were made in. The platform's own company (the
site's default) keeps the platform's invoices to practices."""

from __future__ import annotations

import frappe

from medic_plus import demo


def make_company(practice_name: str, abbr: str, country: str | None = None) -> str:
	"""A new Company for a practice, in the platform's currency: named after the practice
	(with the abbreviation where the name is taken), the abbreviation made unique."""
	platform = demo.default_company()
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
	return company.insert().name


def has_own_company(practice) -> bool:
	"""Whether the practice's company is its own: set, not the platform's, no other
	practice's."""
	if not practice.company or practice.company == demo.default_company():
		return False
	return not frappe.db.exists("Practice", {"company": practice.company, "name": ("!=", practice.name)})


def ensure_own_company(practice) -> str | None:
	"""Give ``practice`` (a Practice document) a company of its own where it has none;
	returns the company made, or None."""
	if has_own_company(practice) or not demo.default_company():
		return None
	company = make_company(practice.practice_name, practice.short_code, practice.get("country"))
	practice.db_set("company", company, update_modified=False)
	return company
