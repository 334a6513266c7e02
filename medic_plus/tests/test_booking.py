"""Public booking: the guest API end to end on a real site (fixture: fixtures.py,
practice iso-book with two doctors bookable every day from 07:00 to 21:00)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import frappe
from frappe.utils import add_days, getdate

from medic_plus import demo, durable
from medic_plus.api import booking as api
from medic_plus.booking import availability, otp_store, service
from medic_plus.booking.practice import BookingPractice
from medic_plus.core import otp as otp_core
from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.fixtures import BOOKING_TZ, get_booking_fixture, get_fixture
from medic_plus.tests.utils import mails, new_mail


def practice_today() -> date:
	return BookingPractice(timezone=BOOKING_TZ).now().date()


def code_for(practice: str, identifier: str) -> str:
	"""A code issued as request_booking_otp would (the e-mail itself is checked elsewhere)."""
	ip = f"203.0.113.{frappe.generate_hash(length=6)}"
	unlimited = otp_core.OTPPolicy(sends_per_identifier=10**6, sends_per_practice=10**6)
	return otp_core.issue(otp_store.RedisStore(), otp_store.secret(), practice, identifier, ip, unlimited)


def form(age: float = 10) -> str:
	"""A booking form token as the page carries it, served ``age`` seconds ago."""
	import time

	from medic_plus.booking import guard
	from medic_plus.core import form_token

	return form_token.make(guard._secret(), time.time() - age)


class BookingTestCase(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.bf = get_booking_fixture()
		cls.fx = get_fixture()

	def setUp(self):
		durable.delete_keys("medic_plus:otp")
		durable.delete_keys("medic_plus:rl")
		frappe.set_user("Guest")
		self.day = add_days(practice_today(), 10)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def book(self, email=None, time="10:00", day=None, practitioner=None, **values):
		email = email or f"guest-{frappe.generate_hash(length=8)}@example.org"
		frappe.set_user("Guest")
		args = {
			"practice": self.bf.slug,
			"otp": code_for(self.bf.practice, email),
			"practitioner": practitioner or self.bf.doctor,
			"appointment_date": str(day or self.day),
			"appointment_time": time,
			"first_name": "Greta",
			"last_name": "Guest",
			"email": email,
		}
		args.update(values)
		return api.verify_and_book(**args)

	def times(self, day=None, practitioner=None):
		frappe.set_user("Guest")
		res = api.get_availability(self.bf.slug, practitioner or self.bf.doctor, str(day or self.day))
		return [s["time"] for s in res["days"].get(str(day or self.day), [])]


class TestReading(BookingTestCase):
	def test_practice_info_is_public_and_minimal(self):
		info = api.get_practice_info(self.bf.slug)
		self.assertEqual(
			set(info),
			{
				"practice_name",
				"slug",
				"logo",
				"brand_color",
				"email",
				"phone",
				"timezone",
				"allow_online_booking",
				"verification_channel",
				"max_days_ahead",
				"address",
				"map_url",
				"appointment_types",
			},
		)
		self.assertEqual((info["slug"], info["timezone"]), ("iso-book", BOOKING_TZ))

	def test_unknown_practice_is_404(self):
		for slug in ("no-such-practice", "", "x" * 100):
			with self.subTest(slug=slug), self.assertRaises(frappe.DoesNotExistError):
				api.get_practice_info(slug)

	def test_practitioners_are_the_practice_doctors_with_a_schedule(self):
		names = {d["practitioner"] for d in api.get_practice_practitioners(self.bf.slug)}
		self.assertEqual(names, {self.bf.doctor, self.bf.group_doctor})
		self.assertNotIn(self.bf.other_practice_doctor, names)

	def test_disabled_practitioner_has_no_slots(self):
		frappe.db.set_value("Healthcare Practitioner", self.bf.doctor, "status", "Disabled")
		self.assertNotIn(
			self.bf.doctor, {d["practitioner"] for d in api.get_practice_practitioners(self.bf.slug)}
		)
		with self.assertRaises(frappe.DoesNotExistError):
			api.get_availability(self.bf.slug, self.bf.doctor, str(self.day))

	def test_inactive_member_has_no_slots(self):
		frappe.db.set_value(
			"Practice Member", {"practitioner": self.bf.doctor, "practice": self.bf.practice}, "is_active", 0
		)
		with self.assertRaises(frappe.DoesNotExistError):
			api.get_availability(self.bf.slug, self.bf.doctor, str(self.day))

	def test_doctor_of_another_practice_is_unknown_here(self):
		with self.assertRaises(frappe.DoesNotExistError):
			api.get_availability(self.bf.slug, self.bf.other_practice_doctor, str(self.day))

	def test_availability_lists_the_schedule(self):
		times = self.times()
		self.assertEqual(times[0], "07:00")
		self.assertEqual(times[-1], "20:30")
		self.assertEqual(len(times), 28)

	def test_availability_range_is_limited_and_checked(self):
		start = self.day
		res = api.get_availability(self.bf.slug, self.bf.doctor, str(start), str(add_days(start, 30)))
		self.assertEqual(len(res["days"]), 31)
		self.assertEqual(res["timezone"], BOOKING_TZ)
		for bad in (
			(str(start), str(add_days(start, 31))),
			(str(start), str(add_days(start, -1))),
			("31-12-2026", None),
		):
			with self.subTest(args=bad), self.assertRaises(api.BadBookingRequest):
				api.get_availability(self.bf.slug, self.bf.doctor, *bad)

	def test_availability_costs_the_same_queries_for_one_day_and_31(self):
		from medic_plus.booking import calendar_cache

		frappe.set_user("Guest")
		counts = []
		for days in (0, 30):
			calendar_cache.bump("site")  # computed, not served from the cache
			counts.append(self.count_queries(days))
		self.assertEqual(counts[0], counts[1])
		self.assertLessEqual(counts[1], 6)

	def test_a_crowd_shares_one_computation_until_something_changes(self):
		from medic_plus.booking import calendar_cache

		frappe.set_user("Guest")
		calendar_cache.bump("site")
		first = self.count_queries(30)
		again = self.count_queries(30)
		self.assertLess(again, first)
		# the practice comes from Frappe's document cache, the calendar from its own: no query
		self.assertEqual(again, 0)
		self.assertIn("10:00", self.times())
		self.book(time="10:00")  # a booking forgets the cached calendar at once
		self.assertNotIn("10:00", self.times())

	def test_the_crowd_path_answers_as_the_computation_over_every_route(self):
		"""Over HTTP a cached calendar goes out as stored, in Frappe's envelope of the
		route; what it says is what a computed answer says."""
		from medic_plus.booking import calendar_cache
		from medic_plus.tests.http import request

		frappe.set_user("Guest")
		calendar_cache.bump("site")
		computed = api.get_availability(
			self.bf.slug, self.bf.doctor, str(self.day), str(add_days(self.day, 6))
		)
		query = (
			f"practice={self.bf.slug}&practitioner={self.bf.doctor}"
			f"&from_date={self.day}&to_date={add_days(self.day, 6)}"
		)
		for route, envelope in (("/api/method/", "message"), ("/api/v2/method/", "data")):
			for attempt in ("first", "cached"):
				with self.subTest(route=route, attempt=attempt):
					response = request("GET", f"{route}medic_plus.api.booking.get_availability?{query}")
					self.assertEqual(response.status_code, 200)
					self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
					self.assertEqual(response.json[envelope], computed)

	def test_the_crowd_path_follows_every_change_of_the_practice_and_the_doctor(self):
		"""A cached calendar is never served past a change that closes it, however the
		change was written (a form save, or ``set_value`` as a script would)."""
		from medic_plus.tests.http import request

		def status(slug=self.bf.slug, doctor=self.bf.doctor):
			path = (
				f"/api/method/medic_plus.api.booking.get_availability?practice={slug}"
				f"&practitioner={doctor}&from_date={self.day}"
			)
			return request("GET", path).status_code

		def commit(doctype, name, values):
			frappe.db.set_value(doctype, name, values)
			frappe.db.commit()  # nosemgrep: the request runs on another connection

		try:
			self.assertEqual([status(), status()], [200, 200])  # the second from the cache
			commit("Practice", self.bf.practice, {"allow_online_booking": 0})
			self.assertEqual(status(), 403)
			commit("Practice", self.bf.practice, {"allow_online_booking": 1, "status": "Suspended"})
			self.assertEqual(status(), 403)
			commit("Practice", self.bf.practice, {"status": "Inactive"})
			self.assertEqual(status(), 404)
			commit("Practice", self.bf.practice, {"status": "Active"})
			self.assertEqual(status(), 200)
			commit("Practice", self.bf.practice, {"slug": f"{self.bf.slug}-moved"})
			self.assertEqual((status(), status(f"{self.bf.slug}-moved")), (404, 200))
			commit("Practice", self.bf.practice, {"slug": self.bf.slug})
			self.assertEqual(status(), 200)
			frappe.set_user("Administrator")
			doctor = frappe.get_doc("Healthcare Practitioner", self.bf.doctor)
			doctor.status = "Disabled"
			doctor.save()
			frappe.db.commit()  # nosemgrep: as above
			self.assertEqual(status(), 404)
		finally:
			frappe.db.rollback()
			frappe.db.set_value("Practice", self.bf.practice, {"slug": self.bf.slug, "status": "Active"})
			frappe.db.set_value("Practice", self.bf.practice, "allow_online_booking", 1)
			frappe.db.set_value("Healthcare Practitioner", self.bf.doctor, "status", "Active")
			frappe.db.commit()  # nosemgrep: put the shared fixture back

	def test_a_cancellation_in_desk_frees_the_cached_slot(self):
		from medic_plus.api import healthcare as healthcare_api

		self.assertIn("10:00", self.times())
		res = self.book(time="10:00")
		self.assertNotIn("10:00", self.times())
		frappe.set_user("Administrator")
		name = frappe.db.get_value("Patient Appointment", {"custom_booking_reference": res["reference"]})
		healthcare_api.update_status(name, "Cancelled")  # Healthcare writes the status directly
		self.assertIn("10:00", self.times())

	def test_a_schedule_change_reaches_the_cached_calendar(self):
		self.assertIn("10:00", self.times())
		frappe.set_user("Administrator")
		schedule = frappe.get_doc("Practitioner Schedule", "ISOBK Doc Every Day")
		schedule.time_slots = [row for row in schedule.time_slots if str(row.from_time) not in ("10:00:00",)]
		schedule.save()
		self.assertNotIn("10:00", self.times())

	def count_queries(self, days: int) -> int:
		queries = []
		orig = frappe.db.__class__.sql

		def counting(db, *args, **kwargs):
			queries.append(args[0] if args else "")
			return orig(db, *args, **kwargs)

		frappe.db.__class__.sql = counting
		try:
			api.get_availability(self.bf.slug, self.bf.doctor, str(self.day), str(add_days(self.day, days)))
		finally:
			frappe.db.__class__.sql = orig
		return len(queries)

	def test_company_holidays_have_no_slots(self):
		frappe.set_user("Administrator")
		company = frappe.db.get_value("Practice", self.bf.practice, "company")
		holidays = frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": f"ISO Holidays {frappe.generate_hash(length=5)}",
				"from_date": add_days(self.day, -30),
				"to_date": add_days(self.day, 30),
				"holidays": [{"holiday_date": self.day, "description": "Practice outing"}],
			}
		).insert()
		frappe.db.set_value("Company", company, "default_holiday_list", holidays.name)
		self.assertEqual(self.times(), [])
		self.assertTrue(self.times(add_days(self.day, 1)))

	def test_closed_practice_takes_no_bookings(self):
		frappe.db.set_value("Practice", self.bf.practice, "allow_online_booking", 0)
		with self.assertRaises(frappe.ValidationError) as caught:
			api.get_availability(self.bf.slug, self.bf.doctor, str(self.day))
		self.assertEqual(caught.exception.http_status_code, 403)
		frappe.db.set_value("Practice", self.bf.practice, {"allow_online_booking": 1, "status": "Suspended"})
		with self.assertRaises(frappe.ValidationError):
			api.get_practice_practitioners(self.bf.slug)
		frappe.db.set_value("Practice", self.bf.practice, "status", "Inactive")
		with self.assertRaises(frappe.DoesNotExistError):
			api.get_practice_info(self.bf.slug)

	def test_same_times_as_healthcare_get_availability_data(self):
		"""Where Healthcare's rules apply (one room, no buffer, no notice), its
		get_availability_data offers the same times for every day of a week."""
		from healthcare.healthcare.doctype.patient_appointment.patient_appointment import (
			get_availability_data,
		)

		frappe.set_user("Administrator")
		self.book(time="09:00")
		self.book(email="other@example.org", time="11:30")
		frappe.set_user("Administrator")
		for offset in range(7):
			day = add_days(self.day, offset)
			frappe.set_user("Administrator")
			data = get_availability_data(day, self.bf.doctor, frappe._dict(invoiced=0, __islocal=1))
			healthcare_times = []
			for detail in data["slot_details"]:
				for slot in detail["avail_slot"]:
					start = datetime.combine(day, availability._as_time(slot.from_time))
					end = datetime.combine(day, availability._as_time(slot.to_time))
					taken = any(
						start
						< datetime.combine(day, availability._as_time(a.appointment_time))
						+ timedelta(minutes=a.duration)
						and end > datetime.combine(day, availability._as_time(a.appointment_time))
						for a in detail["appointments"]
					)
					if not taken:
						healthcare_times.append(start.strftime("%H:%M"))
			with self.subTest(day=day):
				self.assertEqual(sorted(healthcare_times), self.times(day))


class TestOTP(BookingTestCase):
	def test_answer_is_the_same_for_known_and_unknown_people(self):
		frappe.local.request_ip = "198.51.100.7"
		known = api.request_booking_otp(self.bf.slug, email=self.fx_patient_email(), form_token=form())
		unknown = api.request_booking_otp(
			self.bf.slug, email="nobody-knows-me@example.org", form_token=form()
		)
		self.assertEqual(set(known), {"sent", "channel", "expires_in", "form_token"})
		known.pop("form_token"), unknown.pop("form_token")
		self.assertEqual(known, unknown)

	def fx_patient_email(self):
		return frappe.db.get_value("Patient", self.fx.a.patient, "email")

	def test_code_is_queued_by_email_with_the_practice_brand(self):
		frappe.local.request_ip = "198.51.100.8"
		address = f"Queue.Me.{frappe.generate_hash(length=6)}@Example.org"
		api.request_booking_otp(self.bf.slug, email=address, form_token=form())
		frappe.set_user("Administrator")
		queued = frappe.db.get_value("Email Queue Recipient", {"recipient": address.lower()}, "parent")
		mail = frappe.get_doc("Email Queue", queued)
		self.assertIn("ISO Booking Practice", mail.message)
		self.assertEqual(mail.status, "Not Sent")

	def test_malformed_email_or_mobile_is_400(self):
		for kwargs in ({"email": "not-an-email"}, {"email": "a@b.org", "mobile": "12ab"}, {}):
			with self.subTest(**kwargs), self.assertRaises(api.BadBookingRequest):
				api.request_booking_otp(self.bf.slug, **kwargs, form_token=form())

	def test_sms_practice_texts_the_code(self):
		from unittest.mock import patch

		frappe.db.set_value(
			"Practice", self.bf.practice, {"verification_channel": "SMS", "sms_countries": "DE"}
		)
		frappe.local.request_ip = "198.51.100.9"
		with self.assertRaises(api.BadBookingRequest):
			api.request_booking_otp(self.bf.slug, email="sms@example.org", form_token=form())
		with patch("medic_plus.booking.notify._queue_sms") as queue_sms:
			res = api.request_booking_otp(
				self.bf.slug, email="sms@example.org", mobile="+49 151 22222222", form_token=form()
			)
		self.assertEqual(res["channel"], "sms")
		mobile, message = queue_sms.call_args.args
		self.assertEqual(mobile, "+4915122222222")
		code = next(word for word in message.replace(".", " ").split() if word.isdigit() and len(word) == 6)
		otp_core.verify(otp_store.RedisStore(), otp_store.secret(), self.bf.practice, "+4915122222222", code)

	def test_send_budget_per_address(self):
		for i in range(3):
			frappe.local.request_ip = f"198.51.100.{20 + i}"
			api.request_booking_otp(self.bf.slug, email="budget@example.org", form_token=form())
		with self.assertRaises(api.TooManyCodes):
			api.request_booking_otp(self.bf.slug, email="budget@example.org", form_token=form())


class TestVerifyAndBook(BookingTestCase):
	def test_booking_records_consent_to_treatment_and_to_the_channel(self):
		res = self.book()
		frappe.set_user("Administrator")
		patient = frappe.db.get_value(
			"Patient Appointment", {"custom_booking_reference": res["reference"]}, "patient"
		)
		rows = frappe.get_all(
			"Patient Consent",
			filters={"patient": patient},
			fields=["purpose", "status", "method", "practice"],
			order_by="purpose",
		)
		self.assertEqual(
			[(r.purpose, r.status, r.method, r.practice) for r in rows],
			[
				("E-mail", "Given", "Portal", self.bf.practice),
				("Treatment", "Given", "Portal", self.bf.practice),
			],
		)
		self.book(time="16:00")  # the same person again: nothing twice
		self.assertEqual(frappe.db.count("Patient Consent", {"patient": patient}), 2)

	def test_booking_creates_patient_and_appointment_in_the_practice(self):
		res = self.book(mobile="+49 151 1111111", notes="Knee <b>pain</b>")
		frappe.set_user("Administrator")
		appt = frappe.get_doc("Patient Appointment", {"custom_booking_reference": res["reference"]})
		self.assertRegex(res["reference"], r"^ISOBK-A\d{5}$")
		self.assertEqual(appt.custom_practice, self.bf.practice)
		self.assertEqual(appt.status, "Scheduled")
		self.assertEqual(appt.notes, "Knee pain")
		self.assertEqual((appt.duration, res["duration"]), (30, 30))  # the slot's length
		patient = frappe.get_doc("Patient", appt.patient)
		self.assertEqual(patient.custom_practice, self.bf.practice)
		self.assertEqual(patient.mobile, "+491511111111")
		self.assertFalse(patient.user_id)
		self.assertNotIn(appt.patient, str(res))
		self.assertTrue(res["manage_url"].startswith("http"))
		self.assertNotIn("10:00", self.times())

	def test_returning_patient_is_found_within_the_practice_only(self):
		shared = "shared@example.org"
		frappe.set_user("Administrator")
		other = frappe.get_doc(
			{
				"doctype": "Patient",
				"first_name": "Other",
				"sex": "Female",
				"email": shared,
				"invite_user": 0,
				"custom_practice": self.fx.b.practice,
			}
		).insert()
		first = self.book(email=shared, time="08:00")
		second = self.book(email=shared, time="12:00")
		frappe.set_user("Administrator")
		p1 = frappe.db.get_value(
			"Patient Appointment", {"custom_booking_reference": first["reference"]}, "patient"
		)
		p2 = frappe.db.get_value(
			"Patient Appointment", {"custom_booking_reference": second["reference"]}, "patient"
		)
		self.assertEqual(p1, p2)
		self.assertNotEqual(p1, other.name)

	def test_wrong_code_books_nothing(self):
		before = frappe.db.count("Patient"), frappe.db.count("Patient Appointment")
		code_for(self.bf.practice, "wrong@example.org")
		frappe.set_user("Guest")
		with self.assertRaises(api.CodeRejected):
			api.verify_and_book(
				self.bf.slug,
				"000000",
				self.bf.doctor,
				str(self.day),
				"10:00",
				"W",
				"Rong",
				"wrong@example.org",
			)
		self.assertEqual((frappe.db.count("Patient"), frappe.db.count("Patient Appointment")), before)

	def test_code_cannot_be_replayed(self):
		code = code_for(self.bf.practice, "replay@example.org")
		frappe.set_user("Guest")
		api.verify_and_book(
			self.bf.slug, code, self.bf.doctor, str(self.day), "10:00", "Re", "Play", "replay@example.org"
		)
		with self.assertRaises(api.CodeRejected):
			api.verify_and_book(
				self.bf.slug, code, self.bf.doctor, str(self.day), "11:00", "Re", "Play", "replay@example.org"
			)

	def test_code_is_bound_to_the_address(self):
		code = code_for(self.bf.practice, "alice@example.org")
		frappe.set_user("Guest")
		with self.assertRaises(api.CodeRejected):
			api.verify_and_book(
				self.bf.slug,
				code,
				self.bf.doctor,
				str(self.day),
				"10:00",
				"Mal",
				"Lory",
				"mallory@example.org",
			)

	def test_brute_force_kills_the_code(self):
		code = code_for(self.bf.practice, "brute@example.org")
		wrong = f"{(int(code) + 1) % 10**6:06d}"
		frappe.set_user("Guest")
		for _ in range(5):
			with self.assertRaises(api.CodeRejected):
				api.verify_and_book(
					self.bf.slug, wrong, self.bf.doctor, str(self.day), "10:00", "B", "F", "brute@example.org"
				)
		with self.assertRaises(api.CodeRejected):
			api.verify_and_book(
				self.bf.slug, code, self.bf.doctor, str(self.day), "10:00", "B", "F", "brute@example.org"
			)

	def test_taken_slot_is_409_and_writes_nothing(self):
		self.book(time="10:00")
		patients = frappe.db.count("Patient")
		with self.assertRaises(frappe.ValidationError) as caught:
			self.book(email="late@example.org", time="10:00")
		self.assertEqual(caught.exception.http_status_code, 409)
		self.assertEqual(frappe.db.count("Patient"), patients)

	def test_a_person_already_booked_at_that_time_is_409_with_any_doctor(self):
		email = f"busy-{frappe.generate_hash(length=6)}@example.org"
		self.book(email=email, time="10:00")
		appointments = frappe.db.count("Patient Appointment")
		with self.assertRaises(frappe.ValidationError) as caught:
			self.book(email=email, time="10:00", practitioner=self.bf.group_doctor)
		self.assertEqual(caught.exception.http_status_code, 409)
		self.assertIn("already have an appointment", str(caught.exception))
		self.assertNotIn("HLC-APP", str(caught.exception))  # no record name of the practice
		self.assertEqual(frappe.db.count("Patient Appointment"), appointments)

	def test_time_off_the_grid_is_409(self):
		with self.assertRaises(frappe.ValidationError) as caught:
			self.book(time="10:10")
		self.assertEqual(caught.exception.http_status_code, 409)

	def test_past_and_beyond_horizon_dates_are_400(self):
		for day in (add_days(practice_today(), -1), add_days(practice_today(), 91)):
			with self.subTest(day=day), self.assertRaises(api.BadBookingRequest):
				self.book(day=day)

	def test_bad_input_is_400(self):
		for values in (
			{"first_name": "x" * 81},
			{"last_name": ""},
			{"first_name": "<script>"},
			{"email": "bad"},
			{"mobile": "12"},
			{"gender": "Robot"},
			{"notes": "n" * 1001},
			{"appointment_time": "25:00"},
			{"appointment_date": "tomorrow"},
			{"appointment_type": "No Such Type"},
		):
			with (
				self.subTest(**{k: v[:20] for k, v in values.items()}),
				self.assertRaises(api.BadBookingRequest),
			):
				self.book(**values)

	def test_unknown_practitioner_is_404(self):
		with self.assertRaises(frappe.DoesNotExistError):
			self.book(practitioner="NO-SUCH-DOC")
		with self.assertRaises(frappe.DoesNotExistError):
			self.book(practitioner=self.bf.other_practice_doctor)

	def test_group_room_takes_three(self):
		for i in range(3):
			self.book(email=f"group{i}@example.org", time="14:00", practitioner=self.bf.group_doctor)
		with self.assertRaises(frappe.ValidationError) as caught:
			self.book(email="group4@example.org", time="14:00", practitioner=self.bf.group_doctor)
		self.assertEqual(caught.exception.http_status_code, 409)

	def test_practice_requiring_approval_books_open(self):
		frappe.db.set_value("Practice", self.bf.practice, "require_approval", 1)
		res = self.book()
		self.assertEqual((res["status"], res["awaiting_approval"]), ("Open", True))
		frappe.set_user(self.bf.doctor_user)
		name = frappe.db.get_value("Patient Appointment", {"custom_booking_reference": res["reference"]})
		from medic_plus.api.appointments import approve_booking

		self.assertEqual(approve_booking(name)["status"], "Scheduled")

	def test_confirmation_email_carries_the_calendar_file(self):
		before = mails()
		res = self.book(email="ics@example.org")
		frappe.set_user("Administrator")
		mail = new_mail(before, message=("like", f"%{res['reference']}%"))
		self.assertIn("BEGIN:VCALENDAR", mail.message)
		self.assertIn("appointment.ics", mail.message)

	def test_a_new_and_a_known_patient_get_the_same_answer(self):
		"""Booking says nothing of the records it made: not Healthcare's "Customer <id>
		created and linked to Patient", which would tell a new person from a known one."""
		email = f"guest-{frappe.generate_hash(length=8)}@example.org"
		for attempt in ("new", "known"):
			with self.subTest(attempt=attempt):
				frappe.local.message_log = []
				self.book(email=email, time="10:00" if attempt == "new" else "11:00")
				self.assertEqual(frappe.local.message_log, [])


