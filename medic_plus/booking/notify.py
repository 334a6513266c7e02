"""Messages to patients: the booking code, the confirmation with its .ics, by e-mail
(queued through Frappe's Email Queue) or SMS (through SMS Settings, after commit); and
to the practitioner, of what patients did online."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache

import frappe
from frappe import _
from frappe.utils import get_url

from medic_plus.booking.availability import appointment_start
from medic_plus.core import erasure, ics


class MessageNotSentError(frappe.ValidationError):
	http_status_code = 503


@contextmanager
def in_language(practice):
	"""Speak the practice's language inside (its booking pages, its messages to patients)."""
	previous = frappe.local.lang
	frappe.local.lang = practice.language or previous
	try:
		yield
	finally:
		frappe.local.lang = previous


def use_language(practice) -> None:
	"""The rest of this request speaks the practice's language."""
	if practice.language:
		frappe.local.lang = practice.language


def public_page(context, practice) -> bool:
	"""A practice's public page (booking, privacy): not cached, no sidebar; an unknown or
	inactive practice is "not found" (404); else the page speaks the practice's language."""
	context.no_cache = 1
	context.show_sidebar = False
	context.found = bool(practice and practice.status != "Inactive")
	if not context.found:
		context.http_status_code = 404
		context.title = _("Practice not found")
		return False
	use_language(practice)
	return True


def booking_page(context, token: str) -> None:
	"""A patient's page of one booking (by its manage token): it speaks the practice's
	language, in its answer and in Frappe's page boot (``<html lang>``)."""
	from medic_plus.booking.practice import get_practices
	from medic_plus.booking.service import get_by_token

	context.no_cache = 1
	if appointment := get_by_token(token):
		practice = get_practices({"name": appointment.custom_practice}, limit=1)
		practice and use_language(practice[0])
		if context.get("boot"):  # made before this
			context.boot["lang"] = frappe.local.lang


def page_messages(*scripts: str) -> dict[str, str]:
	"""The translations, in the request's language, of the messages of the booking pages'
	scripts, for ``frappe._messages`` on a page without Desk's translation boot."""
	from frappe.translate import get_all_translations

	if not frappe.local.lang or frappe.local.lang == "en":
		return {}
	translations = get_all_translations(frappe.local.lang)
	return {m: translations[m] for script in scripts for m in _script_messages(script) if m in translations}


@lru_cache(maxsize=8)
def _script_messages(script: str) -> tuple[str, ...]:
	from frappe.translate import get_messages_from_file

	path = frappe.get_app_path("medic_plus", "public", "js", script)
	return tuple(message[1] for message in get_messages_from_file(path))


def manage_url(token: str) -> str:
	return get_url(f"/book/manage?token={token}")


def send_code(practice, code: str, email: str | None, mobile: str | None) -> None:
	if practice.verification_channel == "SMS" and mobile:
		message = _("{0} booking code: {1}. It is valid for 10 minutes.").format(practice.practice_name, code)
		_queue_sms(mobile, message)
		return
	_sendmail(
		practice,
		email,
		subject=_("Your booking code for {0}").format(practice.practice_name),
		template="medic_plus_booking_code",
		args={"practice": practice, "code": code},
	)


def send_portal_code(kind: str, identifier: str, code: str) -> None:
	"""A patient portal's sign-in code, to the address or number being verified."""
	from medic_plus.core.otp import POLICY

	minutes = POLICY.ttl // 60
	if kind == "mobile":
		_queue_sms(
			identifier,
			_("Your patient portal code: {0}. It is valid for {1} minutes.").format(code, minutes),
		)
		return
	try:
		frappe.sendmail(
			recipients=[identifier],
			subject=_("Your patient portal code"),
			template="medic_plus_portal_code",
			args={"code": code, "minutes": minutes},
			delayed=True,
		)
	except frappe.OutgoingEmailError:
		frappe.log_error(title="medic_plus: no outgoing e-mail account for portal codes")
		frappe.throw(_("We cannot send e-mail right now. Please try again later."), MessageNotSentError)


