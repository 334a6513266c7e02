"""The practice as the booking sees it: one row, loaded once per request (by its public
slug, its name, or from Frappe's document cache), that knows its own clock, its booking
rules and the visit types it offers online. An endpoint loads it and hands it down to
availability, the booking service, notifications and the jobs; none of them comes back
here for a piece of it."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from urllib.parse import quote_plus

import frappe
from frappe import _
from frappe.query_builder import Parameter

from medic_plus.core.slots import Rules
from medic_plus.tenancy import clock

FIELDS = (
	"name",
	"practice_name",
	"slug",
	"short_code",
	"status",
	"allow_online_booking",
	"require_approval",
	"timezone",
	"default_duration",
	"buffer_minutes",
	"min_notice_minutes",
	"max_days_ahead",
	"cancel_cutoff_minutes",
	"verification_channel",
	"company",
	"logo",
	"brand_color",
	"email",
	"phone",
	"address",
	"map_link",
	"reminder_hours",
	"send_sms_reminders",
	"no_show_grace_minutes",
	"country",
	"sms_countries",
	"max_open_bookings",
	"notify_practitioner_by_email",
	"language",
)


class BookingPractice(frappe._dict):
	"""A Practice row (FIELDS) with what the booking asks of it."""

	def now(self) -> datetime:
		"""The practice's wall-clock time now."""
		return clock.now_at(self.timezone)

	@property
	def rules(self) -> Rules:
		return Rules(
			buffer=self.buffer_minutes or 0,
			notice=self.min_notice_minutes or 0,
			horizon_days=self.max_days_ahead or 0,
		)

	@property
	def is_open(self) -> bool:
		"""Whether it takes online bookings now."""
		return bool(self.status == "Active" and self.allow_online_booking)

	@property
	def by_sms(self) -> bool:
		"""Whether a booking's code goes out by text message (else by e-mail)."""
		return self.verification_channel == "SMS"

	def public(self) -> dict:
		"""What anyone may read of the practice: its name, branding, contact and clock."""
		return {
			"practice_name": self.practice_name,
			"slug": self.slug,
			"logo": self.logo,
			"brand_color": self.brand_color,
			"email": self.email,
			"phone": self.phone,
			"timezone": self.timezone,
			"address": self.address,
			"map_url": self.map_url,
		}

	@property
	def map_url(self) -> str | None:
		"""The practice's map link, else an OpenStreetMap search for its address."""
		if self.map_link:
			return self.map_link
		if self.address:
			return "https://www.openstreetmap.org/search?query=" + quote_plus(" ".join(self.address.split()))
		return None

	def visit_types(self, offered: bool = True) -> list[frappe._dict]:
		"""The reasons for a visit the practice offers online, in its order, each with its
		length in minutes (the row's, else the appointment type's default) and whether it is
		a video visit; read once. ``offered``: without the video visits while no video server
		is set up."""
		if "_visit_types" not in self.__dict__:
			row = frappe.qb.DocType("Practice Appointment Type")
			kind = frappe.qb.DocType("Appointment Type")
			self.__dict__["_visit_types"] = [
				frappe._dict(
					appointment_type=r.appointment_type,
					duration=int(r.duration or r.default_duration or 0),
					video=bool(r.custom_video_visit),
				)
				for r in (
					frappe.qb.from_(row)
					.join(kind)
					.on(kind.name == row.appointment_type)
					.select(
						row.appointment_type, row.duration, kind.default_duration, kind.custom_video_visit
					)
					.where((row.parent == self.name) & (row.parenttype == "Practice"))
					.orderby(row.idx)
					.run(as_dict=True)
				)
			]
		types = self.__dict__["_visit_types"]
		if offered and any(t.video for t in types) and not self.video_server():
			return [t for t in types if not t.video]
		return types

	def public_visit_types(self) -> list[dict]:
		"""The visit types as the booking page and its API show them."""
		return [
			{
				"appointment_type": t.appointment_type,
				"label": _(t.appointment_type),
				"duration": t.duration,
				"video": t.video,
			}
			for t in self.visit_types()
		]

	def video_server(self):
		"""The Jitsi server the practice's video visits take place on, or None; read once."""
		if "_video_server" not in self.__dict__:
			from medic_plus.booking import video

			self.__dict__["_video_server"] = video.server_for(self.name)
		return self.__dict__["_video_server"]


def get_practices(filters: dict, limit: int = 0) -> list[BookingPractice]:
	"""Practices as the booking, the jobs and the reports read them."""
	return [
		BookingPractice(row)
		for row in frappe.get_all("Practice", filters=filters, fields=list(FIELDS), limit=limit)
	]


def get_by_slug(slug: str) -> BookingPractice | None:
	"""The practice behind a public slug (any status), or None. Every public request asks
	it first: one fixed query, built once per process."""
	slug = (slug or "").strip().lower()
	if not slug or len(slug) > 63:
		return None
	rows = frappe.db.sql(_by_slug_query(), {"slug": slug}, as_dict=True)
	return BookingPractice(rows[0]) if rows else None


def from_doc(doc) -> BookingPractice:
	"""The practice from its document (Frappe's document cache keeps it exact)."""
	return BookingPractice({field: doc.get(field) for field in FIELDS})


@cache
def _by_slug_query() -> str:
	practice = frappe.qb.DocType("Practice")
	return (
		frappe.qb.from_(practice)
		.select(*(practice[f] for f in FIELDS))
		.where(practice.slug == Parameter("%(slug)s"))
		.limit(1)
		.get_sql()
	)
