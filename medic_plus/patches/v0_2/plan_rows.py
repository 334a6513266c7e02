"""The plans' prices move from three fields of Medic Plus Settings into its plan rows."""

import frappe

from medic_plus.onboarding import plans


def execute():
	singles = frappe.qb.Table("tabSingles")
	old = dict(
		frappe.qb.from_(singles)
		.select(singles.field, singles.value)
		.where(
			(singles.doctype == "Medic Plus Settings")
			& singles.field.isin(("basic_price", "professional_price", "enterprise_price"))
		)
		.run()
	)
	settings = frappe.get_single("Medic Plus Settings")
	plans.seed_rows(settings)
	for row in settings.plans:
		price = old.get(f"{row.plan.lower()}_price")
		if price and not row.monthly_price:
			row.monthly_price = frappe.utils.flt(price)
	settings.flags.ignore_permissions = True
	settings.save()
	if old:
		frappe.qb.from_(singles).delete().where(
			(singles.doctype == "Medic Plus Settings") & singles.field.isin(tuple(old))
		).run()
