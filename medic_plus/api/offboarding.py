"""A practice leaving the platform (onboarding/offboarding.py does the work): platform
admins only, from the Practice form."""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.onboarding import offboarding
from medic_plus.tenancy import context


def _platform_admin() -> None:
	if not context.is_platform_admin():
		frappe.throw(_("Only the platform's admins offboard a practice."), frappe.PermissionError)


@frappe.whitelist(methods=["POST"])
def offboard(practice: str, confirm: str) -> dict:
	"""Close the practice to bookings and logins and write its full export; ``confirm``:
	the practice's slug, typed."""
	_platform_admin()
	if not frappe.db.exists("Practice", practice):
		frappe.throw(_("Practice {0} not found").format(practice), frappe.DoesNotExistError)
	return {"export": offboarding.offboard(practice, confirm)}


@frappe.whitelist(methods=["POST"])
def confirm_copy(practice: str) -> None:
	"""The practice has its copy: erase its records now."""
	_platform_admin()
	offboarding.confirm_copy(practice)
