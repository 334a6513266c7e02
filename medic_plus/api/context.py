"""The user's place in the tenancy, for Desk and for API clients."""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.api.desk import several_practices
from medic_plus.tenancy import context
from medic_plus.tenancy.scope import PRACTICE_DOCTYPES, SCOPES, Mode


@frappe.whitelist(methods=["GET", "POST"])
def get_context() -> dict:
	"""The session user, their memberships, the active practice and whether they see all."""
	return _context(frappe.session.user)


def _context(user: str, active: str | None = None) -> dict:
	"""The context of ``user``; ``active`` is the practice just chosen (the cached
	defaults may not hold it yet)."""
	memberships = context.get_memberships(user)
	practices = {
		p.name: p
		for p in frappe.get_all(
			"Practice",
			filters={"name": ("in", [m.practice for m in memberships] or [""])},
			fields=["name", "practice_name", "slug", "short_code", "logo", "brand_color", "status"],
		)
	}
	active = active or context.get_active_practice(user)
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
	return _context(frappe.session.user, practice)


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
		# the books Desk offers first (a new invoice, a receivables report): the active practice's
		company = context.is_tenant_user() and context.keep_books_default()
		if company:
			for defaults in (bootinfo.get("sysdefaults"), (bootinfo.get("user") or {}).get("defaults")):
				if defaults is not None:
					defaults["company"] = company


@frappe.whitelist(methods=["GET"])
def get_setup_checklist() -> dict:
	"""The active practice's setup checklist, for its admins (My Practice): each item is
	done when the practice shows it. ``show`` is false for everyone else and once all is
	done."""
	from medic_plus.booking.availability import get_bookable_practitioners, get_schedule_rows
	from medic_plus.core import setup_checklist as core
	from medic_plus.core.membership import ADMIN

	practice = context.get_active_practice()
	if not practice or not context.holds_role(practice, (ADMIN,)):
		return {"show": False, "items": []}
	p = frappe.db.get_value(
		"Practice", practice, ["slug", "logo", "brand_color", "allow_online_booking", "status"], as_dict=True
	)
	doctors = get_bookable_practitioners(practice)
	facts = core.Facts(
		has_logo=bool(p.logo),
		has_colour=bool(p.brand_color),
		has_schedule=bool(frappe.db.exists("Practitioner Schedule", {"custom_practice": practice})),
		bookable=bool(
			p.allow_online_booking
			and p.status == "Active"
			and any(get_schedule_rows(practice, d.practitioner) for d in doctors)
		),
		members=frappe.db.count("Practice Member", {"practice": practice, "is_active": 1}),
	)
	items = core.checklist(facts)
	routes = {
		"branding": f"/app/practice/{practice}",
		"schedule": "/app/practitioner-schedule",
		"booking_page": f"/book?practice={p.slug}",
		"staff": "/app/practice-member/new",
	}
	return {
		"show": not core.finished(items),
		"items": [{"key": i.key, "label": _(i.label), "done": i.done, "route": routes[i.key]} for i in items],
	}
