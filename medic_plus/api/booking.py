"""Public booking API (guests). Every method is typed and rate-limited, changes state
only on POST, and returns nothing private: no Patient IDs, nothing about other
patients, no hint whether an e-mail address is known. ``practice`` is the slug."""

from __future__ import annotations

import json
import random
import time
from datetime import date, timedelta

import frappe
import redis
from frappe import _
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from medic_plus.booking import availability, calendar_cache, notify, otp_store, service, video
from medic_plus.booking import practice as booking_practice
from medic_plus.booking.guard import check_form, clean_mobile, limit, new_form_token
from medic_plus.core import booking_rules
from medic_plus.core import otp as otp_core
from medic_plus.core.booking_rules import BookingInputError
from medic_plus.core.slots import MAX_RANGE_DAYS
from medic_plus.medic_plus.doctype.patient_consent import patient_consent as consent

BOOKING_TRIES = 3  # a booking the database picks as a deadlock victim is tried again


class BadBookingRequest(frappe.ValidationError):
	http_status_code = 400


class CodeRejected(frappe.ValidationError):
	http_status_code = 403


class TooManyCodes(frappe.ValidationError):
	http_status_code = 429


# --- reading --------------------------------------------------------------------------


@frappe.whitelist(allow_guest=True, methods=["GET"])
@limit(300, 300)
def get_practice_info(practice: str) -> dict:
	p = _practice(practice)
	return {
		**p.public(),
		"allow_online_booking": p.is_open,
		"verification_channel": p.verification_channel or "Email",
		"max_days_ahead": p.max_days_ahead,
		"appointment_types": p.public_visit_types(),
	}


def _medical_aid(scheme: str | None, member_number: str | None, dependant_code: str | None) -> dict | None:
	"""The medical aid a patient named on /book, cleaned (400 naming the field when wrong),
	or None when they pay themselves."""
	from medic_plus.core import claims

	if not scheme:
		return None
	if not isinstance(scheme, str) or not frappe.db.get_value("Medical Aid Scheme", scheme, "enabled"):
		bad("medical_aid_scheme", _("Choose your medical aid from the list."))
	try:
		member = claims.clean_member_number(member_number)
	except ValueError as e:
		bad("member_number", _(str(e)))
	try:
		dependant = claims.clean_dependant_code(dependant_code or "00")
	except ValueError as e:
		bad("dependant_code", _(str(e)))
	return {"scheme": scheme, "member_number": member, "dependant_code": dependant}


def keep_medical_aid(appointment, aid: dict, person) -> None:
	"""Keep the medical aid named at booking, from today, unless one is in force; the
	appointment names it."""
	from medic_plus.medic_plus.doctype.patient_medical_aid.patient_medical_aid import current
	from medic_plus.tenancy.context import system_scope

	patient = appointment.patient
	with system_scope():
		if current(patient):
			return
		doc = frappe.get_doc(
			{
				"doctype": "Patient Medical Aid",
				"patient": patient,
				**aid,
				"principal_member_name": f"{person.first_name} {person.last_name}"
				if aid["dependant_code"] == "00"
				else None,
				"valid_from": frappe.utils.today(),
			}
		)
		doc.flags.ignore_permissions = True
		doc.insert()
		frappe.db.set_value(
			"Patient Appointment", appointment.name, "custom_medical_aid", doc.name, update_modified=False
		)


@frappe.whitelist(allow_guest=True, methods=["GET"])
@limit(300, 300)
def get_practice_practitioners(practice: str) -> list[dict]:
	p = _open_practice(practice)
	with_schedule = []
	for row in availability.get_bookable_practitioners(p.name):
		if availability.get_schedule_rows(p.name, row.practitioner):
			with_schedule.append(
				{
					"practitioner": row.practitioner,
					"practitioner_name": row.practitioner_name,
					"department": row.department,
					"image": row.image,
				}
			)
	return with_schedule


