"""Video visits on a real site: booked on /book like any visit, the telemedicine consent
recorded once, the waiting room, each participant's Jitsi token signed with the configured
key and expiring with the visit, the link dead once the visit is cancelled, moved or
finished, and no video visit without a server.

Fixture: practice iso-book (fixtures.py), an appointment type "ISO Video Consult" marked
as a video visit, and the platform's Jitsi server set in Medic Plus Settings."""

from __future__ import annotations

import quopri
from datetime import datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

import frappe
from frappe.utils import add_days

from medic_plus.api import booking as api
from medic_plus.api import video as visit_api
from medic_plus.booking import notify, service, video
from medic_plus.booking.practice import get_practices
from medic_plus.core import video as core
from medic_plus.tests.fixtures import BOOKING_TZ
from medic_plus.tests.test_booking import BookingTestCase
from medic_plus.tests.utils import mails, new_mail

VIDEO_TYPE = "ISO Video Consult"
SERVER = "https://meet.example.org"
APP_ID = "medic-plus-test"
SECRET = "jitsi-shared-secret-for-tests"


def ensure_video_type() -> str:
	if not frappe.db.exists("Appointment Type", VIDEO_TYPE):
		frappe.get_doc(
			{
				"doctype": "Appointment Type",
				"appointment_type": VIDEO_TYPE,
				"default_duration": 20,
				"allow_booking_for": "Practitioner",
				"custom_video_visit": 1,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: test fixture, outside any request
	return VIDEO_TYPE


def set_platform_server(url: str | None, app_id: str | None = APP_ID, secret: str | None = SECRET) -> None:
	settings = frappe.get_single("Medic Plus Settings")
	settings.video_server_url = url
	settings.video_app_id = app_id if url else None
	settings.video_app_secret = secret if url else None
	settings.flags.ignore_permissions = True
	settings.save()


def plain(mail) -> str:
	"""A queued e-mail's text, its quoted-printable and folded lines undone."""
	return quopri.decodestring(mail.message).decode("utf-8", "replace").replace("\r\n ", "")


class VideoTestCase(BookingTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		ensure_video_type()

	def setUp(self):
		super().setUp()
		frappe.set_user("Administrator")
		set_platform_server(SERVER)
		frappe.set_user("Guest")

	def book_video(self, time="10:00", **values):
		res = self.book(time=time, appointment_type=VIDEO_TYPE, **values)
		frappe.set_user("Administrator")
		name = frappe.db.get_value("Patient Appointment", {"custom_booking_reference": res["reference"]})
		token = service.manage_token(name)
		frappe.set_user("Guest")
		return res, name, token

	def at(self, name: str, minutes: int):
		"""The practice's clock ``minutes`` after the appointment's start (a patch)."""
		doc = frappe.db.get_value(
			"Patient Appointment", name, ["appointment_date", "appointment_time"], as_dict=True
		)
		start = datetime.combine(doc.appointment_date, datetime.min.time()) + doc.appointment_time
		moment = (start + timedelta(minutes=minutes)).replace(tzinfo=ZoneInfo(BOOKING_TZ))
		return patch("medic_plus.tenancy.clock.utcnow", return_value=moment.astimezone(ZoneInfo("UTC")))

	def appointment(self, name: str):
		frappe.set_user("Administrator")
		doc = frappe.get_doc("Patient Appointment", name)
		frappe.set_user("Guest")
		return doc


class TestVideoBooking(VideoTestCase):
	def test_a_video_visit_booked_on_book_gets_its_room_and_join_link(self):
		before = mails()
		res, name, token = self.book_video()
		self.assertEqual(res["visit_url"], video.visit_url(token))
		doc = self.appointment(name)
		self.assertEqual(doc.custom_video_room, video.room_of(doc))
		self.assertTrue(doc.custom_video_room.startswith("mp-"))
		self.assertNotIn(name, doc.custom_video_room)
		frappe.set_user("Administrator")
		mail = new_mail(before, reference_name=name)
		text = plain(mail)
		self.assertIn(f"/visit?token={token}", text)
		self.assertIn("\r\nURL:" + video.visit_url(token) + "\r\n", text)
		self.assertIn("SUMMARY:Video visit with", text)
		self.assertEqual(api.get_booking(token)["visit_url"], res["visit_url"])

	def test_an_in_person_visit_has_no_room_and_no_visit_page(self):
		res = self.book(time="11:00")
		self.assertIsNone(res["visit_url"])
		frappe.set_user("Administrator")
		name = frappe.db.get_value("Patient Appointment", {"custom_booking_reference": res["reference"]})
		frappe.set_user("Guest")
		with self.assertRaises(frappe.DoesNotExistError):
			visit_api.get_visit(service.manage_token(name))
		with self.assertRaises(frappe.DoesNotExistError):
			visit_api.get_visit("not-a-token")

	def test_the_reminder_carries_the_join_link(self):
		_res, name, token = self.book_video(time="12:00")
		frappe.set_user("Administrator")
		appointment = frappe.get_doc("Patient Appointment", name)
		practice = get_practices({"name": appointment.custom_practice}, limit=1)[0]
		before = mails()
		notify.send_reminder(practice, appointment, token)
		mail = new_mail(before, reference_name=name)
		self.assertIn(f"/visit?token={token}", plain(mail))

	def test_without_a_server_the_video_type_cannot_be_chosen_and_the_message_says_why(self):
		frappe.set_user("Administrator")
		set_platform_server(None)
		frappe.set_user("Guest")
		with self.assertRaises(api.BadBookingRequest) as caught:
			self.book(time="13:00", appointment_type=VIDEO_TYPE)
		self.assertIn("Video visits are not available", str(caught.exception))
		frappe.set_user("Administrator")
		practice = frappe.get_doc("Practice", self.bf.practice)
		practice.append("appointment_types", {"appointment_type": VIDEO_TYPE})
		with self.assertRaises(video.VideoNotSetUpError) as caught:
			practice.save()
		self.assertIn("no video server is set up", str(caught.exception))
		with self.assertRaises(video.VideoNotSetUpError):
			frappe.get_doc(
				{
					"doctype": "Patient Appointment",
					"patient": frappe.db.get_value("Patient", {"custom_practice": self.bf.practice}),
					"practitioner": self.bf.doctor,
					"appointment_type": VIDEO_TYPE,
					"appointment_date": add_days(self.day, 1),
					"appointment_time": "09:00:00",
					"duration": 20,
					"custom_practice": self.bf.practice,
				}
			).insert()

	def test_a_practice_of_its_own_server_offers_video_where_the_platform_has_none(self):
		frappe.set_user("Administrator")
		set_platform_server(None)
		practice = frappe.get_doc("Practice", self.bf.practice)
		practice.video_server_url = "https://video.iso-book.example.org/"
		practice.video_app_id = "iso-book"
		practice.video_app_secret = "iso-book-secret"
		practice.save()
		self.assertEqual(practice.video_server_url, "https://video.iso-book.example.org")
		server = video.server_for(self.bf.practice)
		self.assertEqual(
			(server.url, server.app_id, server.secret),
			(practice.video_server_url, "iso-book", "iso-book-secret"),
		)
		for bad in ("http://video.example.org", "video.example.org", "https://x.org/?a=1"):
			practice.video_server_url = bad
			with self.assertRaises(frappe.ValidationError):
				practice.save()


class TestVideoRoom(VideoTestCase):
	def test_the_consent_is_asked_once_and_recorded_with_time_and_address(self):
		_res, name, token = self.book_video(time="14:00")
		patient = self.appointment(name).patient
		with self.at(name, -5):
			self.assertFalse(visit_api.get_visit(token)["consent_given"])
			with self.assertRaises(visit_api.ConsentMissingError):
				visit_api.join(token)
			frappe.local.request_ip = "198.51.100.7"
			try:
				self.assertTrue(visit_api.give_consent(token)["consent_given"])
				visit_api.give_consent(token)
			finally:
				frappe.local.request_ip = None
		frappe.set_user("Administrator")
		rows = frappe.get_all(
			"Patient Consent",
			filters={"patient": patient, "purpose": "Telemedicine"},
			fields=["status", "method", "client_ip", "given_on"],
		)
		self.assertEqual(len(rows), 1)
		self.assertEqual(
			(rows[0].status, rows[0].method, rows[0].client_ip), ("Given", "Portal", "198.51.100.7")
		)
		self.assertIsNotNone(rows[0].given_on)

	def test_the_patient_waits_for_the_doctor_then_joins_with_a_token_that_expires(self):
		_res, name, token = self.book_video(time="15:00")
		with self.at(name, -30):
			self.assertEqual(visit_api.get_visit(token)["state"], "early")
			visit_api.give_consent(token)
			with self.assertRaises(visit_api.VisitNotOpenError):
				visit_api.join(token)
		with self.at(name, -5):
			self.assertEqual(visit_api.join(token), {"waiting": True, "retry_after": 5})
			frappe.set_user(self.bf.doctor_user)
			doctor = visit_api.doctor_join(name)["url"]
			frappe.set_user("Guest")
			visit = visit_api.get_visit(token)
			self.assertEqual((visit["state"], visit["doctor_in"]), ("open", True))
			patient = visit_api.join(token)["url"]
		room = self.appointment(name).custom_video_room
		start = self.start_of(name)
		for url, moderator in ((doctor, True), (patient, False)):
			self.assertTrue(url.startswith(f"{SERVER}/{room}?jwt="))
			jwt = url.split("jwt=")[1].split("#")[0]
			claims = core.claims_of(jwt, SECRET, start - timedelta(minutes=5))
			self.assertEqual((claims["room"], claims["iss"], claims["moderator"]), (room, APP_ID, moderator))
			self.assertEqual(claims["sub"], "meet.example.org")
			self.assertIsNone(core.claims_of(jwt, "another-secret", start))
			# it lives until the door closes (the visit's length + the grace), not a second longer
			end = start + timedelta(minutes=self.appointment(name).duration) + core.GRACE
			self.assertEqual(claims["exp"], int(end.timestamp()))
			self.assertIsNone(core.claims_of(jwt, SECRET, end))
		self.assertNotIn(
			"email", core.claims_of(patient.split("jwt=")[1].split("#")[0], SECRET, start)["context"]["user"]
		)

	def start_of(self, name: str) -> datetime:
		doc = frappe.db.get_value(
			"Patient Appointment", name, ["appointment_date", "appointment_time"], as_dict=True
		)
		local = datetime.combine(doc.appointment_date, datetime.min.time()) + doc.appointment_time
		return local.replace(tzinfo=ZoneInfo(BOOKING_TZ))

	def test_the_link_is_dead_after_a_move(self):
		_res, name, token = self.book_video(time="16:00")
		with self.at(name, -5):
			visit_api.give_consent(token)
			frappe.set_user(self.bf.doctor_user)
			old = visit_api.doctor_join(name)["url"]
			frappe.set_user("Guest")
			old_room = self.appointment(name).custom_video_room
		api.reschedule_booking(token, str(add_days(self.day, 1)), "16:00")
		moved = self.appointment(name)
		self.assertNotEqual(moved.custom_video_room, old_room)
		self.assertFalse(moved.custom_video_doctor_joined_on)
		self.assertNotIn(old_room, video.room_of(moved))
		with self.at(name, -5):
			# the patient waits for the doctor in the new room; the old one is not handed out
			self.assertEqual(visit_api.join(token)["waiting"], True)
		self.assertIn(old_room, old)

	def test_the_link_is_dead_after_a_cancellation(self):
		_res, name, token = self.book_video(time="17:00")
		api.cancel_booking(token)
		with self.at(name, -5):
			self.assertEqual(visit_api.get_visit(token)["state"], "cancelled")
			for call in (visit_api.join, visit_api.give_consent):
				with self.assertRaises(visit_api.VisitNotOpenError):
					call(token)
			frappe.set_user(self.bf.doctor_user)
			with self.assertRaises(visit_api.VisitNotOpenError):
				visit_api.doctor_join(name)

	def test_the_link_is_dead_once_the_visit_is_finished_or_over(self):
		_res, name, token = self.book_video(time="18:00")
		with self.at(name, -5):
			visit_api.give_consent(token)
		with self.at(name, self.appointment(name).duration + 31):
			self.assertEqual(visit_api.get_visit(token)["state"], "closed")
		frappe.set_user("Administrator")
		frappe.db.set_value("Patient Appointment", name, "status", "Closed")
		frappe.set_user("Guest")
		with self.at(name, 0):
			self.assertEqual(visit_api.get_visit(token)["state"], "closed")
			with self.assertRaises(visit_api.VisitNotOpenError):
				visit_api.join(token)

	def test_another_practice_and_a_receptionist_cannot_open_the_room(self):
		_res, name, _token = self.book_video(time="19:00")
		with self.at(name, -5):
			for user in (self.fx.a.doctor, self.fx.both, self.fx.b.admin):
				frappe.set_user(user)
				with self.assertRaises(frappe.DoesNotExistError):
					visit_api.doctor_join(name)