class TestMedicalAidOnBooking(BookingTestCase):
	SCHEME = "Discovery Health Medical Scheme"

	def setUp(self):
		super().setUp()
		from medic_plus.medic_plus.doctype.medical_aid_scheme.medical_aid_scheme import ensure_schemes

		frappe.set_user("Administrator")
		ensure_schemes()
		frappe.set_user("Guest")

	def aid_of(self, result):
		frappe.set_user("Administrator")
		patient = frappe.db.get_value(
			"Patient Appointment", {"custom_booking_reference": result["reference"]}, "patient"
		)
		return frappe.get_all(
			"Patient Medical Aid",
			filters={"patient": patient},
			fields=["scheme", "member_number", "dependant_code", "practice", "principal_member_name"],
		)

	def test_a_medical_aid_named_on_booking_is_kept_for_the_patient(self):
		result = self.book(medical_aid_scheme=self.SCHEME, member_number="912 345 678", dependant_code="1")
		(aid,) = self.aid_of(result)
		self.assertTrue(
			frappe.db.get_value(
				"Patient Appointment", {"custom_booking_reference": result["reference"]}, "custom_medical_aid"
			)
		)
		self.assertEqual(
			(aid.scheme, aid.member_number, aid.dependant_code, aid.practice, aid.principal_member_name),
			(self.SCHEME, "912345678", "01", self.bf.practice, None),
		)

	def test_a_wrong_medical_aid_is_refused_by_its_field_and_nothing_is_booked(self):
		for values, field in (
			({"medical_aid_scheme": "No Such Scheme", "member_number": "912345678"}, "Medical Aid Scheme"),
			({"medical_aid_scheme": self.SCHEME, "member_number": "1"}, "Member Number"),
			(
				{"medical_aid_scheme": self.SCHEME, "member_number": "912345678", "dependant_code": "100"},
				"Dependant Code",
			),
		):
			with self.subTest(values=values), self.assertRaises(api.BadBookingRequest) as caught:
				self.book(first_name="Aida", **values)
			self.assertEqual(caught.exception.http_status_code, 400)
			self.assertIn(field, str(frappe.local.message_log[-1]))
		frappe.set_user("Administrator")
		self.assertFalse(
			frappe.db.exists("Patient", {"custom_practice": self.bf.practice, "first_name": "Aida"})
		)

	def test_no_medical_aid_named_keeps_none(self):
		self.assertEqual(self.aid_of(self.book()), [])


