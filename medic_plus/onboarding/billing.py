"""The platform bills each practice for its plan with ERPNext: one service Item and one
monthly Subscription Plan per Medic Plus plan (prices in Medic Plus Settings, in the
platform company's currency), a Customer for the practice in the platform's books, and
its Subscription, which ERPNext's own daily job turns into a Sales Invoice at the start
of each month (from the first of the month after sign-up).

Where the plan bills use, that invoice also carries the visits of the month before
beyond those the plan includes, as a usage line (Practice Usage says which invoice
billed a month, so no month is billed twice). Where a payment gateway is set up, each
plan invoice goes to the practice's admins as a Payment Request with a link to pay
(the payments app); otherwise it is paid by transfer and recorded as a Payment Entry.

A practice whose plan invoice is overdue by more than the grace period is Suspended by
a daily job (no bookings, no FHIR) and active again once it is paid; a practice the
platform suspended by hand stays as it is."""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.utils import add_days, get_first_day, getdate, today

from medic_plus.billing import books
from medic_plus.core import provisioning as core
from medic_plus.core import usage as core_usage
from medic_plus.locks import one_at_a_time
from medic_plus.onboarding import plans

ITEM_PREFIX = "Medic Plus "
USAGE_ITEM = "Medic Plus Visits"


def plan_name(plan: str) -> str:
	return f"{ITEM_PREFIX}{plan}"


def _settings():
	return frappe.get_cached_doc("Medic Plus Settings")


def price_of(plan: str) -> float:
	found = plans.get_plan(plan)
	return float(found.monthly_price if found else 0)


def ensure_item(
	code: str, description: str, item_name: str | None = None, groups: tuple[str, ...] = ("Services",)
) -> str:
	"""A non-stock item to bill with: in the first of ``groups`` the site has (else any
	item group that is not a group of groups), in the site's default unit."""
	if not frappe.db.exists("Item", code):
		group = next((g for g in groups if frappe.db.exists("Item Group", g)), None) or frappe.db.get_value(
			"Item Group", {"is_group": 0}
		)
		item = frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": (item_name or code)[:140],
				"item_group": group,
				"stock_uom": frappe.db.get_single_value("Stock Settings", "stock_uom") or "Nos",
				"is_stock_item": 0,
				"include_item_in_manufacturing": 0,
				"description": description,
			}
		)
		item.flags.ignore_permissions = True
		item.insert()
	return code


def ensure_plan(plan: str) -> str:
	"""The Item and Subscription Plan of a Medic Plus plan, at its current price."""
	company = books.default_company()
	currency = frappe.db.get_value("Company", company, "default_currency")
	name = ensure_item(plan_name(plan), f"{plan_name(plan)}: one practice, one month")
	price = price_of(plan)
	if not frappe.db.exists("Subscription Plan", name):
		doc = frappe.get_doc(
			{
				"doctype": "Subscription Plan",
				"plan_name": name,
				"item": name,
				"currency": currency,
				"price_determination": "Fixed Rate",
				"cost": price,
				"billing_interval": "Month",
				"billing_interval_count": 1,
			}
		)
		doc.flags.ignore_permissions = True
		doc.insert()
	elif frappe.db.get_value("Subscription Plan", name, "cost") != price:
		frappe.db.set_value("Subscription Plan", name, "cost", price)
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
			"company": books.default_company(),
			"start_date": start,
			"generate_invoice_at": "Beginning of the current subscription period",
			"days_until_due": frappe.utils.cint(_settings().days_until_due),
			"submit_invoice": 1,
			# each month is billed, paid or not: an unpaid one suspends (enforce_payment)
			"generate_new_invoices_past_due_date": 1,
			"plans": [{"plan": ensure_plan(row.subscription_plan or "Basic"), "qty": 1}],
		}
	)
	subscription.flags.ignore_permissions = True
	subscription.insert()
	frappe.db.set_value("Practice", practice, "billing_subscription", subscription.name)
	return subscription.name


def practice_of_invoice(invoice) -> str | None:
	"""The practice whose plan a Sales Invoice bills (made from its Subscription)."""
	if not invoice.get("subscription"):
		return None
	return frappe.db.get_value("Practice", {"billing_subscription": invoice.subscription}, "name")


def add_usage_line(doc, method: str | None = None) -> None:
	"""Sales Invoice before_validate: a practice's new plan invoice carries the visits of
	the month before the period it bills, beyond those its plan then included, where that
	plan bills use. The month is metered first, so the count is the final one."""
	if not doc.is_new() or doc.docstatus or not (practice := practice_of_invoice(doc)):
		return
	if any(row.item_code == USAGE_ITEM for row in doc.items):
		return
	month = core_usage.month_start(add_days(getdate(doc.get("from_date") or doc.posting_date), -1))
	from medic_plus.onboarding import usage

	usage.meter_month(month, practice)
	row = frappe.db.get_value(
		"Practice Usage",
		{"practice": practice, "month": month},
		["name", "plan", "visits", "sales_invoice"],
		as_dict=True,
	)
	if not row or (
		row.sales_invoice and frappe.db.get_value("Sales Invoice", row.sales_invoice, "docstatus") != 2
	):
		return  # billed already
	charge = core.usage_charge(plans.get_plan(row.plan), row.visits or 0)
	if not charge:
		return
	doc.append(
		"items",
		{
			"item_code": ensure_item(USAGE_ITEM, "Medic Plus: visits beyond those a plan includes"),
			"qty": charge.billed,
			"rate": charge.rate,
			"description": _(
				"Visits in {0}: {1}, of which {2} are included in the {3} plan; {4} billed."
			).format(
				frappe.utils.formatdate(month, "MMMM yyyy"),
				charge.visits,
				charge.included,
				_(row.plan),
				charge.billed,
			),
		},
	)
	doc.flags.medic_plus_usage = row.name


