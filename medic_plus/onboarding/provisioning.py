"""One provisioning service for every new practice (core/provisioning.py holds the
rules): from a Practice Registration it makes the practice's company (every practice
keeps its own books), the Practice with its letter head, the doctor's User and
Healthcare Practitioner, their Admin membership, a room, a weekly schedule, the
appointment type the booking page offers, and the Subscription that bills its plan.

Each step finds what an earlier run made before it makes anything and is committed with
its record on the registration, so a run that failed or died half-way is completed by
the next one and nothing is made twice. A failed run leaves the registration Failed with
its traceback; the retry job runs it again after five minutes, three runs in all.
"""

from __future__ import annotations

from datetime import time

import frappe
from frappe import _
from frappe.utils import now_datetime

from medic_plus import demo
from medic_plus.billing import books
from medic_plus.core import provisioning as core
from medic_plus.core.membership import ADMIN
from medic_plus.locks import one_at_a_time
from medic_plus.onboarding import plans
from medic_plus.tenancy import context

SLOT_MINUTES = 15
HOURS = ((time(9), time(12)), (time(14), time(17)))
APPOINTMENT_TYPE = ("Consultation", 15)


class ProvisioningError(frappe.ValidationError):
	pass


def provision_from_desk(registration: str) -> str:
	"""The platform owner's "Provision Practice": approves the registration (whatever it
	waited for) and runs it; returns the practice."""
	if not context.is_platform_admin():
		frappe.throw(_("Only the platform provisions practices."), frappe.PermissionError)
	reg = frappe.get_doc("Practice Registration", registration)
	if reg.status not in core.PROVISIONABLE:
		frappe.throw(
			_("A registration that is {0} is not provisioned again.").format(_(reg.status)),
			ProvisioningError,
		)
	if reg.status != core.FAILED:
		reg.db_set({"status": core.APPROVED, "approved_by": frappe.session.user})
	return provision(registration)


def provision(registration: str) -> str:
	"""Run the registration's steps that are not done yet; returns the practice. A
	failure leaves it Failed with the traceback, and is raised."""
	reg = frappe.get_doc("Practice Registration", registration)
	if reg.status == core.ACTIVE:
		return reg.practice
	reg.db_set(
		{"status": core.PROVISIONING, "attempts": (reg.attempts or 0) + 1, "last_attempt_on": now_datetime()}
	)
	frappe.db.commit()  # nosemgrep: the run is visible (and its worker's death detectable) at once
	done = {row.step for row in reg.steps}
	try:
		for step in core.steps_for(plans.get_plan(reg.plan)):
			if step in done:
				continue
			doctype, name = STEPS[step](reg)
			reg.append(
				"steps",
				{
					"step": step,
					"done_on": now_datetime(),
					"reference_doctype": doctype,
					"reference_name": name,
				},
			)
			reg.flags.ignore_permissions = True
			reg.save()
			frappe.db.commit()  # nosemgrep: each step stays done for the next run
	except Exception:
		frappe.db.rollback()
		frappe.db.set_value(
			"Practice Registration",
			registration,
			{"status": core.FAILED, "error": frappe.get_traceback(with_context=True)},
		)
		frappe.db.commit()  # nosemgrep: the failure is recorded whatever the caller does next
		raise
	reg.db_set({"status": core.ACTIVE, "error": None})
	frappe.db.commit()  # nosemgrep: as above
	if not reg.activated_on:
		_send_activation(reg.name)
	return reg.practice


def _send_activation(registration: str) -> None:
	"""The doctor's activation link; without an outgoing e-mail account it waits for the
	platform owner's *Send Activation Link*."""
	from medic_plus.onboarding import activation

	try:
		activation.send(registration)
		frappe.db.commit()  # nosemgrep: the link and its mail go together
	except frappe.OutgoingEmailError:
		frappe.db.rollback()
		frappe.clear_last_message()
		frappe.log_error(title="medic_plus: no outgoing e-mail account for an activation link")


@one_at_a_time
def retry_failed() -> list[str]:
	"""Scheduler (every five minutes): run again the registrations that failed (or whose
	run died) long enough ago, three runs in all. Returns those that are now Active."""
	now = now_datetime()
	active = []
	for row in frappe.get_all(
		"Practice Registration",
		filters={"status": ("in", (core.FAILED, core.PROVISIONING))},
		fields=["name", "status", "attempts", "last_attempt_on"],
	):
		if not core.retry_due(row.status, row.attempts or 0, row.last_attempt_on, now):
			continue
		try:
			provision(row.name)
			active.append(row.name)
		except Exception:
			pass  # recorded on the registration, tried again next time if runs are left
	return active


# --- the steps: each returns (doctype, name) of what it found or made ---------------------


def _company(reg) -> tuple[str, str]:
	# the company this registration made, never one found by name (it may be another's)
	if not reg.company:
		from medic_plus.billing.books import make_company

		reg.company = make_company(reg.practice_name, _short_code(reg), reg.country)
	return "Company", reg.company