@frappe.whitelist(allow_guest=True, methods=["GET"])
@limit(300, 300)
def get_availability(
	practice: str,
	practitioner: str,
	from_date: str,
	to_date: str | None = None,
	appointment_type: str | None = None,
) -> dict:
	# a crowd's request is answered from the cache without a database query: its
	# practice from Frappe's document cache, the answer from the calendar cache (and
	# most never get here: serve_cached_calendar answers them first)
	slug = (practice or "").strip().lower()
	cached = calendar_cache.practice_by_slug(slug)
	p = check_open(_known(cached)) if cached else _open_practice(practice)
	start, end = _range(from_date, to_date)
	args = (start, end, appointment_type or "")
	key = None
	if cached:
		key = calendar_cache.answer_key(p.name, practitioner, args, p.now())
		if (body := calendar_cache.cached_json(key)) is not None:
			return _json_answer(body)
	else:
		calendar_cache.remember_slug(slug, p.name)

	def compute() -> dict:
		# the practice's types are part of what the cache's practice version covers
		_type, duration = visit_type(p, appointment_type)
		avail = availability.compute(p, practitioner, start, end, duration=duration)
		return {
			"timezone": p.timezone,
			"days": {
				day.isoformat(): [
					{"time": s.time, "duration": s.duration, "capacity_left": s.capacity_left} for s in slots
				]
				for day, slots in sorted(avail.days.items())
			},
		}

	return calendar_cache.get_or_compute(
		p.name,
		practitioner,
		args,
		p.now(),
		compute,
		check=lambda: bookable_practitioner(p, practitioner),
		key=key,
	)


def _range(from_date: str, to_date: str | None) -> tuple[date, date]:
	start = _date(from_date, "from_date")
	end = _date(to_date, "to_date") if to_date else start
	if end < start or (end - start).days + 1 > MAX_RANGE_DAYS:
		bad("to_date", _("Ask for at most {0} days at a time.").format(MAX_RANGE_DAYS))
	return start, end


CALENDAR_PATHS = frozenset(
	f"/api/{version}method/medic_plus.api.booking.get_availability" for version in ("", "v2/")
)


class _Answered(HTTPException):
	"""Ends a request with its answer before Frappe routes it (werkzeug returns
	``response``)."""


def serve_cached_calendar() -> None:
	"""before_request: a guest's calendar that is in the cache is answered here, before
	Frappe authenticates and routes the request, runs the method and opens a database
	connection only to roll it back: a crowd's request costs a few Redis reads. The
	answer, the budget and the practice checks are get_availability's own; anything else
	(not a plain guest GET, a practice or an answer not in the cache, a bad argument, a
	spent budget) goes on to get_availability as usual and is answered there."""
	request = frappe.local.request
	if request.method != "GET" or request.path not in CALENDAR_PATHS:
		return
	if frappe.session.user != "Guest" or request.headers.get("Authorization"):
		return
	form = frappe.local.form_dict
	try:
		p = calendar_cache.practice_by_slug((form.get("practice") or "").strip().lower())
		if not p or not p.is_open:
			return
		start, end = _range(form.get("from_date"), form.get("to_date"))
		args = (start, end, form.get("appointment_type") or "")
		key = calendar_cache.answer_key(p.name, form.get("practitioner") or "", args, p.now())
		body = calendar_cache.cached_json(key)
		if body is None or not get_availability.take_budget():
			return
	except frappe.ValidationError:
		frappe.clear_last_message()
		return
	except redis.exceptions.RedisError:  # get_availability answers (a 503 if it must)
		return
	notify.use_language(p)
	raise _Answered(response=_json_answer(body))


def _json_answer(body: bytes):
	"""A cached answer as stored: over ``/api/method`` and ``/api/v2/method`` the JSON goes
	out as it is, in the envelope Frappe would put it in (a crowd's request then neither
	decodes nor encodes 40 kB); called in-process, the answer itself."""
	request = getattr(frappe.local, "request", None)
	if request is None or not request.path.startswith("/api/"):
		return json.loads(body)
	envelope = b'{"data":' if request.path.startswith("/api/v2/") else b'{"message":'
	return Response(envelope + body + b"}", content_type="application/json; charset=utf-8")


# --- verifying and booking ------------------------------------------------------------


@frappe.whitelist(allow_guest=True, methods=["GET"])
@limit(120, 600)
def get_form_token(practice: str) -> dict:
	"""A fresh token for the booking form (the page carries one too)."""
	_open_practice(practice)
	return {"form_token": new_form_token()}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limit(20, 3600)
