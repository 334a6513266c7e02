"""The plans as the platform owner set them (Medic Plus Settings, one row a plan, over
the defaults of core/provisioning.py), and the limits a practice's plan puts on it: the
members who see patients, online booking and the FHIR API. A practice over a limit is
refused with PlanLimitError (403) and a message that names its plan."""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.core import provisioning as core


class PlanLimitError(frappe.ValidationError):
	http_status_code = 403


def get_plan(name: str | None) -> core.Plan | None:
	"""Plan ``name`` with the settings' prices and limits; None where there is no such plan."""
	if name not in core.PLANS:
		return None
	rows = frappe.get_cached_doc("Medic Plus Settings").get("plans") or []
	row = next((r for r in rows if r.plan == name), None)
	return core.plan_from(name, row.as_dict() if row else None)


def plan_of(practice: str) -> core.Plan | None:
	return get_plan(frappe.db.get_value("Practice", practice, "subscription_plan"))


def seed_rows(settings) -> bool:
	"""Give ``settings`` (Medic Plus Settings) a row for each plan it lacks, with the plan's
	defaults; returns whether one was added."""
	have = {row.plan for row in settings.get("plans") or []}
	added = False
	for name, plan in core.PLANS.items():
		if name not in have:
			settings.append("plans", {"plan": name, **{f: getattr(plan, f) for f in core.PLAN_FIELDS}})
			added = True
	return added


def ensure_rows() -> None:
	"""On install and migrate: every plan has its row in the settings."""
	settings = frappe.get_single("Medic Plus Settings")
	if seed_rows(settings):
		settings.flags.ignore_permissions = True
		settings.save()


def lacks(plan: core.Plan | None, feature: str) -> bool:
	return bool(plan) and not getattr(plan, feature)


def refusal(plan: core.Plan, feature: str) -> str:
	"""The message for a practice whose plan does not include ``feature``."""
	if feature == "fhir":
		return _("The {0} plan does not include the FHIR API. Change the plan to use it.").format(
			_(plan.name)
		)
	return _("The {0} plan does not include online booking. Change the plan to use it.").format(_(plan.name))


def check(practice: str, feature: str) -> None:
	"""Refuse (403) when the practice's plan does not include ``feature``."""
	plan = plan_of(practice)
	if lacks(plan, feature):
		frappe.throw(refusal(plan, feature), PlanLimitError, title=_("Plan Limit"))


def cards() -> list[dict]:
	"""Every plan as the sign-up page shows it, priced in the platform's currency."""
	from medic_plus.billing.books import default_company

	currency = frappe.db.get_value("Company", default_company(), "default_currency")
	return [card(get_plan(name), currency) for name in core.PLANS]


def card(plan: core.Plan, currency: str | None) -> dict:
	"""The plan as the sign-up page shows it: its name, its price (in the site's money
	format; a plan that costs nothing reads "Free") and what it includes."""

	def money(amount: float) -> str:
		return frappe.utils.fmt_money(amount, currency=currency)

	if plan.monthly_price:
		price = _("{0} a month").format(money(plan.monthly_price))
	elif plan.visit_price > 0:
		price = _("No monthly fee")
	else:
		price = _("Free")
	features = [
		_("Up to {0} practitioners").format(plan.max_practitioners)
		if plan.max_practitioners
		else _("Any number of practitioners")
	]
	if plan.visit_price > 0:
		features.append(
			_("{0} visits a month included, then {1} a visit").format(
				plan.included_visits, money(plan.visit_price)
			)
		)
	features.append(_("Online booking page") if plan.online_booking else _("No online booking"))
	features.append(_("FHIR API for your systems") if plan.fhir else _("No FHIR API"))
	return {"name": plan.name, "title": _(plan.name), "price": price, "features": features}