class TestManageBooking(BookingTestCase):
	def token_of(self, res):
		return res["manage_url"].split("token=")[1]

	def test_patient_sees_and_cancels_the_booking_and_the_slot_frees(self):
		res = self.book()
		token = self.token_of(res)
		info = api.get_booking(token)
		self.assertEqual(
			(info["reference"], info["status"], info["can_cancel"]), (res["reference"], "Scheduled", True)
		)
		self.assertNotIn("patient", info)
		self.assertNotIn("10:00", self.times())
		frappe.set_user("Guest")
		self.assertEqual(api.cancel_booking(token, reason="Feeling better")["status"], "Cancelled")
		self.assertIn("10:00", self.times())

	def test_unknown_or_malformed_token_is_404(self):
		for token in ("", "abc", "x" * 500):
			with self.subTest(token=token[:10]), self.assertRaises(frappe.DoesNotExistError):
				api.get_booking(token)

	def test_no_cancelling_after_the_cut_off(self):
		from unittest.mock import patch
		from zoneinfo import ZoneInfo

		day = add_days(practice_today(), 2)
		res = self.book(day=day, time="10:00")
		frappe.db.set_value("Practice", self.bf.practice, "cancel_cutoff_minutes", 120)
		at = datetime.combine(getdate(day), datetime.min.time()).replace(hour=8, minute=30)
		frozen = at.replace(tzinfo=ZoneInfo(BOOKING_TZ)).astimezone(timezone.utc)
		with patch("medic_plus.tenancy.clock.utcnow", return_value=frozen):
			self.assertFalse(api.get_booking(self.token_of(res))["can_cancel"])
			with self.assertRaises(frappe.ValidationError):
				api.cancel_booking(self.token_of(res))
		earlier = frozen - timedelta(minutes=31)  # 07:59: still before the cut-off
		with patch("medic_plus.tenancy.clock.utcnow", return_value=earlier):
			self.assertTrue(api.get_booking(self.token_of(res))["can_cancel"])