def request_booking_otp(
	practice: str,
	email: str | None = None,
	mobile: str | None = None,
	form_token: str | None = None,
	website: str | None = None,
) -> dict:
	"""Send a one-time code to the address (or number) the person will prove they hold.
	``form_token`` comes from the page (or ``get_form_token``); ``website`` is the form's
	honeypot and must stay empty. The answer is the same whether or not the person is known."""
	p = _open_practice(practice)
	identifier, clean_email, clean_number = _identifier(p, email, mobile)
	check_form(form_token, website)
	try:
		code = otp_store.issue(p.name, identifier, sms=p.by_sms)
	except otp_core.SendBudgetExceeded as e:
		frappe.throw(_(e.reason), TooManyCodes, title=_("Too Many Requests"))
	notify.send_code(p, code, clean_email, clean_number)
	return {
		"sent": True,
		"channel": "sms" if p.by_sms else "email",
		"expires_in": otp_core.POLICY.ttl,
		"form_token": new_form_token(),  # for "send the code again"
	}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limit(60, 600)
def verify_and_book(
	practice: str,
	otp: str,
	practitioner: str,
	appointment_date: str,
	appointment_time: str,
	first_name: str,
	last_name: str,
	email: str | None = None,
	mobile: str | None = None,
	gender: str | None = None,
	appointment_type: str | None = None,
	notes: str | None = None,
	medical_aid_scheme: str | None = None,
	member_number: str | None = None,
	dependant_code: str | None = None,
) -> dict:
	"""Book with the code sent by ``request_booking_otp``. Only the verified address (or
	number) and the name find an existing patient of the practice; otherwise a new patient
	is made. The code is spent only when the booking commits. A medical aid named (scheme,
	membership number, dependant code) is kept for the patient from the day of booking,
	unless the practice already has one in force for them."""
	p = _open_practice(practice)
	try:
		person = service.Person(
			first_name=booking_rules.clean_name(first_name, "first_name"),
			last_name=booking_rules.clean_name(last_name, "last_name"),
			email=None,
			gender=booking_rules.clean_gender(gender),
		)
		clean_notes = booking_rules.clean_notes(notes)
		day = booking_rules.parse_date(appointment_date)
		at = booking_rules.parse_time(appointment_time)
	except BookingInputError as e:
		bad(e.field, _(str(e)))
	aid = _medical_aid(medical_aid_scheme, member_number, dependant_code)
	identifier, person.email, person.mobile = _identifier(p, email, mobile)
	person.verified = "mobile" if p.by_sms else "email"
	doctor = bookable_practitioner(p, practitioner)
	appointment_type, duration = visit_type(p, appointment_type)
	check_window(p, day)

	def attempt():
		try:
			otp_store.reserve_for_this_transaction(p.name, identifier, otp)
		except otp_core.InvalidCode as e:
			frappe.throw(_(e.reason), CodeRejected, title=_("Code Not Accepted"))
		appointment, token = service.book(
			p, practitioner, day, at, person, appointment_type, clean_notes or None, duration
		)
		if aid:
			keep_medical_aid(appointment, aid, person)
		# the patient agreed online to be treated and to be written to where the code went
		consent.record(appointment.patient, ("Treatment", "SMS" if p.by_sms else "E-mail"), "Portal")
		tell(p, appointment, doctor, token, person, "booked")
		return appointment, token

	# the messages are written in the booking's transaction: a deadlock there tries the
	# whole booking again too (a rollback gives the code back)
	appointment, token = past_deadlocks(attempt)
	return booked(p, appointment, doctor, token)


def booked(p, appointment, doctor, token: str) -> dict:
	"""The answer to a booking made: what the patient needs to know and keep."""
	return {
		"reference": appointment.custom_booking_reference,
		"appointment_date": str(appointment.appointment_date),
		"appointment_time": availability._as_time(appointment.appointment_time).strftime("%H:%M"),
		"duration": appointment.duration,
		"practitioner_name": doctor.practitioner_name,
		"status": appointment.status,
		"awaiting_approval": bool(appointment.custom_awaiting_approval),
		"timezone": p.timezone,
		"manage_url": notify.manage_url(token),
		"visit_url": notify.visit_link(appointment, token),
	}


# --- managing a booking ---------------------------------------------------------------


