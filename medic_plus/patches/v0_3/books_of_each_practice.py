"""The records a practice's billing made before its books were walled by company: its
price lists (named after its company's abbreviation), their prices, and its patients'
customers (named after its patients' records) are stamped with the practice's company."""

import frappe


def execute():
	from medic_plus.install import create_practice_fields

	create_practice_fields()  # the company fields this stamps (after_migrate comes later)
	for practice, company in frappe.get_all("Practice", fields=["name", "company"], as_list=True):
		if not company:
			continue
		abbr = frappe.db.get_value("Company", company, "abbr")
		for name in frappe.get_all(
			"Price List",
			filters={"name": ("like", f"{abbr} %"), "custom_company": ("is", "not set")},
			pluck="name",
		):
			frappe.db.set_value("Price List", name, "custom_company", company, update_modified=False)
		for _patient, customer in frappe.get_all(
			"Patient",
			filters={"custom_practice": practice, "customer": ("is", "set")},
			fields=["name", "customer"],
			as_list=True,
		):
			if not frappe.db.get_value("Customer", customer, "custom_company"):
				frappe.db.set_value("Customer", customer, "custom_company", company, update_modified=False)
	price = frappe.qb.DocType("Item Price")
	for name, company in frappe.get_all(
		"Price List",
		filters={"custom_company": ("is", "set")},
		fields=["name", "custom_company"],
		as_list=True,
	):
		(
			frappe.qb.update(price)
			.set(price.custom_company, company)
			.where((price.price_list == name) & price.custom_company.isnull())
		).run()
