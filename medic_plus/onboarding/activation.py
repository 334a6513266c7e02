"""The doctor's activation link (core/activation.py is the rule): sent when their practice
is provisioned (and again from Desk), it sets their password, logs them in and lands
them on their practice's workspace. Single use, twelve hours, stored only as a hash."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import get_url, now_datetime

from medic_plus.core import activation as core
from medic_plus.core import provisioning
from medic_plus.tenancy import context

LANDING = "/app/my-practice"
MIN_LENGTH, MIN_SCORE = 10, 3


class WeakPassword(frappe.ValidationError):
	http_status_code = 400


class ActivationRefused(frappe.ValidationError):
	http_status_code = 410


class UnknownActivation(frappe.DoesNotExistError):
	pass


def send_from_desk(registration: str) -> None:
	if not context.is_platform_admin():
		frappe.throw(_("Only the platform sends activation links."), frappe.PermissionError)
	status, activated = frappe.db.get_value("Practice Registration", registration, ["status", "activated_on"])
	if status != provisioning.ACTIVE or activated:
		frappe.throw(_("An activation link goes to the doctor of a provisioned practice, once."))
	send(registration)


def send(registration: str) -> None:
	"""A new link by e-mail to the registration's doctor; the previous one stops working."""
	reg = frappe.get_doc("Practice Registration", registration)
	key, now = core.new_key(), now_datetime()
	reg.db_set(
		{
			"activation_key_hash": core.digest(key),
			"activation_sent_on": now,
			"activation_expires_on": now + core.ACTIVATION_TTL,
		}
	)
	frappe.sendmail(
		recipients=[reg.email],
		subject=_("Your practice {0} is ready").format(reg.practice_name),
		template="medic_plus_activation",
		args={
			"registration": reg,
			"link": get_url(f"/activate?key={key}"),
			"booking_url": get_url(f"/book?practice={frappe.db.get_value('Practice', reg.practice, 'slug')}"),
			"hours": int(core.ACTIVATION_TTL.total_seconds() // 3600),
		},
		reference_doctype="Practice Registration",
		reference_name=reg.name,
		now=False,
	)


def find(key: str | None):
	"""The registration the key opens, or the reason it opens none (translated)."""
	found = (
		frappe.db.get_value(
			"Practice Registration",
			{"activation_key_hash": core.digest(key)},
			["name", "user", "practice", "activated_on", "activation_expires_on"],
			as_dict=True,
		)
		if key and len(key) <= 200
		else None
	)
	reason = core.refusal(
		bool(found), found and found.activated_on, found and found.activation_expires_on, now_datetime()
	)
	return found, reason


def refuse(reason: str) -> None:
	if reason == core.INVALID:
		frappe.throw(_("This activation link is not valid."), UnknownActivation, title=_("Link Not Valid"))
	frappe.throw(
		_("This activation link has been used or has expired. Please ask the platform for a new one."),
		ActivationRefused,
		title=_("Link Expired"),
	)


def activate(key: str, new_password: str) -> str:
	"""Set the doctor's password, spend the key, log them in; returns where they land."""
	from frappe.utils.password import update_password

	found, reason = find(key)
	if reason:
		refuse(reason)
	user = frappe.db.get_value(
		"User", found.user, ["name", "first_name", "last_name", "enabled"], as_dict=True
	)
	if not user or not user.enabled:
		refuse(core.INVALID)
	check_password(new_password, (user.first_name, user.last_name, user.name))
	# spent under the registration's lock: of two parallel requests, one finds it gone
	stored = frappe.db.get_value("Practice Registration", found.name, "activation_key_hash", for_update=True)
	if stored != core.digest(key):
		refuse(core.USED)
	frappe.db.set_value(
		"Practice Registration",
		found.name,
		{"activated_on": now_datetime(), "activation_key_hash": None},
		update_modified=False,
	)
	update_password(user.name, new_password)
	context.set_active_practice(found.practice, user.name)
	frappe.local.login_manager.login_as(user.name)
	return LANDING


def check_password(password: str | None, user_inputs: tuple) -> None:
	"""A doctor's account opens patients' records: at least MIN_LENGTH characters and a
	strength score of MIN_SCORE (or the site's password policy, where it asks more)."""
	from frappe.utils import cint
	from frappe.utils.password_strength import test_password_strength

	password = password or ""
	result = test_password_strength(password, user_inputs=user_inputs) if password else {}
	minimum = MIN_SCORE
	if frappe.get_system_settings("enable_password_policy"):
		minimum = max(minimum, cint(frappe.get_system_settings("minimum_password_score")))
	if len(password) >= MIN_LENGTH and len(password) <= 128 and (result.get("score") or 0) >= minimum:
		return
	feedback = result.get("feedback") or {}
	hints = [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
	frappe.throw(
		" ".join(
			[
				_("Please choose a stronger password: at least {0} characters, hard to guess.").format(
					MIN_LENGTH
				)
			]
			+ [h for h in hints if h]
		),
		WeakPassword,
		title=_("Invalid Password"),
	)
