"""Clinical facts Desk shows on the forms of a patient's records."""

import frappe
from frappe import _


@frappe.whitelist(methods=["GET", "POST"])
def get_safety_summary(patient: str) -> dict:
	"""What every form about ``patient`` must show in red: the active allergies of high
	(or unassessable) criticality. Their substances for those who may read allergies; for
	the others only that there is one."""
	doc = frappe.get_doc("Patient", patient)  # another practice's patient: "not found"
	doc.check_permission("read")
	severe = frappe.get_all(
		"Patient Allergy",
		filters={"patient": patient, "status": "active", "criticality": ("in", ["high", "unable-to-assess"])},
		fields=["substance", "reaction", "criticality"],
		order_by="recorded_on desc",
	)
	if not frappe.has_permission("Patient Allergy", "read"):
		severe = [
			{"substance": _("a substance"), "reaction": "", "criticality": s.criticality} for s in severe
		]
	return {"severe_allergies": severe}
