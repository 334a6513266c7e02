"""Video visits, Frappe side: which appointment types are video visits, the Jitsi Meet
server a practice's visits take place on, a visit's room on its appointment, and the
addresses the patient and the doctor join by. The rules themselves (the room, the door,
the token) are pure code in ``core/video.py``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import get_url
from frappe.utils.password import get_decrypted_password, get_encryption_key

from medic_plus.booking.availability import appointment_start
from medic_plus.core import video as core

SETTINGS = "Medic Plus Settings"


class VideoNotSetUpError(frappe.ValidationError):
	"""A video appointment type chosen where no Jitsi server is set up."""


@dataclass(frozen=True)
class Server:
	url: str
	app_id: str | None = None
	secret: str | None = None

	@property
	def domain(self) -> str:
		from urllib.parse import urlsplit

		return urlsplit(self.url).hostname or ""


def is_video(appointment_type: str | None) -> bool:
	return bool(
		appointment_type
		and frappe.get_cached_value("Appointment Type", appointment_type, "custom_video_visit")
	)


def server_for(practice: str | None) -> Server | None:
	"""The practice's own Jitsi server, else the platform's, else None."""
	if practice:
		own = frappe.get_cached_value("Practice", practice, ["video_server_url", "video_app_id"])
		if own and own[0]:
			return _server("Practice", practice, *own)
	url, app_id = (frappe.db.get_single_value(SETTINGS, f) for f in ("video_server_url", "video_app_id"))
	return _server(SETTINGS, SETTINGS, url, app_id) if url else None


def _server(doctype: str, name: str, url: str, app_id: str | None) -> Server:
	secret = (
		get_decrypted_password(doctype, name, "video_app_secret", raise_exception=False) if app_id else None
	)
	return Server(url.rstrip("/"), app_id or None, secret)


def not_set_up_message(appointment_type: str) -> str:
	return _(
		"{0} is a video visit, and no video server is set up for this practice: a practice admin "
		"enters a Jitsi Meet server under Video Visits in the practice's settings, or the platform "
		"sets one for every practice in Medic Plus Settings."
	).format(frappe.bold(appointment_type))


def require_server(practice: str | None, appointment_type: str) -> Server:
	if server := server_for(practice):
		return server
	frappe.throw(not_set_up_message(appointment_type), VideoNotSetUpError, title=_("No Video Server"))


def check_server_fields(doc) -> None:
	"""A Practice or Medic Plus Settings: the server address is an https address, and an app
	id comes with its secret."""
	try:
		doc.video_server_url = core.clean_server(doc.video_server_url)
	except ValueError:
		frappe.throw(
			_("Please enter the Jitsi Meet server as an https address, e.g. https://meet.example.org."),
			frappe.ValidationError,
			title=_("Jitsi Meet Server"),
		)
	if doc.video_app_id and not doc.video_app_secret:
		frappe.throw(
			_("A JWT app id needs its app secret: the server refuses unsigned participants."),
			frappe.ValidationError,
			title=_("JWT App Secret"),
		)


# --- the room on the appointment ---------------------------------------------------------


def set_room(doc, method=None) -> None:
	"""Patient Appointment validate: a video visit has its room (another one once it moves:
	the doctor joins afresh); a new video visit, or a visit turned into one, needs a server."""
	if not is_video(doc.appointment_type):
		doc.custom_video_room = None
		doc.custom_video_doctor_joined_on = None
		return
	if doc.is_new() or doc.has_value_changed("appointment_type"):
		require_server(doc.get("custom_practice"), doc.appointment_type)
	room = room_of(doc)
	if doc.custom_video_room != room:
		doc.custom_video_room = room
		doc.custom_video_doctor_joined_on = None


def room_of(appointment) -> str:
	return core.room_name(get_encryption_key(), appointment.name, appointment_start(appointment))


def state(appointment, now: datetime) -> str:
	"""'cancelled', 'awaiting' (the practice has not confirmed it yet), 'closed' (finished,
	a no-show, or past), 'early' or 'open'."""
	if appointment.status == "Cancelled":
		return "cancelled"
	start = appointment_start(appointment)
	minutes = int(appointment.duration or 0)
	if not core.link_alive(appointment.status, start, minutes, now):
		return "closed"
	if appointment.get("custom_awaiting_approval"):
		return "awaiting"
	return core.door(start, minutes, now)


def doctor_in(appointment) -> bool:
	"""Whether the doctor has joined the visit's current room."""
	return bool(
		appointment.custom_video_doctor_joined_on and appointment.custom_video_room == room_of(appointment)
	)


def participant_url(
	appointment, server: Server, name: str, email: str | None, moderator: bool, now: datetime, tz: str
) -> str:
	"""The room's address for one participant: with a token (moderator or not) where the
	server checks them, living until the door closes at most; the name shown in the room
	in the address's fragment (which never reaches the server's logs). ``now``: the
	practice's wall-clock time, in its time zone ``tz``."""
	room = room_of(appointment)
	jwt = None
	if server.app_id and server.secret:
		start = appointment_start(appointment)
		life = core.token_life(start, int(appointment.duration or 0), now)
		moment = now.replace(tzinfo=ZoneInfo(tz or "UTC"))
		jwt = core.token(
			server.app_id, server.secret, server.domain, room, name, email, moderator, moment, life
		)
	fragment = "userInfo.displayName=" + quote(json.dumps(name)) + "&config.prejoinPageEnabled=false"
	return core.join_url(server.url, room, jwt) + "#" + fragment


def visit_url(token: str) -> str:
	"""The patient's door to a video visit: the page that asks for the consent and waits."""
	return get_url(f"/visit?token={token}")