def _short_code(reg) -> str:
	"""The practice's short code (and its company's abbreviation), chosen once: kept on
	the registration with the first step that needs it."""
	if not reg.short_code:
		reg.short_code = core.short_code(
			reg.practice_name,
			lambda code: bool(frappe.db.exists("Practice", {"short_code": code}))
			or bool(frappe.db.exists("Company", {"abbr": code})),
		)
	return reg.short_code


def _practice(reg) -> tuple[str, str]:
	# the practice this registration made (kept with the step), never one found by its
	# address: a practice made meanwhile under that address belongs to someone else
	name = reg.practice
	if not name:
		if frappe.db.exists("Practice", {"slug": reg.slug}):
			frappe.throw(_("The address {0} is taken: please choose another.").format(reg.slug))
		plan = plans.get_plan(reg.plan)
		practice = frappe.get_doc(
			{
				"doctype": "Practice",
				"practice_name": reg.practice_name,
				"slug": reg.slug,
				"short_code": _short_code(reg),
				"status": "Active",
				"subscription_plan": reg.plan,
				"company": reg.company or books.default_company(),
				"email": reg.email,
				"privacy_contact": reg.email,
				"phone": reg.mobile,
				"country": reg.country,
				"timezone": reg.timezone or frappe.utils.get_system_timezone(),
				"allow_online_booking": 1 if plan.online_booking else 0,
				"default_duration": APPOINTMENT_TYPE[1],
			}
		)
		practice.flags.ignore_permissions = True
		name = practice.insert().name
	reg.practice = name
	return "Practice", name


def _letter_head(reg) -> tuple[str, str]:
	"""The Practice makes its own letter head on save; here it is checked to be there."""
	letter_head = frappe.db.get_value("Practice", reg.practice, "letter_head")
	if not letter_head or not frappe.db.exists("Letter Head", letter_head):
		practice = frappe.get_doc("Practice", reg.practice)
		practice.sync_letter_head()
		letter_head = practice.letter_head
	return "Letter Head", letter_head


def _user(reg) -> tuple[str, str]:
	if not frappe.db.exists("User", reg.email):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": reg.email,
				"first_name": reg.first_name,
				"last_name": reg.last_name,
				# a mobile number is unique among users: another's stays theirs
				"mobile_no": None
				if not reg.mobile or frappe.db.exists("User", {"mobile_no": reg.mobile})
				else reg.mobile,
				"time_zone": reg.timezone,
				"send_welcome_email": 0,  # the activation link sets the password
			}
		)
		user.flags.ignore_permissions = True
		user.insert()
	reg.user = reg.email
	return "User", reg.email


def _practitioner(reg) -> tuple[str, str]:
	# linked to the user through the membership, as every doctor of a practice (a
	# practitioner's own user_id would restrict the user to that practitioner's records)
	name = reg.practitioner or frappe.db.get_value(
		"Practice Member", {"practice": reg.practice, "user": reg.user}, "practitioner"
	)
	if not name:
		practitioner = frappe.get_doc(
			{
				"doctype": "Healthcare Practitioner",
				"first_name": reg.first_name,
				"last_name": reg.last_name,
				"status": "Active",
				"mobile_phone": reg.mobile,
			}
		)
		practitioner.flags.ignore_permissions = True
		name = practitioner.insert().name
	reg.practitioner = name
	return "Healthcare Practitioner", name


def _membership(reg) -> tuple[str, str]:
	# the doctor who signs up runs the practice: Admin, with their practitioner record
	return "Practice Member", demo.ensure_member(reg.practice, reg.user, ADMIN, reg.practitioner)


def _service_unit(reg) -> tuple[str, str]:
	code = _short_code(reg)
	company = frappe.db.get_value("Practice", reg.practice, "company")
	return "Healthcare Service Unit", demo.ensure_service_unit(
		_("{0} Consultation Room").format(code), company
	)


def _schedule(reg) -> tuple[str, str]:
	code = _short_code(reg)
	unit = next(row.reference_name for row in reg.steps if row.step == "service_unit")
	name = demo.ensure_schedule(
		reg.practice, reg.practitioner, _("{0} Weekly Hours").format(code), unit, SLOT_MINUTES, HOURS
	)
	return "Practitioner Schedule", name


def _appointment_type(reg) -> tuple[str, str]:
	demo.ensure_online_types(reg.practice, (APPOINTMENT_TYPE,))
	return "Appointment Type", APPOINTMENT_TYPE[0]


def _billing(reg) -> tuple[str, str]:
	from medic_plus.onboarding import billing

	return "Subscription", billing.subscribe(reg.practice)


STEPS = {
	"company": _company,
	"practice": _practice,
	"letter_head": _letter_head,
	"user": _user,
	"practitioner": _practitioner,
	"membership": _membership,
	"service_unit": _service_unit,
	"schedule": _schedule,
	"appointment_type": _appointment_type,
	"billing": _billing,
}
