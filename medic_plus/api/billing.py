"""Billing at the front desk and claims to medical aids, for practice users (the request
gate allows these; each checks the record it is given)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, getdate, today

from medic_plus.billing import insurance
from medic_plus.tenancy.context import system_scope
from medic_plus.tenancy.guard import check_visible


class PaymentError(frappe.ValidationError):
	http_status_code = 417


def _claim(name: str, ptype: str = "write"):
	check_visible("Insurance Claim", name)
	doc = frappe.get_doc("Insurance Claim", name)
	doc.check_permission(ptype)
	return doc


@frappe.whitelist(methods=["POST"])
def send_claim(claim: str) -> str:
	"""Check a draft (or failed) claim and queue it: it leaves within the minute."""
	doc = _claim(claim)
	with system_scope():
		insurance.queue(doc)
	return doc.status


@frappe.whitelist(methods=["POST"])
def resubmit_claim(claim: str) -> str:
	"""A rejected claim as a new draft version to correct; its name."""
	_claim(claim)
	with system_scope():
		return insurance.resubmit(claim).name


@frappe.whitelist(methods=["POST"])
def bill_patient_instead(claim: str) -> str:
	"""A rejected claim given up: its invoice's amount moves to the patient's account."""
	_claim(claim)
	frappe.has_permission("Journal Entry", "read", throw=True)
	with system_scope():
		return insurance.bill_patient_instead(claim)


@frappe.whitelist(methods=["POST"])
def take_payment(invoice: str, amount: float, mode_of_payment: str = "Cash") -> str:
	"""A payment at the desk against the patient's invoice (submitted first if still a
	draft); the Payment Entry's name."""
	check_visible("Sales Invoice", invoice)
	si = frappe.get_doc("Sales Invoice", invoice)
	si.check_permission("submit" if si.docstatus == 0 else "read")
	frappe.has_permission("Payment Entry", "create", throw=True)
	amount = flt(amount)
	if si.docstatus == 2:
		frappe.throw(_("Invoice {0} is cancelled.").format(invoice), PaymentError)
	if not frappe.db.exists("Mode of Payment", mode_of_payment):
		frappe.throw(_("Mode of payment {0} not found").format(mode_of_payment), frappe.DoesNotExistError)
	if si.docstatus == 0:
		si.submit()
		si.reload()
	if amount <= 0 or amount > flt(si.outstanding_amount) + 0.005:
		frappe.throw(
			_("Take between 0 and the {0} still owing.").format(
				frappe.format_value(si.outstanding_amount, {"fieldtype": "Currency", "options": si.currency})
			),
			PaymentError,
		)
	with system_scope():
		return insurance._payment_entry(
			si, amount, getdate(today()), mode_of_payment, _("Paid at the desk"), mode_of_payment
		)


@frappe.whitelist(methods=["GET"])
def get_visit_billing(encounter: str) -> list[dict]:
	"""The invoices of an encounter with their claims' states (for its form)."""
	check_visible("Patient Encounter", encounter)
	if not frappe.has_permission("Sales Invoice", "read"):
		return []
	invoices = frappe.get_list(
		"Sales Invoice",
		filters={"custom_patient_encounter": encounter},
		fields=[
			"name",
			"docstatus",
			"status",
			"grand_total",
			"outstanding_amount",
			"custom_bill_to",
			"custom_claim",
		],
	)
	for row in invoices:
		row.claim_status = row.custom_claim and frappe.db.get_value(
			"Insurance Claim", row.custom_claim, "status"
		)
	return invoices
