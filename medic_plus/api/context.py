"""The user's place in the tenancy, for Desk and for API clients."""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.tenancy import context
from medic_plus.tenancy.scope import PRACTICE_DOCTYPES, SCOPES, Mode
from medic_plus.tenancy.whitelisted import several_practices


@frappe.whitelist(methods=["GET", "POST"])
def get_context() -> dict:
	"""The session user, their memberships, the active practice and whether they see all."""
	user = frappe.session.user
	memberships = context.get_memberships(user)
	practices = {
		p.name: p
		for p in frappe.get_all(
			"Practice",
			filters={"name": ("in", [m.practice for m in memberships] or [""])},
			fields=["name", "practice_name", "slug", "short_code", "logo", "brand_color", "status"],
		)
	}
	active = context.get_active_practice(user)
	member_rows = frappe.get_all(
		"Practice Member",
		filters={"user": user, "is_active": 1},
		fields=["practice", "role", "practitioner"],
		order_by="creation asc",
	)
	return {
		"user": user,
		"full_name": frappe.utils.get_fullname(user),
		"is_platform_admin": context.is_platform_admin(user),
		"memberships": [
			{
				"practice": row.practice,
				"practice_name": practices[row.practice].practice_name if row.practice in practices else None,
				"slug": practices[row.practice].slug if row.practice in practices else None,
				"role": row.role,
				"practitioner": row.practitioner,
			}
			for row in member_rows
		],
		"active_practice": practices.get(active) and _practice_card(practices[active]),
		"practitioner": next(
			(row.practitioner for row in member_rows if row.practice == active and row.practitioner),
			None,
		)
		or frappe.db.get_value("Healthcare Practitioner", {"user_id": user}, "name"),
	}


@frappe.whitelist(methods=["POST"])
def set_active_practice(practice: str) -> dict:
	"""Switch the practice that new records go to; only to one the user belongs to."""
	if frappe.session.user == "Guest":
		frappe.throw(_("Please log in first."), frappe.AuthenticationError)
	if not context.is_member(practice):
		# the same answer for a practice that does not exist and one the user is not in
		frappe.throw(_("Practice {0} not found").format(practice), frappe.DoesNotExistError)
	context.set_active_practice(practice)
	return get_context()


def _practice_card(practice) -> dict:
	return {
		"name": practice.name,
		"practice_name": practice.practice_name,
		"slug": practice.slug,
		"short_code": practice.short_code,
		"logo": practice.logo,
		"brand_color": practice.brand_color,
		"status": practice.status,
	}


def boot_session(bootinfo) -> None:
	"""Desk boot: the context, for the practice switcher, and the doctypes that hold a
	practice's records, whose buttons and forms Desk offers only to those who may use them."""
	if frappe.session.user != "Guest":
		bootinfo.medic_plus = get_context()
		bootinfo.medic_plus["doctypes"] = list(PRACTICE_DOCTYPES)
		# where each record names its practice, for the lists of users who see several
		bootinfo.medic_plus["practice_fields"] = {
			s.doctype: s.field for s in SCOPES if s.mode == Mode.OWN and s.field != "name"
		}
		bootinfo.medic_plus["several_practices"] = several_practices()