def send_confirmation(practice, appointment, practitioner_name: str, token: str, person) -> None:
	"""The confirmation goes only to what the person proved they hold: the verified e-mail
	(with the .ics), or by SMS the verified mobile number."""
	start = appointment_start(appointment)
	join = visit_link(appointment, token)
	if person.verified == "mobile":
		if join:
			text = _("{0}: video visit {1} with {2} on {3}. Join: {4}")
		else:
			text = _("{0}: appointment {1} with {2} on {3}. Manage: {4}")
		_queue_sms(
			person.mobile,
			text.format(
				practice.practice_name,
				appointment.custom_booking_reference,
				practitioner_name,
				start.strftime("%d.%m. %H:%M"),
				join or manage_url(token),
			),
		)
		return
	description = _("Reference {0}. Manage or cancel: {1}").format(
		appointment.custom_booking_reference, manage_url(token)
	)
	if join:
		description = _("Join the video visit: {0}").format(join) + "\n" + description
	event = ics.event(
		uid=f"{appointment.name}@{frappe.local.site}",
		start_local=start,
		duration_minutes=int(appointment.duration or 0),
		tz=practice.timezone or "UTC",
		summary=(_("Video visit with {0}") if join else _("Appointment with {0}")).format(practitioner_name),
		location=join
		or " ".join(filter(None, [practice.practice_name, (practice.address or "").replace("\n", ", ")])),
		description=description,
		url=join or "",
	)
	_sendmail(
		practice,
		person.email,
		subject=_("Your appointment at {0}: {1}").format(
			practice.practice_name, appointment.custom_booking_reference
		),
		template="medic_plus_booking_confirmation",
		args=_appointment_args(practice, appointment, practitioner_name, start, token),
		attachments=[{"fname": "appointment.ics", "fcontent": event}],
		reference_doctype="Patient Appointment",
		reference_name=appointment.name,
	)


def _appointment_args(practice, appointment, practitioner_name: str, start: datetime, token: str) -> dict:
	return {
		"practice": practice,
		"appointment": appointment,
		"practitioner_name": practitioner_name,
		"start": start,
		"manage_url": manage_url(token),
		"visit_url": visit_link(appointment, token),
	}


def visit_link(appointment, token: str) -> str | None:
	"""A video visit's join page (its confirmation, reminders and calendar entry carry it)."""
	from medic_plus.booking.video import visit_url

	return visit_url(token) if appointment.get("custom_video_room") else None


def _sendmail(practice, recipient: str | None, **kwargs) -> None:
	if not recipient:
		return
	try:
		frappe.sendmail(recipients=[recipient], reply_to=practice.email or None, delayed=True, **kwargs)
	except frappe.OutgoingEmailError:
		frappe.log_error(title="medic_plus: no outgoing e-mail account")
		frappe.throw(
			_("The practice cannot send e-mail right now. Please call the practice."), MessageNotSentError
		)


@contextmanager
def outbox():
	"""Hold the text messages queued inside: a job sends them with ``send_later`` once its
	work has committed, and drops them when it rolls back."""
	previous = frappe.flags.medic_plus_outbox
	frappe.flags.medic_plus_outbox = messages = []
	try:
		yield messages
	finally:
		frappe.flags.medic_plus_outbox = previous


def send_later(messages: list[dict]) -> None:
	for message in messages:
		_enqueue_sms(**message)


def _queue_sms(mobile: str, message: str) -> None:
	"""A text message, sent only once the current work has committed."""
	if (held := frappe.flags.medic_plus_outbox) is not None:
		held.append({"mobile": mobile, "message": message})
		return
	frappe.db.after_commit.add(lambda: _enqueue_sms(mobile, message))


def _enqueue_sms(mobile: str, message: str) -> None:
	"""Into the queue for a worker; when the queue's Redis is down, the work it belongs to
	has committed already: the message goes now rather than never (and a request that
	committed a booking never ends in an error for it)."""
	import redis

	try:
		frappe.enqueue(
			"medic_plus.booking.notify.send_sms_now", queue="short", mobile=mobile, message=message
		)
	except redis.exceptions.RedisError:
		try:
			send_sms_now(mobile, message)
		except Exception:
			frappe.log_error(title="medic_plus: a text message could neither be queued nor sent")


def send_sms_now(mobile: str, message: str) -> None:
	from frappe.core.doctype.sms_settings.sms_settings import send_sms

	send_sms([mobile], message, success_msg=False)


