"""FHIR imports into a practice, from the FHIR Import form (fhir/imports.py does the work):
its admins (and the platform's) check the file, then start the import."""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.fhir import imports
from medic_plus.tenancy import context


def _judged(fhir_import: str):
	"""The import, for an admin of its practice; another practice's answers as missing."""
	doc = frappe.get_doc(imports.DOCTYPE, fhir_import)
	doc.check_permission("write")
	if not (context.is_platform_admin() or context.holds_role(doc.practice, ("Admin",))):
		frappe.throw(_("Only the practice's admins import records into it."), frappe.PermissionError)
	if doc.status in ("Queued", "In Progress"):
		frappe.throw(_("This import is running."), frappe.ValidationError)
	return doc


@frappe.whitelist(methods=["POST"])
def check(fhir_import: str) -> dict:
	"""The dry run: what the import would create, match and refuse (nothing is written)."""
	return imports.check(_judged(fhir_import).name)


@frappe.whitelist(methods=["POST"])
def start(fhir_import: str) -> None:
	"""Import in the background (the form shows its progress)."""
	doc = _judged(fhir_import)
	if doc.status not in ("Checked", "Completed"):
		frappe.throw(_("Check the file first (a dry run)."), frappe.ValidationError)
	imports.start(doc.name)
