"""What each practice role may do on the Healthcare doctypes.

Applied as Custom DocPerm rows on install and on every migrate (idempotent). The
tenancy narrows these permissions to the user's own practices, practice by practice.
"""

from __future__ import annotations

import frappe
from frappe.core.doctype.doctype.doctype import validate_permissions_for_doctype
from frappe.permissions import add_permission, update_permission_property

from medic_plus.tenancy.scope import LINKED_BY_DOCTYPE

READ = ("read", "report", "print", "email")
EDIT = (*READ, "write", "create", "export", "share")
CLINICAL = (*EDIT, "submit", "cancel", "amend")

# Masters a practice user needs to read to fill in the clinical forms.
MASTERS = (
	"Medical Department",
	"Appointment Type",
	"Healthcare Service Unit",
	"Healthcare Service Unit Type",
	"Patient Relation",
	"Lab Test Template",
	"Clinical Procedure Template",
	"Complaint",
	"Diagnosis",
	"Prescription Dosage",
	"Prescription Duration",
	"Dosage Form",
	"Gender",
	"Salutation",
	"Healthcare Settings",
	# the books of the practice's records (a practice sees its own company and the platform's only)
	"Company",
	# what prescriptions, orders, observations and therapies link to
	"Medication",
	"Medication Class",
	"Item",
	"UOM",
	"Code System",
	"Code Value",
	"Patient Care Type",
	"Observation Template",
	"Lab Test Sample",
	"Lab Test UOM",
	"Antibiotic",
	"Sensitivity",
	"Organism",
	"Therapy Type",
	"Therapy Plan Template",
	"Exercise Type",
	"Exercise Difficulty Level",
	"Patient Assessment Template",
	"Patient Assessment Parameter",
	"Nursing Checklist Template",
	"Healthcare Activity",
	"Clinical Note Type",
	"Mode of Payment",
	"Currency",
	"Language",
	# the workspaces' cards and charts (each still shows only what the user may read)
	"Number Card",
	"Dashboard Chart",
)

# a practice's books (scope.BOOKS): the front desk bills visits and takes payments; doctors
# see what their visits were billed; the ledgers are read through their reports
BOOKS_READ = {
	"Price List": ("read",),
	"Sales Taxes and Charges Template": ("read",),
	"Sales Invoice": READ,
	"Payment Entry": READ,
	"Customer": READ,
}
BOOKS_DESK = {
	"Sales Invoice": CLINICAL,
	"Payment Entry": CLINICAL,
	"Customer": EDIT,
	"Journal Entry": READ,
	"GL Entry": READ,
	"Payment Ledger Entry": READ,
	"Account": ("read", "report"),
	"Cost Center": ("read",),
	"Price List": ("read",),
	"Sales Taxes and Charges Template": ("read",),
	"Party Type": ("read",),
	# what the receivables reports' columns link to (the scope table still hides their records)
	"Territory": ("read",),
	"Customer Group": ("read",),
}
# the reports of a practice's own books (the request gate runs them for its company only)
BOOK_REPORT_ROLES = ("Practice Receptionist", "Practice Admin")

RECEPTIONIST = {
	"Patient": EDIT,
	"Patient Appointment": EDIT,
	# a therapy appointment names its plan
	"Therapy Plan": READ,
	"Fee Validity": READ,
	"Practitioner Schedule": READ,
	"Healthcare Practitioner": READ,
	**{m: ("read",) for m in MASTERS},
	**BOOKS_DESK,
}

# patient data that Healthcare keeps outside the encounter (scoped through the patient)
LINKED_CLINICAL = {doctype: EDIT for doctype in LINKED_BY_DOCTYPE}

DOCTOR = {
	**RECEPTIONIST,
	**LINKED_CLINICAL,
	"Patient Encounter": CLINICAL,
	"Vital Signs": CLINICAL,
	"Lab Test": CLINICAL,
	"Clinical Procedure": CLINICAL,
	"Inpatient Record": EDIT,
	# cancelling an encounter (or vital signs, a lab test...) deletes its timeline entry, as
	# Healthcare's own Physician role may
	"Patient Medical Record": (*EDIT, "delete"),
	"Practitioner Schedule": EDIT,
	# a doctor reads the books of their visits only: the front desk's rights end here
	**{doctype: ptypes for doctype, ptypes in BOOKS_READ.items()},
}
for _doctype in set(BOOKS_DESK) - set(BOOKS_READ):
	DOCTOR.pop(_doctype)