class TestAppointmentTypes(BookingTestCase):
	"""A practice that lists its online appointment types: each one's length sets the
	length of the times offered and of the appointment booked."""

	def setUp(self):
		super().setUp()
		frappe.set_user("Administrator")
		demo.ensure_appointment_type("ISO Check-up", 60)
		demo.ensure_appointment_type("ISO Unlisted", 15)
		practice = frappe.get_doc("Practice", self.bf.practice)
		practice.set("appointment_types", [])
		practice.append("appointment_types", {"appointment_type": demo.APPOINTMENT_TYPE, "duration": 30})
		practice.append("appointment_types", {"appointment_type": "ISO Check-up"})
		practice.save()

	def slots(self, appointment_type=None):
		frappe.set_user("Guest")
		res = api.get_availability(
			self.bf.slug, self.bf.doctor, str(self.day), appointment_type=appointment_type
		)
		return res["days"].get(str(self.day), [])

	def test_the_page_lists_the_types_with_their_lengths(self):
		frappe.set_user("Guest")
		info = api.get_practice_info(self.bf.slug)
		self.assertEqual(
			[(t["appointment_type"], t["duration"]) for t in info["appointment_types"]],
			[(demo.APPOINTMENT_TYPE, 30), ("ISO Check-up", 60)],
		)

	def test_a_longer_type_is_offered_where_its_whole_time_is_free(self):
		checkup = self.slots("ISO Check-up")
		self.assertEqual({s["duration"] for s in checkup}, {60})
		times = [s["time"] for s in checkup]
		self.assertEqual((times[0], times[-1]), ("07:00", "20:00"))  # the day ends at 21:00
		self.book(time="10:00", appointment_type=demo.APPOINTMENT_TYPE)
		times = [s["time"] for s in self.slots("ISO Check-up")]
		self.assertNotIn("09:30", times)
		self.assertNotIn("10:00", times)
		self.assertIn("09:00", times)
		self.assertIn("10:30", times)

	def test_the_booking_has_the_type_and_its_length(self):
		res = self.book(time="11:00", appointment_type="ISO Check-up")
		self.assertEqual(res["duration"], 60)
		frappe.set_user("Administrator")
		appointment = frappe.get_doc("Patient Appointment", {"custom_booking_reference": res["reference"]})
		self.assertEqual((appointment.appointment_type, appointment.duration), ("ISO Check-up", 60))
		self.assertNotIn("11:30", [s["time"] for s in self.slots()])

	def test_no_type_named_books_the_first(self):
		res = self.book(time="12:00")
		self.assertEqual(res["duration"], 30)

	def test_a_type_the_practice_does_not_offer_is_400(self):
		for name in ("ISO Unlisted", "No such type"):
			with self.subTest(name=name):
				with self.assertRaises(api.BadBookingRequest):
					self.slots(name)
				with self.assertRaises(api.BadBookingRequest):
					self.book(time="13:00", appointment_type=name)
		frappe.set_user("Administrator")
		self.assertFalse(
			frappe.db.exists(
				"Patient Appointment",
				{
					"appointment_time": "13:00:00",
					"appointment_date": self.day,
					"custom_practice": self.bf.practice,
				},
			)
		)