def record_usage_billed(doc, method: str | None = None) -> None:
	"""Sales Invoice after_insert: the month's usage row names the invoice that billed it."""
	if doc.flags.get("medic_plus_usage"):
		frappe.db.set_value("Practice Usage", doc.flags.medic_plus_usage, "sales_invoice", doc.name)


def request_payment(doc, method: str | None = None) -> None:
	"""Sales Invoice on_submit: where a payment gateway is set up, the plan invoice gets an
	ERPNext Payment Request with the gateway's link to pay, and the practice's admins get
	it by e-mail with the invoice attached. A gateway that fails leaves the invoice as it
	is (payable by transfer) and an Error Log."""
	gateway_account = _settings().payment_gateway_account
	if not gateway_account or not (practice := practice_of_invoice(doc)) or doc.outstanding_amount <= 0:
		return
	recipients = billing_contacts(practice)
	if not recipients:
		return
	from erpnext.accounts.doctype.payment_request.payment_request import make_payment_request

	frappe.db.savepoint("medic_plus_payment_request")
	try:
		request = make_payment_request(
			dt="Sales Invoice",
			dn=doc.name,
			party_type="Customer",
			party=doc.customer,
			recipient_id=", ".join(recipients),
			payment_gateway_account=gateway_account,
			submit_doc=1,
			mute_email=1,  # the mail below says what the invoice is for
			return_doc=1,
		)
		request.set_payment_request_url()
		if not request.payment_url:
			frappe.throw(_("The payment gateway gave no link to pay."))
	except Exception:
		frappe.db.rollback(save_point="medic_plus_payment_request")
		frappe.log_error(
			title=_("Payment Request for {0} failed").format(doc.name),
			reference_doctype="Sales Invoice",
			reference_name=doc.name,
		)
		return
	plan = frappe.db.get_value("Practice", practice, ["practice_name", "subscription_plan"], as_dict=True)
	frappe.sendmail(
		recipients=recipients,
		subject=_("Invoice {0}: {1}").format(doc.name, plan.practice_name),
		template="medic_plus_plan_invoice",
		args={
			"practice_name": plan.practice_name,
			"invoice": doc,
			"plan": _(plan.subscription_plan),
			"amount": doc.get_formatted("grand_total"),
			"due_date": frappe.utils.formatdate(doc.due_date),
			"payment_url": request.payment_url,
			"grace_days": frappe.utils.cint(_settings().grace_days),
		},
		attachments=[
			{
				"print_format_attachment": 1,
				"doctype": "Sales Invoice",
				"name": doc.name,
				"file_name": doc.name,
			}
		],
		reference_doctype="Sales Invoice",
		reference_name=doc.name,
		now=False,
	)


def billing_contacts(practice: str) -> list[str]:
	"""The e-mail addresses of the practice's active admins."""
	from medic_plus.tenancy.context import practice_admins

	users = practice_admins(practice)
	return sorted(
		{e for e in frappe.get_all("User", {"name": ("in", users or [""]), "enabled": 1}, pluck="email") if e}
	)


def reactivate_paid(doc, method: str | None = None) -> None:
	"""Payment Entry on_submit: a practice suspended for payment is active again as soon as
	its overdue invoices are paid (through a gateway or recorded by hand), not the next day."""
	customers = {doc.party} if doc.party_type == "Customer" and doc.party else set()
	practices = frappe.get_all(
		"Practice",
		{"billing_customer": ("in", list(customers) or [""]), "suspended_for_payment": 1},
		pluck="name",
	)
	if practices:
		enforce_payment.__wrapped__(practices=practices)  # at once, not left to a daily run


@one_at_a_time
def enforce_payment(day: date | None = None, practices: list[str] | None = None) -> dict[str, str]:
	"""Daily: suspend the practices with a plan invoice overdue past the grace period, and
	make active again those suspended so whose invoices are paid (of ``practices`` only,
	where given). Returns practice -> new status."""
	day = getdate(day or today())
	cutoff = add_days(day, -frappe.utils.cint(_settings().grace_days))
	invoice = frappe.qb.DocType("Sales Invoice")
	changed = {}
	filters = {"billing_customer": ("is", "set")}
	if practices is not None:
		filters["name"] = ("in", practices or [""])
	for p in frappe.get_all(
		"Practice",
		filters=filters,
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
@frappe.read_only()
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
	currency = frappe.db.get_value("Company", books.default_company(), "default_currency")
	return {"value": total, "fieldtype": "Currency", "options": currency}