ADMIN = {
	**{doctype: (*ptypes, "delete") for doctype, ptypes in DOCTOR.items() if doctype not in MASTERS},
	**{m: ("read",) for m in MASTERS},
	"Healthcare Practitioner": EDIT,
	**BOOKS_DESK,
	**{doctype: (*BOOKS_DESK[doctype], "delete") for doctype in ("Sales Invoice", "Payment Entry")},
	# an admin sets the practice's prices
	"Price List": (*EDIT, "delete"),
	"Item Price": (*EDIT, "delete"),
}

ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
	"Practice Receptionist": RECEPTIONIST,
	"Practice Doctor": DOCTOR,
	"Practice Admin": ADMIN,
	# platform admins see (and may correct) every practice's records
	"Healthcare Administrator": ADMIN,
}

ROLES = ("Practice Receptionist", "Practice Doctor", "Practice Admin")
ROLE_ONLY_PTYPES = {"submit", "cancel", "amend"}


def create_roles() -> None:
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def apply_role_permissions() -> None:
	"""Grant what ROLE_PERMISSIONS says; a doctype whose permissions are already so is not
	touched (a migrate that finds everything in place writes nothing)."""
	changed: set[str] = set()
	for role, doctypes in ROLE_PERMISSIONS.items():
		for doctype, ptypes in doctypes.items():
			if frappe.db.exists("DocType", doctype) and _grant(doctype, role, ptypes):
				changed.add(doctype)
	for doctype in changed:
		validate_permissions_for_doctype(doctype)
		frappe.clear_cache(doctype=doctype)
	grant_book_reports()


# ERPNext's reports of a practice's own books, open to its front desk and admins; the
# request gate runs each only on the books of a practice of the user's (gate._report)
BOOK_REPORTS: tuple[str, ...] = (
	"Accounts Receivable",
	"Accounts Receivable Summary",
	"General Ledger",
	"Sales Register",
)


def grant_book_reports() -> None:
	"""The reports of a practice's own books open to its front desk and admins (a Custom
	Role beside the report's own roles; the request gate holds each to the user's company)."""
	for report in BOOK_REPORTS:
		if not frappe.db.exists("Report", report):
			continue
		name = frappe.db.get_value("Custom Role", {"report": report})
		doc = frappe.get_doc("Custom Role", name) if name else frappe.new_doc("Custom Role")
		if not name:
			doc.report = report
			# keep the report's own roles: a Custom Role replaces them
			for row in frappe.get_all("Has Role", {"parent": report, "parenttype": "Report"}, pluck="role"):
				doc.append("roles", {"role": row})
		have = {row.role for row in doc.roles}
		missing = [role for role in BOOK_REPORT_ROLES if role not in have]
		if not missing and name:
			continue
		for role in missing:
			doc.append("roles", {"role": role})
		doc.save(ignore_permissions=True)


def _grant(doctype: str, role: str, ptypes: tuple[str, ...]) -> bool:
	"""Grant ``ptypes`` to ``role`` at level 0; whether anything had to change."""
	meta = frappe.get_meta(doctype)
	wanted = [p for p in ptypes if p not in ROLE_ONLY_PTYPES or meta.is_submittable]
	filters = {"parent": doctype, "role": role, "permlevel": 0, "if_owner": 0}
	row = frappe.db.get_value("Custom DocPerm", filters, wanted, as_dict=True) if wanted else None
	if row and all(row.get(p) for p in wanted):
		return False
	if not row:
		add_permission(doctype, role, 0)
	for ptype in wanted:
		update_permission_property(doctype, role, 0, ptype, 1, validate=False)
	return True


def remove_role_permissions() -> None:
	frappe.db.delete("Custom DocPerm", {"role": ("in", ROLES)})
	for doctype in {d for doctypes in ROLE_PERMISSIONS.values() for d in doctypes}:
		frappe.clear_cache(doctype=doctype)