class TestRescheduling(BookingTestCase):
	"""From the manage link the patient moves the booking, under a booking's rules."""

	def token_of(self, res):
		return res["manage_url"].split("token=")[1]

	def free(self, token, day=None):
		frappe.set_user("Guest")
		day = str(day or self.day)
		return [s["time"] for s in api.get_reschedule_times(token, day, day)["days"].get(day, [])]

	def alerts(self, what: str) -> list[str]:
		return frappe.get_all(
			"Notification Log",
			filters={"for_user": self.bf.doctor_user, "subject": ("like", f"{what}%")},
			pluck="document_name",
		)

	def test_the_patient_moves_the_booking_and_the_old_time_frees(self):
		res = self.book(time="10:00")
		token = self.token_of(res)
		self.assertTrue(api.get_booking(token)["can_reschedule"])
		free = self.free(token)
		self.assertIn("10:00", free)  # its own time is no obstacle
		self.assertIn("11:00", free)
		frappe.set_user("Guest")
		moved = api.reschedule_booking(token, str(self.day), "11:00")
		self.assertEqual((moved["appointment_time"], moved["reference"]), ("11:00", res["reference"]))
		self.assertEqual(api.get_booking(token)["appointment_time"], "11:00")  # the same link
		self.assertIn("10:00", self.times())
		self.assertNotIn("11:00", self.times())
		frappe.set_user("Administrator")
		name = frappe.db.get_value("Patient Appointment", {"custom_booking_reference": res["reference"]})
		appointment = frappe.get_doc("Patient Appointment", name)
		self.assertEqual(str(appointment.appointment_time), "11:00:00")
		self.assertIn(name, self.alerts("Moved online"))
		self.assertTrue(
			frappe.db.exists("Comment", {"reference_name": name, "content": ("like", "Moved online%")})
		)

	def test_a_taken_time_is_409_and_nothing_moves(self):
		self.book(time="10:00")
		mine = self.book(time="11:00")
		token = self.token_of(mine)
		self.assertNotIn("10:00", self.free(token))
		frappe.set_user("Guest")
		with self.assertRaises(service.SlotTakenError):
			api.reschedule_booking(token, str(self.day), "10:00")
		self.assertEqual(api.get_booking(token)["appointment_time"], "11:00")

	def test_the_booking_rules_hold_for_the_new_time(self):
		token = self.token_of(self.book(time="10:00"))
		frappe.set_user("Guest")
		for day, at, error in (
			(str(add_days(practice_today(), -1)), "10:00", api.BadBookingRequest),  # the past
			(str(add_days(practice_today(), 200)), "10:00", api.BadBookingRequest),  # beyond the horizon
			(str(self.day), "10:10", service.SlotTakenError),  # off the schedule's grid
			(str(self.day), "not a time", api.BadBookingRequest),
		):
			with self.subTest(day=day, at=at), self.assertRaises(error):
				api.reschedule_booking(token, day, at)
		self.assertEqual(api.get_booking(token)["appointment_time"], "10:00")

	def test_a_cancelled_booking_cannot_be_moved(self):
		token = self.token_of(self.book(time="10:00"))
		frappe.set_user("Guest")
		api.cancel_booking(token)
		self.assertFalse(api.get_booking(token)["can_reschedule"])
		with self.assertRaises(frappe.ValidationError):
			api.reschedule_booking(token, str(self.day), "11:00")
		with self.assertRaises(frappe.ValidationError):
			api.get_reschedule_times(token, str(self.day))

	def test_the_doctor_hears_of_each_online_booking_and_cancellation(self):
		frappe.db.set_value("Practice", self.bf.practice, "notify_practitioner_by_email", 1)
		res = self.book(time="10:00")
		frappe.set_user("Administrator")
		name = frappe.db.get_value("Patient Appointment", {"custom_booking_reference": res["reference"]})
		self.assertIn(name, self.alerts("Booked online"))
		frappe.set_user("Guest")
		api.cancel_booking(self.token_of(res))
		frappe.set_user("Administrator")
		self.assertIn(name, self.alerts("Cancelled online"))
		to_doctor = frappe.get_all(
			"Email Queue Recipient", filters={"recipient": self.bf.doctor_user}, pluck="parent"
		)
		subjects = frappe.get_all(
			"Email Queue",
			filters={"name": ("in", to_doctor or [""]), "reference_name": name},
			pluck="message",
		)
		self.assertEqual(len(subjects), 2)


