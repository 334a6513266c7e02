"""The public side of a new practice: the doctor's activation link."""

from __future__ import annotations

import frappe

from medic_plus.booking.guard import limit
from medic_plus.onboarding import activation


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limit(10, 600)
def activate(key: str, new_password: str) -> dict:
	"""Set the password with the activation link's key (once, within twelve hours) and log
	in; ``redirect``: the practice's workspace."""
	return {"redirect": activation.activate(key, new_password)}