@frappe.whitelist(allow_guest=True, methods=["GET"])
@limit(60, 600)
def get_booking(token: str) -> dict:
	appointment, p = by_token(token)
	doctor = frappe.db.get_value("Healthcare Practitioner", appointment.practitioner, "practitioner_name")
	deadline = service.cancellation_deadline(appointment, p)
	return {
		"reference": appointment.custom_booking_reference,
		"practice_name": p.practice_name,
		"slug": p.slug,
		"brand_color": p.brand_color,
		"logo": p.logo,
		"practitioner_name": doctor,
		"appointment_date": str(appointment.appointment_date),
		"appointment_time": availability._as_time(appointment.appointment_time).strftime("%H:%M"),
		"duration": appointment.duration,
		"status": appointment.status,
		"timezone": p.timezone,
		"can_cancel": service.can_cancel(appointment, p),
		"can_reschedule": bool(
			service.can_cancel(appointment, p) and p.status == "Active" and p.allow_online_booking
		),
		"cancel_until": deadline.strftime("%Y-%m-%d %H:%M"),
		"max_days_ahead": p.max_days_ahead,
		"visit_url": notify.visit_link(appointment, token),
	}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limit(30, 600)
def cancel_booking(token: str, reason: str | None = None) -> dict:
	appointment, p = by_token(token)
	if appointment.status == "Cancelled":
		return get_booking(token)
	if not service.can_cancel(appointment, p):
		frappe.throw(
			_("This appointment can no longer be cancelled online. Please call the practice."),
			frappe.ValidationError,
			title=_("Too Late to Cancel"),
		)
	try:
		reason = booking_rules.clean_notes(reason)
	except BookingInputError as e:
		bad("reason", _(str(e)))
	service.cancel(appointment, reason or None)
	notify.tell_practitioner(p, appointment, "cancelled")
	return get_booking(token)


@frappe.whitelist(allow_guest=True, methods=["GET"])
@limit(60, 600)
def get_reschedule_times(token: str, from_date: str, to_date: str | None = None) -> dict:
	"""Free times the booking could move to: its doctor, its length, under the same rules
	as a new booking (the booking's own time counts as free)."""
	appointment, p = by_token(token)
	p = _changeable(appointment, p)
	start = _date(from_date, "from_date")
	end = _date(to_date, "to_date") if to_date else start
	if end < start or (end - start).days + 1 > MAX_RANGE_DAYS:
		bad("to_date", _("Ask for at most {0} days at a time.").format(MAX_RANGE_DAYS))
	avail = availability.compute(
		p,
		appointment.practitioner,
		start,
		end,
		duration=int(appointment.duration or 0) or None,
		exclude=appointment.name,
	)
	return {
		"timezone": p.timezone,
		"days": {
			day.isoformat(): [{"time": s.time, "duration": s.duration} for s in slots]
			for day, slots in sorted(avail.days.items())
		},
	}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limit(20, 600)
def reschedule_booking(token: str, appointment_date: str, appointment_time: str) -> dict:
	"""Move the booking to another free time of the same doctor: the same rules and checks
	as a booking; the new time is taken and the old one freed in one transaction, and the
	manage link stays the same."""
	appointment, p = by_token(token)
	p = _changeable(appointment, p)
	try:
		day = booking_rules.parse_date(appointment_date)
		at = booking_rules.parse_time(appointment_time)
	except BookingInputError as e:
		bad(e.field, _(str(e)))
	check_window(p, day)
	doctor = bookable_practitioner(p, appointment.practitioner)
	was = availability.appointment_start(appointment)

	def attempt():
		moved = service.reschedule(p, appointment.name, day, at)
		tell(p, moved, doctor, token, notify.patient_contact(p, moved), "rescheduled", was)

	past_deadlocks(attempt)
	return get_booking(token)


# --- helpers --------------------------------------------------------------------------


def _practice(slug: str):
	return _known(booking_practice.get_by_slug(slug))


def _known(p):
	if not p or p.status == "Inactive":
		frappe.throw(_("Practice not found"), frappe.DoesNotExistError)
	notify.use_language(p)
	return p


def _open_practice(slug: str):
	return check_open(_practice(slug))


def check_open(p):
	if not p.is_open:
		frappe.throw(
			_("{0} does not take online bookings at the moment.").format(p.practice_name),
			service.BookingClosedError,
		)
	return p


def bookable_practitioner(p, practitioner: str):
	rows = availability.get_bookable_practitioners(p.name, practitioner) if practitioner else []
	if not rows:
		frappe.throw(_("Practitioner not found"), frappe.DoesNotExistError)
	return rows[0]


def tell(p, appointment, doctor, token: str, person, event: str, was=None) -> None:
	"""The practitioner's notification and the patient's confirmation of a booking or a move."""
	notify.tell_practitioner(p, appointment, event, *([was] if was else []))
	try:
		notify.send_confirmation(p, appointment, doctor.practitioner_name, token, person)
	except notify.MessageNotSentError:
		frappe.clear_last_message()  # the booking stands; the practice sees it in Desk


