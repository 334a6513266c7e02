"""Desk actions on appointments booked online."""

import frappe
from frappe import _


@frappe.whitelist(methods=["POST"])
def approve_booking(appointment: str) -> dict:
	"""Confirm an online booking that waits for the practice's approval."""
	doc = frappe.get_doc("Patient Appointment", appointment)
	doc.check_permission("write")
	if not doc.custom_awaiting_approval:
		frappe.throw(_("This appointment does not wait for approval."), frappe.ValidationError)
	doc.custom_awaiting_approval = 0
	doc.status = None
	doc.save()
	return {"status": doc.status}
