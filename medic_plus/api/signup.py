"""/signup: a doctor registers their practice. The e-mail address is proved with a code
(the booking's OTP machinery: the same limits); the verified registration then waits for
the platform owner's approval, or is provisioned at once (Medic Plus Settings)."""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.api.booking import CodeRejected, TooManyCodes, bad
from medic_plus.booking import otp_store
from medic_plus.booking.guard import check_form, limit, new_form_token
from medic_plus.core import booking_rules, rules
from medic_plus.core import otp as otp_core
from medic_plus.core import provisioning as core
from medic_plus.core.booking_rules import BookingInputError

# the OTP store's scope for sign-up codes (a booking's is its practice)
SIGNUP = "medic-plus-signup"
WAITING = (core.PENDING, core.VERIFIED, core.APPROVED, core.PROVISIONING)


class SignupClosed(frappe.ValidationError):
	http_status_code = 403


class AlreadyRegistered(frappe.ValidationError):
	http_status_code = 409


def settings():
	return frappe.get_cached_doc("Medic Plus Settings")


def _open() -> None:
	if not settings().signup_enabled:
		frappe.throw(_("Sign-up is closed at the moment."), SignupClosed, title=_("Sign-up Closed"))


def _email(email: str | None) -> str:
	clean = otp_core.normalise_email(email) if email else None
	if not clean:
		bad("email", _("Please enter a valid e-mail address."))
	return clean


def slug_problem(slug: str) -> str | None:
	"""Why ``slug`` cannot be a new practice's address (translated), or None."""
	if error := rules.slug_error(slug):
		return _(error)
	if frappe.db.exists("Practice", {"slug": slug}) or frappe.db.exists(
		"Practice Registration", {"slug": slug, "status": ("in", WAITING)}
	):
		return _("This address is taken: please choose another.")
	return None


@frappe.whitelist(allow_guest=True, methods=["GET"])
@limit(120, 600)
def check_slug(slug: str) -> dict:
	"""Whether ``slug`` is free for a new practice (the form checks as the doctor types)."""
	slug = rules.normalise_slug(slug)
	problem = slug_problem(slug)
	return {"slug": slug, "available": not problem, "reason": problem}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limit(20, 3600)
def request_signup_code(email: str, form_token: str | None = None, website: str | None = None) -> dict:
	"""Send a code to ``email``; ``form_token`` and the empty honeypot ``website`` come from
	the page, as on the booking page."""
	_open()
	clean = _email(email)
	check_form(form_token, website)
	try:
		code = otp_store.issue(SIGNUP, clean)
	except otp_core.SendBudgetExceeded as e:
		frappe.throw(_(e.reason), TooManyCodes, title=_("Too Many Requests"))
	try:
		frappe.sendmail(
			recipients=[clean],
			subject=_("Your Medic Plus sign-up code"),
			template="medic_plus_signup_code",
			args={"code": code, "minutes": otp_core.POLICY.ttl // 60},
			delayed=True,
		)
	except frappe.OutgoingEmailError:
		frappe.log_error(title="medic_plus: no outgoing e-mail account for sign-up codes")
		frappe.throw(_("We cannot send e-mail right now. Please try again later."), SignupClosed)
	return {"sent": True, "expires_in": otp_core.POLICY.ttl, "form_token": new_form_token()}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limit(20, 3600)
def register(
	otp: str,
	practice_name: str,
	slug: str,
	first_name: str,
	last_name: str,
	email: str,
	plan: str,
	terms_accepted: str | int | None = None,
	mobile: str | None = None,
	country: str | None = None,
	timezone: str | None = None,
) -> dict:
	"""Register the practice with the code sent to ``email``. The code is spent only when
	the registration is saved; the answer says whether it waits for approval."""
	_open()
	clean_email = _email(email)
	try:
		first = booking_rules.clean_name(first_name, "first_name")
		last = booking_rules.clean_name(last_name, "last_name")
	except BookingInputError as e:
		bad(e.field, _(str(e)))
	name = " ".join((practice_name or "").split())
	if not 3 <= len(name) <= 140:
		bad("practice_name", _("Please enter the practice's name (3 to 140 characters)."))
	slug = rules.normalise_slug(slug)
	if problem := slug_problem(slug):
		bad("slug", problem)
	if plan not in core.PLANS:
		bad("plan", _("Please choose one of the plans: {0}.").format(", ".join(core.PLANS)))
	if not frappe.utils.cint(terms_accepted):
		bad("terms_accepted", _("Please accept the terms of service."))
	number = otp_core.normalise_mobile(mobile) if mobile else None
	if mobile and not number:
		bad("mobile", _("Please enter a valid mobile number, e.g. +27821234567."))
	if country and not frappe.db.exists("Country", country):
		bad("country", _("Please choose a country from the list."))
	if timezone:
		from medic_plus.medic_plus.doctype.practice.practice import _known_timezones

		if timezone not in _known_timezones():
			bad("timezone", _("Please choose a time zone from the list."))
	if frappe.db.exists("Practice Registration", {"email": clean_email, "status": ("in", WAITING)}):
		frappe.local.response["invalid_field"] = "email"
		frappe.throw(
			_("A practice registered with this address is already on its way."),
			AlreadyRegistered,
			title=_("Already Registered"),
		)
	try:
		otp_store.reserve_for_this_transaction(SIGNUP, clean_email, otp)
	except otp_core.InvalidCode as e:
		frappe.local.response["invalid_field"] = "otp"
		frappe.throw(_(e.reason), CodeRejected, title=_("Code Not Accepted"))

	reg = frappe.get_doc(
		{
			"doctype": "Practice Registration",
			"practice_name": name,
			"slug": slug,
			"first_name": first,
			"last_name": last,
			"email": clean_email,
			"mobile": number,
			"country": country,
			"timezone": timezone,
			"plan": plan,
		}
	)
	reg.flags.ignore_permissions = True
	reg.insert()
	automatic = settings().signup_mode == "Automatic"
	reg.db_set(
		{
			"status": core.APPROVED if automatic else core.VERIFIED,
			"email_verified_on": frappe.utils.now_datetime(),
			"terms_accepted": 1,
		}
	)
	if automatic:
		frappe.enqueue(
			"medic_plus.onboarding.provisioning.provision",
			queue="long",
			registration=reg.name,
			enqueue_after_commit=True,
		)
		message = _("Thank you: your practice is being set up. We will e-mail you a link to sign in.")
	else:
		message = _("Thank you: we will check your registration and e-mail you a link to sign in.")
	return {"status": reg.status, "message": message}