def past_deadlocks(attempt):
	"""``attempt()``, once more (up to BOOKING_TRIES in all) when the database chose it to
	give way to a parallel booking: afresh, with the slot re-checked under the lock."""
	for n in range(1, BOOKING_TRIES + 1):
		try:
			with service.booking_transaction():
				return attempt()
		except frappe.QueryDeadlockError:
			frappe.db.rollback()
			if n == BOOKING_TRIES:
				raise
			time.sleep(random.uniform(0.02, 0.1) * n)


def visit_type(p, appointment_type: str | None) -> tuple[str | None, int | None]:
	"""(appointment type, its length) for a booking: one of the practice's online types
	(the first when none is named); where the practice lists none, any type bookable with
	a practitioner, as long as each schedule slot."""
	types = p.visit_types(offered=False)
	if not types:
		if appointment_type and not frappe.db.exists(
			"Appointment Type", {"name": appointment_type, "allow_booking_for": "Practitioner"}
		):
			bad("appointment_type", _("Unknown appointment type."))
		check_video_offered(p, appointment_type)
		return appointment_type, None
	chosen = next((t for t in types if t.appointment_type == appointment_type), None)
	if appointment_type and not chosen:
		bad("appointment_type", _("Unknown appointment type."))
	chosen = chosen or next(iter(p.visit_types()), None) or types[0]
	check_video_offered(p, chosen.appointment_type)
	return chosen.appointment_type, chosen.duration or None


def check_video_offered(p, appointment_type: str | None) -> None:
	"""A video visit only where the practice has a video server to hold its room."""
	if video.is_video(appointment_type) and not p.video_server():
		bad(
			"appointment_type",
			_(
				"Video visits are not available at {0} at the moment. Please choose another reason "
				"for the visit, or call the practice."
			).format(p.practice_name),
		)


def _identifier(p, email: str | None, mobile: str | None):
	"""(the identifier to verify, the e-mail, the mobile): the e-mail address, or with SMS
	verification the mobile number (a mobile of the practice's countries, in E.164)."""
	clean_email = otp_core.normalise_email(email) if email else None
	if email and not clean_email:
		bad("email", _("Please enter a valid e-mail address."))
	if p.by_sms:
		if not mobile:
			bad("mobile", _("Please enter your mobile number."))
		number = clean_mobile(p, mobile)
		return number, clean_email, number
	number = otp_core.normalise_mobile(mobile) if mobile else None
	if mobile and not number:
		bad("mobile", _("Please enter a valid mobile number, e.g. +4915112345678."))
	if not clean_email:
		bad("email", _("Please enter your e-mail address."))
	return clean_email, clean_email, number


def check_window(p, day: date) -> None:
	today = p.now().date()
	if day < today:
		bad("appointment_date", _("This date is in the past."))
	if day > today + timedelta(days=p.max_days_ahead or 0):
		bad("appointment_date", _("Bookings open up to {0} days ahead.").format(p.max_days_ahead))


def _date(value: str, field: str) -> date:
	try:
		return booking_rules.parse_date(value, field)
	except BookingInputError as e:
		bad(e.field, _(str(e)))


def bad(field: str, message: str):
	"""400 for the input ``field``: the answer names the field (``invalid_field``), so that a
	form shows the message next to it."""
	frappe.local.response["invalid_field"] = field
	frappe.throw(
		message, BadBookingRequest, title=_("Please check {0}").format(_(field.replace("_", " ").title()))
	)


def by_token(token: str):
	appointment = service.get_by_token(token)
	if not appointment:
		frappe.throw(_("Booking not found"), frappe.DoesNotExistError)
	p = booking_practice.get_practices({"name": appointment.custom_practice}, limit=1)[0]
	notify.use_language(p)
	if p.now() > service.token_expiry(appointment):
		frappe.throw(_("Booking not found"), frappe.DoesNotExistError)
	return appointment, p


def _changeable(appointment, p):
	"""The practice of a booking the patient may still move: open for online booking,
	and before the cancellation cut-off."""
	if not service.can_cancel(appointment, p):
		frappe.throw(
			_("This appointment can no longer be changed online. Please call the practice."),
			frappe.ValidationError,
			title=_("Too Late to Change"),
		)
	return check_open(p)
