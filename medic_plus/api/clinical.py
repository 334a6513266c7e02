"""Clinical facts Desk shows on the forms of a patient's records."""

import frappe
from frappe import _

from medic_plus.medic_plus.doctype.patient_problem.patient_problem import CURRENT


@frappe.whitelist(methods=["GET", "POST"])
def get_safety_summary(patient: str) -> dict:
	"""What the forms about ``patient`` show: in red, the active allergies of high (or
	unassessable) criticality (their substances for those who may read allergies, for the
	others only that there is one); and, for those who may read them, every active allergy
	and the current problems (``None`` for a list the user may not read)."""
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
	allergies = problems = None
	if frappe.has_permission("Patient Allergy", "read"):
		allergies = frappe.get_list(
			"Patient Allergy",
			filters={"patient": patient, "status": "active"},
			fields=["name", "substance", "reaction", "criticality"],
			order_by="recorded_on desc, creation desc",
		)
	if frappe.has_permission("Patient Problem", "read"):
		problems = frappe.get_list(
			"Patient Problem",
			filters={"patient": patient, "status": ("in", CURRENT)},
			fields=["name", "code", "condition_name", "chronic", "onset"],
			order_by="chronic desc, code asc",
		)
	return {"severe_allergies": severe, "allergies": allergies, "problems": problems}