class TestPracticeLanguage(BookingTestCase):
	"""A practice that speaks German: its booking pages, their scripts' messages, the
	API's errors and its e-mails to patients."""

	def setUp(self):
		super().setUp()
		frappe.db.set_value("Practice", self.bf.practice, "language", "de")
		frappe.db.commit()  # nosemgrep: the page is fetched by another connection
		self.lang = frappe.local.lang

	def tearDown(self):
		super().tearDown()  # rolls back what the test booked
		frappe.local.lang = self.lang
		frappe.db.set_value("Practice", self.bf.practice, "language", None)
		frappe.db.commit()  # nosemgrep: undo the setting above

	def test_the_booking_page_is_german(self):
		from medic_plus.tests.http import body_text, request

		html = body_text(request("GET", f"/book?practice={self.bf.slug}"))
		for german in (
			'<html lang="de"',
			"Termin online buchen",
			"Nächster freier Termin",
			"Suche l\\u00e4uft",  # a message of book.js, for frappe._messages
		):
			self.assertTrue(german in html, german)

	def test_errors_and_e_mails_are_german(self):
		frappe.set_user("Guest")
		with self.assertRaises(api.BadBookingRequest) as caught:
			api.get_availability(self.bf.slug, self.bf.doctor, "2026-13-01")
		self.assertIn("Daten bitte im Format", str(caught.exception))
		frappe.set_user("Administrator")
		before = mails()
		res = self.book(time="14:00")
		frappe.set_user("Administrator")
		name = frappe.db.get_value("Patient Appointment", {"custom_booking_reference": res["reference"]})
		mail = new_mail(before, reference_name=name)
		self.assertTrue("Subject: Ihr Termin bei" in mail.message, "the confirmation is in German")
