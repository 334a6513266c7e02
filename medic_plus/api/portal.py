"""The patient portal's door (/patient). Signing in is open to guests (rate-limited, the
bot check and the booking's code rules); everything else is for a signed-in portal
session, which the request gate holds to this class of methods. Another person's
appointment, document or record answers exactly like a missing one."""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.api import booking as booking_api
from medic_plus.api.booking import CodeRejected, TooManyCodes, bad
from medic_plus.booking import notify, otp_store, service
from medic_plus.booking import practice as booking_practice
from medic_plus.booking.guard import check_form, limit, new_form_token
from medic_plus.core import booking_rules
from medic_plus.core import otp as otp_core
from medic_plus.core import portal as core
from medic_plus.core.access_log import Access
from medic_plus.core.booking_rules import BookingInputError
from medic_plus.portal import consents, documents, home, identity
from medic_plus.privacy import access_log
from medic_plus.tenancy.context import system_scope

SCOPE = "portal"  # the codes' scope (the booking's are per practice)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limit(20, 3600)
def request_code(
	identifier: str,
	first_name: str,
	last_name: str,
	form_token: str | None = None,
	website: str | None = None,
) -> dict:
	"""Send a sign-in code to the e-mail address or mobile number (international form) that
	a practice holds for the person of this name. ``form_token`` and the empty honeypot
	``website`` come from the page. The answer is the same whether or not a practice
	holds the person: a code goes out only where one does."""
	kind, value, first, last = _person(identifier, first_name, last_name)
	check_form(form_token, website)
	try:
		code = otp_store.issue(SCOPE, value, sms=kind == core.MOBILE)
	except otp_core.SendBudgetExceeded as e:
		frappe.throw(_(e.reason), TooManyCodes, title=_("Too Many Requests"))
	if records := identity.matching(kind, value, first, last):
		with notify.in_language(frappe._dict(language=_language(records))):
			notify.send_portal_code(kind, value, code)
	return {
		"sent": True,
		"channel": kind,
		"expires_in": otp_core.POLICY.ttl,
		"form_token": new_form_token(),  # for "send the code again"
	}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limit(60, 600)
def sign_in(identifier: str, first_name: str, last_name: str, code: str) -> dict:
	"""Sign in with the code sent by ``request_code``: the session is the person's portal
	account (made on the first sign-in), and the code is spent."""
	kind, value, first, last = _person(identifier, first_name, last_name)
	try:
		otp_store.reserve_for_this_transaction(SCOPE, value, code)
		records = identity.matching(kind, value, first, last)
		if not records:
			# no code went out for this person: the right one belongs to someone else's name
			raise otp_core.InvalidCode()
	except otp_core.InvalidCode as e:
		frappe.local.response["invalid_field"] = "code"
		frappe.throw(_(e.reason), CodeRejected, title=_("Code Not Accepted"))
	user = identity.account_for(kind, value, first, last)
	if language := _language(records):
		# the portal speaks the practices' language where they share one
		frappe.db.set_value("User", user, "language", language)
	frappe.local.login_manager.login_as(user)
	return {"signed_in": True}


@frappe.whitelist(methods=["GET"])
def get_home() -> dict:
	"""Each practice that holds a record of the patient's (or of a child it linked to
	them): its card, the people on it, their upcoming and past visits."""
	return home.home()


@frappe.whitelist(methods=["POST"])
def manage_link(visit: str) -> dict:
	"""The manage link of one of the patient's upcoming visits (``visit``: the appointment
	as the home names it): move or cancel it under the practice's rules, as from the
	confirmation; another's answers as a missing one. (The portal's methods name records
	in arguments of their own: the request gate's check of ``appointment`` or ``patient``
	is a practice member's, and would hide the patient's own.)"""
	row = identity.own_row("Patient Appointment", visit, ["custom_practice", "practitioner"])
	with system_scope():
		doc = frappe.get_doc("Patient Appointment", row.name)
		token = service.ensure_manage_token(doc)
	return {"url": notify.manage_url(token), "visit_url": notify.visit_link(doc, token)}