def _textable(practice, mobile: str | None) -> str | None:
	"""The number in E.164 when it is a mobile of the practice's countries, else None."""
	from medic_plus.booking.guard import sms_regions
	from medic_plus.core import phone

	try:
		return phone.check_mobile(mobile, sms_regions(practice)) if mobile else None
	except phone.PhoneError:
		return None


def send_reminder(practice, appointment, token: str) -> None:
	"""The reminder: e-mail with the manage link, and an SMS where the practice wants one,
	each only to a patient whose consent to that channel is in force."""
	from medic_plus.medic_plus.doctype.patient_consent.patient_consent import has_consent

	email, mobile, record_status = frappe.db.get_value(
		"Patient", appointment.patient, ["email", "mobile", "custom_record_status"]
	)
	if not erasure.is_open(record_status):  # restricted at the patient's request: no messages
		return
	start = appointment_start(appointment)
	practitioner_name = frappe.db.get_value(
		"Healthcare Practitioner", appointment.practitioner, "practitioner_name"
	)
	if not has_consent(appointment.patient, "E-mail"):
		email = None
	if not has_consent(appointment.patient, "SMS"):
		mobile = None
	_sendmail(
		practice,
		email,
		subject=_("Reminder: your appointment at {0}").format(practice.practice_name),
		template="medic_plus_appointment_reminder",
		args=_appointment_args(practice, appointment, practitioner_name, start, token),
		reference_doctype="Patient Appointment",
		reference_name=appointment.name,
	)
	if practice.send_sms_reminders and mobile and (number := _textable(practice, mobile)):
		mobile = number
		join = visit_link(appointment, token)
		if join:
			text = _("Reminder: video visit, {0} with {1} on {2}. Join: {3}")
		else:
			text = _("Reminder: {0} with {1} on {2}. Manage: {3}")
		_queue_sms(
			mobile,
			text.format(
				practice.practice_name,
				practitioner_name,
				start.strftime("%d.%m. %H:%M"),
				join or manage_url(token),
			),
		)


# --- to the practice ----------------------------------------------------------------


def tell_practitioner(practice, appointment, what: str, was: datetime | None = None) -> None:
	"""Tell the appointment's practitioner of an online booking ("booked"), cancellation
	("cancelled") or move ("rescheduled"): a Desk notification, and an e-mail where the
	practice asks for it."""
	user = practitioner_user(practice.name, appointment.practitioner)
	if not user:
		return
	patient = appointment.patient_name or appointment.patient
	when = appointment_start(appointment).strftime("%d.%m.%Y %H:%M")
	if what == "booked":
		subject = _("Booked online: {0} on {1}").format(patient, when)
	elif what == "cancelled":
		subject = _("Cancelled online: {0} on {1}").format(patient, when)
	else:
		subject = _("Moved online: {0}, now on {1} (was {2})").format(
			patient, when, was.strftime("%d.%m.%Y %H:%M") if was else ""
		)
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"from_user": "Administrator",
			"type": "Alert",  # Frappe e-mails no alert: the practice's setting decides
			"document_type": "Patient Appointment",
			"document_name": appointment.name,
			"subject": subject,
		}
	).insert(ignore_permissions=True)
	if practice.notify_practitioner_by_email:
		_sendmail(
			practice,
			frappe.db.get_value("User", user, "email"),
			subject=subject,
			message=subject,
			reference_doctype="Patient Appointment",
			reference_name=appointment.name,
		)


def practitioner_user(practice: str, practitioner: str | None) -> str | None:
	"""The user behind the practitioner: their membership of the practice, else the
	practitioner's own user."""
	if not practitioner:
		return None
	return frappe.db.get_value(
		"Practice Member",
		{"practice": practice, "practitioner": practitioner, "is_active": 1},
		"user",
	) or frappe.db.get_value("Healthcare Practitioner", practitioner, "user_id")


def patient_contact(practice, appointment) -> frappe._dict:
	"""Where a booking's patient is told of a change: the channel the practice verifies
	bookings by, at the patient's address or number on record."""
	email, mobile = frappe.db.get_value("Patient", appointment.patient, ["email", "mobile"]) or (None, None)
	if practice.verification_channel == "SMS" and _textable(practice, mobile):
		return frappe._dict(verified="mobile", mobile=mobile, email=None)
	return frappe._dict(verified="email", email=email, mobile=None)
