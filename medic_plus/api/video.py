"""Video visits: the patient's side on /visit (by the visit's manage link: its state, the
telemedicine consent, and the room once the doctor is in), and the doctor's door from the
appointment or the encounter in Desk."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from medic_plus.api.booking import by_token
from medic_plus.booking import availability, video
from medic_plus.booking.guard import limit
from medic_plus.core import video as core
from medic_plus.medic_plus.doctype.patient_consent import patient_consent as consent
from medic_plus.tenancy.context import practices_for

PURPOSE = "Telemedicine"


class VisitNotOpenError(frappe.ValidationError):
	"""The visit's room is not open: too early, awaiting confirmation, or over."""

	http_status_code = 409


class ConsentMissingError(frappe.ValidationError):
	http_status_code = 403


# --- the patient (/visit) -----------------------------------------------------------------


@frappe.whitelist(allow_guest=True, methods=["GET"])
@limit(240, 600)
def get_visit(token: str) -> dict:
	"""What the visit page shows: the practice, the doctor, the time, the visit's state,
	whether the consent is on record and whether the doctor is in."""
	appointment, p = _visit(token)
	now = p.now()
	state = video.state(appointment, now)
	start = availability.appointment_start(appointment)
	return {
		"practice_name": p.practice_name,
		"slug": p.slug,
		"logo": p.logo,
		"brand_color": p.brand_color,
		"phone": p.phone,
		"practitioner_name": frappe.db.get_value(
			"Healthcare Practitioner", appointment.practitioner, "practitioner_name"
		),
		"appointment_date": str(appointment.appointment_date),
		"appointment_time": start.strftime("%H:%M"),
		"duration": appointment.duration,
		"timezone": p.timezone,
		"state": state,
		"opens_at": (start - core.EARLY).strftime("%Y-%m-%d %H:%M"),
		"consent_given": consent.has_consent(appointment.patient, PURPOSE),
		"doctor_in": state == "open" and video.doctor_in(appointment),
	}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limit(30, 600)
def give_consent(token: str) -> dict:
	"""The patient agrees to be seen by video: recorded once, as a Patient Consent of its own
	kind, with the time and the address it was given from."""
	appointment, p = _visit(token)
	if video.state(appointment, p.now()) in ("cancelled", "closed"):
		_not_open("closed")
	consent.record(appointment.patient, (PURPOSE,), "Portal", getattr(frappe.local, "request_ip", None))
	return get_visit(token)


@frappe.whitelist(allow_guest=True, methods=["GET"])
@limit(240, 600)
def join(token: str) -> dict:
	"""The room, once the door is open, the consent on record and the doctor in; until the
	doctor is in, ``waiting`` (the page asks again)."""
	appointment, p = _visit(token)
	now = p.now()
	if (state := video.state(appointment, now)) != "open":
		_not_open(state)
	if not consent.has_consent(appointment.patient, PURPOSE):
		frappe.throw(
			_("Please agree to the video visit first."), ConsentMissingError, title=_("Consent Needed")
		)
	if not video.doctor_in(appointment):
		return {"waiting": True, "retry_after": 5}
	server = video.require_server(p.name, appointment.appointment_type)
	name = appointment.patient_name or _("Patient")
	return {
		"waiting": False,
		"url": video.participant_url(appointment, server, name, None, False, now, p.timezone),
	}


def _visit(token: str):
	"""The video visit behind a manage link, in the practice's language; anything else
	answers as not found."""
	appointment, p = by_token(token)
	if not appointment.custom_video_room:
		frappe.throw(_("Video visit not found"), frappe.DoesNotExistError)
	return appointment, p


def _not_open(state: str):
	messages = {
		"early": _("The video visit opens ten minutes before its start. Please come back then."),
		"awaiting": _("The practice has not confirmed this visit yet."),
		"cancelled": _("This video visit was cancelled."),
		"closed": _("This video visit is over."),
	}
	frappe.throw(messages.get(state, messages["closed"]), VisitNotOpenError, title=_("Video Visit"))


# --- the doctor (Desk) --------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def doctor_join(appointment: str) -> dict:
	"""The doctor's way into the visit's room (as its moderator); the patient's page lets
	the patient in from now on."""
	doc = frappe.get_doc("Patient Appointment", appointment)
	doc.check_permission("read")
	if doc.custom_practice not in practices_for("Patient Encounter", "create"):
		frappe.throw(_("Only the practice's doctors join video visits."), frappe.PermissionError)
	if not doc.custom_video_room:
		frappe.throw(_("This appointment is not a video visit."), frappe.ValidationError)
	from medic_plus.booking.practice import get_practices

	p = get_practices({"name": doc.custom_practice}, limit=1)[0]
	now = p.now()
	if (state := video.state(doc, now)) != "open":
		_not_open(state)
	server = video.require_server(p.name, doc.appointment_type)
	user = frappe.get_cached_value("User", frappe.session.user, ["full_name", "email"])
	url = video.participant_url(doc, server, user[0] or frappe.session.user, user[1], True, now, p.timezone)
	if not video.doctor_in(doc):
		doc.db_set("custom_video_doctor_joined_on", now_datetime(), update_modified=False)
	return {"url": url}
