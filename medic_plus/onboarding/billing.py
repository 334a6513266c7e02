"""The platform bills each practice for its plan with ERPNext: one service Item and one
monthly Subscription Plan per Medic Plus plan (prices in Medic Plus Settings, in the
platform company's currency), a Customer for the practice in the platform's books, and
its Subscription, which ERPNext's own daily job turns into a Sales Invoice at the start
of each month (from the first of the month after sign-up).

A practice whose plan invoice is overdue by more than the grace period is Suspended by
a daily job (no bookings, no FHIR) and active again once it is paid; a practice the
platform suspended by hand stays as it is."""

from __future__ import annotations

from datetime import date

import frappe
from frappe.utils import add_days, get_first_day, getdate, today

from medic_plus import demo

ITEM_PREFIX = "Medic Plus "


def plan_name(plan: str) -> str:
	return f"{ITEM_PREFIX}{plan}"


def _settings():
	return frappe.get_cached_doc("Medic Plus Settings")


def price_of(plan: str) -> float:
	return float(_settings().get(f"{plan.lower()}_price") or 0)


def ensure_plan(plan: str) -> str:
	"""The Item and Subscription Plan of a Medic Plus plan, at its current price."""
	company = demo.default_company()
	currency = frappe.db.get_value("Company", company, "default_currency")
	name = plan_name(plan)
	if not frappe.db.exists("Item", name):
		group = "Services" if frappe.db.exists("Item Group", "Services") else "All Item Groups"
		item = frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": name,
				"item_name": name,
				"item_group": group,
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"include_item_in_manufacturing": 0,
				"description": f"{name}: one practice, one month",
			}
		)
		item.flags.ignore_permissions = True
		item.insert()
	if not frappe.db.exists("Subscription Plan", name):
		doc = frappe.get_doc(
			{
				"doctype": "Subscription Plan",
				"plan_name": name,
				"item": name,
				"currency": currency,
				"price_determination": "Fixed Rate",
				"cost": price_of(plan),
				"billing_interval": "Month",
				"billing_interval_count": 1,
			}
		)
		doc.flags.ignore_permissions = True
		doc.insert()
	elif frappe.db.get_value("Subscription Plan", name, "cost") != price_of(plan):
		frappe.db.set_value("Subscription Plan", name, "cost", price_of(plan))
	return name


def subscribe(practice: str, start: date | None = None) -> str:
	"""The practice's Customer and Subscription to its plan (found, or made); returns the
	Subscription."""
	row = frappe.db.get_value(
		"Practice",
		practice,
		["practice_name", "subscription_plan", "billing_customer", "billing_subscription"],
		as_dict=True,
	)
	if row.billing_subscription and frappe.db.exists("Subscription", row.billing_subscription):
		return row.billing_subscription
	customer = row.billing_customer
	if not customer:
		doc = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": row.practice_name,
				"customer_type": "Company",
				"customer_group": frappe.db.get_single_value("Selling Settings", "customer_group")
				or "All Customer Groups",
				"territory": frappe.db.get_single_value("Selling Settings", "territory") or "All Territories",
			}
		)
		doc.flags.ignore_permissions = True
		customer = doc.insert().name
		frappe.db.set_value("Practice", practice, "billing_customer", customer)
	start = start or get_first_day(add_days(get_first_day(today()), 32))
	subscription = frappe.get_doc(
		{
			"doctype": "Subscription",
			"party_type": "Customer",
			"party": customer,
			"company": demo.default_company(),
			"start_date": start,
			"generate_invoice_at": "Beginning of the current subscription period",
			"days_until_due": frappe.utils.cint(_settings().days_until_due),
			"submit_invoice": 1,
			"plans": [{"plan": ensure_plan(row.subscription_plan or "Basic"), "qty": 1}],
		}
	)
	subscription.flags.ignore_permissions = True
	subscription.insert()
	frappe.db.set_value("Practice", practice, "billing_subscription", subscription.name)
	return subscription.name


def enforce_payment(day: date | None = None) -> dict[str, str]:
	"""Daily: suspend the practices with a plan invoice overdue past the grace period, and
	make active again those suspended so whose invoices are paid. Returns practice ->
	new status."""
	day = getdate(day or today())
	cutoff = add_days(day, -frappe.utils.cint(_settings().grace_days))
	invoice = frappe.qb.DocType("Sales Invoice")
	changed = {}
	for p in frappe.get_all(
		"Practice",
		filters={"billing_customer": ("is", "set")},
		fields=["name", "status", "billing_customer", "suspended_for_payment"],
	):
		overdue = (
			frappe.qb.from_(invoice)
			.select(invoice.name)
			.where(
				(invoice.customer == p.billing_customer)
				& (invoice.docstatus == 1)
				& (invoice.outstanding_amount > 0)
				& (invoice.due_date < cutoff)
			)
			.limit(1)
			.run()
		)
		if overdue and p.status == "Active":
			_set_status(p.name, "Suspended", 1)
			changed[p.name] = "Suspended"
		elif not overdue and p.status == "Suspended" and p.suspended_for_payment:
			_set_status(p.name, "Active", 0)
			changed[p.name] = "Active"
	return changed


def _set_status(practice: str, status: str, for_payment: int) -> None:
	"""Through the document, so that its hooks (the public calendar's cache) follow."""
	doc = frappe.get_doc("Practice", practice)
	doc.status, doc.suspended_for_payment = status, for_payment
	doc.flags.ignore_permissions = True
	doc.save()


@frappe.whitelist(methods=["GET", "POST"])
def mrr_card(filters: str | dict | None = None) -> dict:
	"""Number card "Monthly Recurring Revenue" (platform admins): what the active plan
	subscriptions bill each month, in the platform company's currency."""
	from medic_plus.tenancy import context

	if not context.is_platform_admin():
		frappe.throw(frappe._("Not permitted"), frappe.PermissionError)
	total = 0.0
	for subscription in frappe.get_all(
		"Subscription",
		filters={"status": ("not in", ("Cancelled", "Completed")), "party_type": "Customer"},
		pluck="name",
	):
		for plan, qty in frappe.get_all(
			"Subscription Plan Detail", {"parent": subscription}, ["plan", "qty"], as_list=True
		):
			if plan.startswith(ITEM_PREFIX):
				total += float(frappe.db.get_value("Subscription Plan", plan, "cost") or 0) * (qty or 1)
	currency = frappe.db.get_value("Company", demo.default_company(), "default_currency")
	return {"value": total, "fieldtype": "Currency", "options": currency}