@frappe.whitelist(methods=["GET"])
def get_document(kind: str, name: str) -> None:
	"""The PDF of a document the practice released to the patient (``kind``: sick_note,
	prescription or summary, as the home lists it)."""
	filename, content = documents.pdf(kind, name)
	frappe.local.response.filename = filename
	frappe.local.response.filecontent = content
	frappe.local.response.type = "download"


@frappe.whitelist(methods=["GET"])
@frappe.read_only()
def download_my_data(record: str) -> None:
	"""Everything the practice holds about one of the patient's records (``record``: a
	person on a card), in one ZIP: the FHIR ``$everything`` bundle, the PDFs of the sick
	notes and consultation notes, the access log of the record. Logged as an export by
	the patient."""
	from medic_plus.fhir import export, router

	own = identity.record(record)
	content = export.patient_zip(own.patient, router.Caller([own.practice], given=True))
	request = getattr(frappe.local, "request", None)
	access_log.push([Access("Patient", own.patient, "export")], frappe.session.user, request, actor="Patient")
	frappe.local.response.filename = f"my-record-{own.patient}.zip"
	frappe.local.response.filecontent = content
	frappe.local.response.type = "download"


@frappe.whitelist(methods=["POST"])
def withdraw_consent(consent: str) -> dict:
	"""Withdraw a consent in force to be written to by e-mail or SMS, or to research, at
	once; answers the home as it is now."""
	consents.withdraw(consent)
	return home.home()


@frappe.whitelist(methods=["POST"])
def book_follow_up(
	visit: str,
	appointment_date: str,
	appointment_time: str,
	appointment_type: str | None = None,
	notes: str | None = None,
) -> dict:
	"""Book another visit with the doctor of one of the patient's visits (``visit``), for
	the same person, at a free time (``get_availability``): the booking's every rule and
	check, without a new code (the session proved the address). The confirmation goes to
	the address or number the session verified."""
	row = identity.own_row("Patient Appointment", visit, ["custom_practice", "practitioner"])
	p = booking_practice.get_practices({"name": row.custom_practice}, limit=1)[0]
	notify.use_language(p)
	booking_api.check_open(p)
	try:
		day = booking_rules.parse_date(appointment_date)
		at = booking_rules.parse_time(appointment_time)
		clean_notes = booking_rules.clean_notes(notes)
	except BookingInputError as e:
		bad(e.field, _(str(e)))
	booking_api.check_window(p, day)
	doctor = booking_api.bookable_practitioner(p, row.practitioner)
	appointment_type, duration = booking_api.visit_type(p, appointment_type)
	account = identity.account_of()
	person = service.Person(
		first_name=account.first_name,
		last_name=account.last_name,
		email=account.identifier if account.channel == core.EMAIL else None,
		mobile=account.identifier if account.channel == core.MOBILE else None,
		verified=account.channel,
	)

	def attempt():
		appointment, token = service.book(
			p,
			row.practitioner,
			day,
			at,
			person,
			appointment_type,
			clean_notes or None,
			duration,
			patient=row.patient,
		)
		booking_api.tell(p, appointment, doctor, token, person, "booked")
		return appointment, token

	appointment, token = booking_api.past_deadlocks(attempt)
	return booking_api.booked(p, appointment, doctor, token)


def _language(records) -> str | None:
	"""The language the practices of ``records`` share, if they set one."""
	languages = set(
		frappe.get_all(
			"Practice", filters={"name": ("in", [r.practice for r in records] or [""])}, pluck="language"
		)
	)
	return languages.pop() if len(languages) == 1 else None


def _person(identifier: str, first_name: str, last_name: str) -> tuple[str, str, str, str]:
	try:
		kind, value = core.identify(identifier)
	except core.IdentifierError as e:
		bad("identifier", _(str(e)))
	try:
		first = booking_rules.clean_name(first_name, "first_name")
		last = booking_rules.clean_name(last_name, "last_name")
	except BookingInputError as e:
		bad(e.field, _(str(e)))
	return kind, value, first, last
