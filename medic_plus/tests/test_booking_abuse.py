"""Online booking that a stranger cannot abuse: identity from the verified address only,
atomic code tries, budgets that protect the person, the code spent last, one patient per
person, stable links, and the bot check. In-process, plus over HTTP on a real gunicorn
(``TestOverHTTP``)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch

import frappe
import requests
from frappe.utils import add_days

from medic_plus import durable
from medic_plus.api import booking as api
from medic_plus.booking import guard, otp_store, service
from medic_plus.core import form_token
from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.fixtures import api_token
from medic_plus.tests.server import running_server
from medic_plus.tests.test_booking import BookingTestCase, code_for, form, practice_today
from medic_plus.tests.utils import delete_booked


def queued_recipients(reference_name: str, before: set[str] = frozenset()) -> list[str]:
	"""Who the mails about ``reference_name`` went to, but for the ``before`` ones (names,
	not times: a name rolled back and used again may carry older mails)."""
	names = set(frappe.get_all("Email Queue", filters={"reference_name": reference_name}, pluck="name"))
	names -= before
	return sorted(
		r.recipient
		for r in frappe.get_all(
			"Email Queue Recipient", filters={"parent": ("in", list(names) or [""])}, fields=["recipient"]
		)
	)


class TestIdentity(BookingTestCase):
	def make_patient(self, first, last, email, mobile=None):
		frappe.set_user("Administrator")
		doc = frappe.get_doc(
			{
				"doctype": "Patient",
				"first_name": first,
				"last_name": last,
				"sex": "Female",
				"email": email,
				"mobile": mobile,
				"invite_user": 0,
				"custom_practice": self.bf.practice,
			}
		).insert()
		return doc.name

	def patient_of(self, res) -> str:
		frappe.set_user("Administrator")
		return frappe.db.get_value(
			"Patient Appointment", {"custom_booking_reference": res["reference"]}, "patient"
		)

	def test_an_unverified_mobile_never_selects_a_patient(self):
		victim = self.make_patient("Vera", "Victim", "vera@example.org", "+4915122223333")
		before = set(
			frappe.get_all("Email Queue", filters={"reference_doctype": "Patient Appointment"}, pluck="name")
		)
		res = self.book(
			email="mallory@example.org", mobile="+4915122223333", first_name="Vera", last_name="Victim"
		)
		patient = self.patient_of(res)
		self.assertNotEqual(patient, victim)
		self.assertFalse(frappe.db.exists("Patient Appointment", {"patient": victim}))
		appointment = frappe.db.get_value("Patient Appointment", {"patient": patient}, "name")
		self.assertEqual(queued_recipients(appointment, before), ["mallory@example.org"])

	def test_the_verified_address_and_the_name_find_the_patient(self):
		known = self.make_patient("José", "Müller", "jose@example.org")
		same = self.book(email="jose@example.org", first_name="jose", last_name="MULLER")
		self.assertEqual(self.patient_of(same), known)
		other = self.book(email="jose@example.org", first_name="Maria", last_name="Müller", time="11:00")
		self.assertNotEqual(self.patient_of(other), known)  # a family sharing an address

	def test_the_answer_is_the_same_for_known_and_unknown_people(self):
		self.make_patient("Kim", "Known", "kim@example.org")
		known = self.book(email="kim@example.org", first_name="Kim", last_name="Known")
		unknown = self.book(email="uma@example.org", first_name="Uma", last_name="Unknown", time="11:00")
		strip = ("reference", "manage_url", "appointment_time")
		self.assertEqual(
			{k: v for k, v in known.items() if k not in strip},
			{k: v for k, v in unknown.items() if k not in strip},
		)

	def test_one_patient_per_person_with_a_registration_fee(self):
		frappe.set_user("Administrator")
		frappe.db.set_single_value("Healthcare Settings", "collect_registration_fee", 1)
		first = self.book(email="fee@example.org", first_name="Fay", last_name="Fee")
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Patient", self.patient_of(first), "status"), "Disabled")
		second = self.book(email="fee@example.org", first_name="Fay", last_name="Fee", time="11:00")
		self.assertEqual(self.patient_of(first), self.patient_of(second))

	def test_open_online_bookings_per_person_are_capped(self):
		frappe.db.set_value("Practice", self.bf.practice, "max_open_bookings", 2)
		first = self.book(email="cap@example.org", time="08:00")
		self.book(email="cap@example.org", time="09:00")
		with self.assertRaises(service.TooManyOpenBookings):
			self.book(email="cap@example.org", time="10:00")
		frappe.set_user("Guest")
		api.cancel_booking(first["manage_url"].split("token=")[1])
		self.book(email="cap@example.org", time="10:00")


class TestCodeSpentLast(BookingTestCase):
	def test_a_failed_booking_gives_the_code_back(self):
		self.book(time="10:00")
		code = code_for(self.bf.practice, "retry@example.org")
		args = dict(
			practice=self.bf.slug,
			otp=code,
			practitioner=self.bf.doctor,
			appointment_date=str(self.day),
			first_name="Re",
			last_name="Try",
			email="retry@example.org",
		)
		frappe.db.commit()  # nosemgrep: keep the first booking through the rollback below
		try:
			for _ in range(4):  # more failures than a code has tries
				frappe.set_user("Guest")
				with self.assertRaises(service.SlotTakenError):
					api.verify_and_book(appointment_time="10:00", **args)
				frappe.db.rollback()  # what the request does: the code comes back
			frappe.set_user("Guest")
			res = api.verify_and_book(appointment_time="11:00", **args)
			self.assertTrue(res["reference"])
			frappe.db.commit()  # nosemgrep: the booking commits: the code is spent
			with self.assertRaises(api.CodeRejected):
				api.verify_and_book(appointment_time="12:00", **args)
		finally:
			frappe.set_user("Administrator")
			frappe.db.rollback()
			for name, patient in frappe.get_all(
				"Patient Appointment",
				filters={"practitioner": self.bf.doctor, "appointment_date": self.day},
				fields=["name", "patient"],
				as_list=True,
			):
				delete_booked(name, patient)
			frappe.db.commit()  # nosemgrep: clean up


class TestBotCheck(BookingTestCase):
	def test_fast_replayed_and_honeypot_submissions_are_refused_alike_and_cost_nothing(self):
		frappe.local.request_ip = "198.51.100.40"
		replayed = form()
		api.request_booking_otp(self.bf.slug, email="first@example.org", form_token=replayed)
		attempts = {
			"too fast": {"form_token": form(age=0)},
			"replayed": {"form_token": replayed},
			"honeypot": {"form_token": form(), "website": "http://spam.example"},
			"forged": {"form_token": form_token.make("not-the-site-secret", time.time() - 10)},
			"missing": {},
		}
		messages = set()
		for case, kwargs in attempts.items():
			with self.subTest(case=case), self.assertRaises(guard.NotAccepted) as refused:
				api.request_booking_otp(self.bf.slug, email="victim@example.org", **kwargs)
			messages.add(str(refused.exception))
		self.assertEqual(len(messages), 1)
		for i in range(3):  # the victim's budget is whole
			frappe.local.request_ip = f"198.51.100.{50 + i}"
			api.request_booking_otp(self.bf.slug, email="victim@example.org", form_token=form())

	def test_numbers_that_are_no_mobile_of_the_practice_countries_are_refused(self):
		import phonenumbers
		from phonenumbers import PhoneNumberFormat, PhoneNumberType

		frappe.db.set_value(
			"Practice", self.bf.practice, {"verification_channel": "SMS", "sms_countries": "GB"}
		)
		frappe.local.request_ip = "198.51.100.60"
		for kind in (PhoneNumberType.PREMIUM_RATE, PhoneNumberType.UAN, PhoneNumberType.VOIP):
			number = phonenumbers.format_number(
				phonenumbers.example_number_for_type("GB", kind), PhoneNumberFormat.E164
			)
			with self.subTest(kind=kind), self.assertRaises(guard.NotAccepted):
				api.request_booking_otp(self.bf.slug, mobile=number, form_token=form())
		with self.assertRaises(guard.NotAccepted):
			api.request_booking_otp(self.bf.slug, mobile="+4915122222222", form_token=form())
		with patch("medic_plus.booking.notify._queue_sms") as queue_sms:
			api.request_booking_otp(self.bf.slug, mobile="07400 123456", form_token=form())
		self.assertEqual(queue_sms.call_args.args[0], "+447400123456")


class TestStableLinks(BookingTestCase):
	def test_the_reminder_carries_the_confirmation_link(self):
		from medic_plus import tasks

		res = self.book(time="10:00", day=add_days(practice_today(), 1))
		token = res["manage_url"].split("token=")[1]
		frappe.set_user("Administrator")
		frappe.db.set_value("Practice", self.bf.practice, "reminder_hours", 48)
		from medic_plus.booking import practice as booking_practice

		practice = booking_practice.get_practices({"name": self.bf.practice}, limit=1)[0]
		with patch("medic_plus.booking.notify.send_reminder") as send:
			tasks._remind(practice, practice.now())
		tokens = [c.args[2] for c in send.call_args_list]
		self.assertIn(token, tokens)
		frappe.set_user("Guest")
		self.assertEqual(api.get_booking(token)["reference"], res["reference"])

	def test_a_rolled_back_practice_sends_no_text(self):
		from medic_plus import tasks
		from medic_plus.booking import notify

		def failing(practice, now):
			notify._queue_sms("+4915122222222", "lost")
			raise RuntimeError("this practice's job fails")

		def working(practice, now):
			notify._queue_sms("+4915133333333", "kept")
			return 1

		jobs = iter([failing])

		def _remind(practice, now):
			return next(jobs, working)(practice, now)

		frappe.set_user("Administrator")
		with (
			patch.object(tasks, "_remind", _remind),
			patch("frappe.enqueue") as enqueue,
			patch("frappe.db.commit"),
		):
			tasks.send_reminders()
		sent = [c.kwargs.get("mobile") for c in enqueue.call_args_list]
		self.assertNotIn("+4915122222222", sent)
		self.assertIn("+4915133333333", sent)


class TestFHIRTokens(IntegrationTestCase):
	def test_a_suspended_practice_token_stops_working(self):
		from medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token import find_token
		from medic_plus.tests.fixtures import get_fixture

		fx = get_fixture()
		doc = frappe.get_doc(
			{"doctype": "FHIR Access Token", "practice": fx.a.practice, "label": "suspension test"}
		)
		doc.insert(ignore_permissions=True)
		token = doc.flags.plain_token
		self.assertTrue(find_token(token))
		for status in ("Suspended", "Inactive"):
			frappe.db.set_value("Practice", fx.a.practice, "status", status)
			self.assertIsNone(find_token(token), status)
		frappe.db.rollback()


class TestOverHTTP(IntegrationTestCase):
	"""On a real multi-worker gunicorn: races and routes as an attacker would use them."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from medic_plus.tests.fixtures import get_booking_fixture

		cls.bf = get_booking_fixture()
		cls.day = str(add_days(practice_today(), 27))
		cls._server = running_server()
		cls.url = cls._server.__enter__()
		cls.headers = {"Host": frappe.local.site}

	@classmethod
	def tearDownClass(cls):
		cls._server.__exit__(None, None, None)
		super().tearDownClass()

	def setUp(self):
		durable.delete_keys("medic_plus:otp")
		durable.delete_keys("medic_plus:rl")
		durable.delete_keys("medic_plus:form-token")
		frappe.db.commit()  # nosemgrep: end the snapshot

	def post(self, method: str, route: str = "/api/method/", headers=None, **data):
		return requests.post(
			f"{self.url}{route}medic_plus.api.booking.{method}",
			data=data,
			headers={**self.headers, **(headers or {})},
			timeout=120,
		)

	def test_fifty_parallel_guesses_evaluate_at_most_five(self):
		email = f"guess-{frappe.generate_hash(length=6)}@example.org"
		code = code_for(self.bf.practice, email)
		wrong = f"{(int(code) + 1) % 10**6:06d}"
		before = otp_store.get_tally()
		payload = dict(
			practice=self.bf.slug,
			practitioner=self.bf.doctor,
			appointment_date=self.day,
			appointment_time="10:00",
			first_name="Gus",
			last_name="Guesser",
			email=email,
		)
		with ThreadPoolExecutor(max_workers=50) as pool:
			answers = list(pool.map(lambda _: self.post("verify_and_book", otp=wrong, **payload), range(50)))
		after = otp_store.get_tally()
		evaluated = sum(after.get(k, 0) - before.get(k, 0) for k in ("wrong", "reserved"))
		self.assertLessEqual(evaluated, 5)
		self.assertEqual({a.status_code for a in answers}, {403})
		right = self.post("verify_and_book", otp=code, **payload)
		self.assertEqual(right.status_code, 403, right.text)
		self.assertFalse(frappe.db.exists("Patient", {"email": email}))

	def test_a_spoofed_forwarded_for_changes_nothing(self):
		answers = []
		for i in range(14):
			answers.append(
				self.post(
					"request_booking_otp",
					headers={"X-Forwarded-For": f"192.0.2.{i}"},
					practice=self.bf.slug,
					email=f"spoof-{i}@example.org",
					form_token=form(),
				).status_code
			)
		self.assertEqual(answers[:10], [200] * 10, answers)
		self.assertEqual(set(answers[10:]), {429}, answers)

	def test_the_same_limits_hold_on_every_route(self):
		routes = ("/api/method/", "/api/v2/method/")
		codes = []
		for i in range(121):
			route = routes[i % 2]
			codes.append(
				requests.get(
					f"{self.url}{route}medic_plus.api.booking.get_form_token",
					params={"practice": self.bf.slug},
					headers=self.headers,
					timeout=30,
				).status_code
			)
		codes.append(
			requests.get(
				f"{self.url}/",
				params={"cmd": "medic_plus.api.booking.get_form_token", "practice": self.bf.slug},
				headers=self.headers,
				timeout=30,
			).status_code
		)
		self.assertEqual(codes[:120], [200] * 120)
		self.assertEqual(codes[120:], [429, 429])

	def calendar(self, route: str = "/api/method/", headers=None, **params):
		return requests.get(
			f"{self.url}{route}medic_plus.api.booking.get_availability",
			params={
				"practice": self.bf.slug,
				"practitioner": self.bf.doctor,
				"from_date": self.day,
				"to_date": str(add_days(self.day, 6)),
				**params,
			},
			headers={**self.headers, **(headers or {})},
			timeout=30,
		)

	def test_a_cached_calendar_answers_as_the_method_does_and_keeps_its_limit(self):
		first = self.calendar()  # computed by the method, then cached
		self.assertEqual(first.status_code, 200, first.text)
		days = first.json()["message"]["days"]
		self.assertTrue(days)
		# answered from the cache before routing: the same answer in each route's envelope
		self.assertEqual(self.calendar().json()["message"]["days"], days)
		self.assertEqual(self.calendar("/api/v2/method/").json()["data"]["days"], days)
		# a bad range is the method's 400 still, a practice user gets the same answer
		self.assertEqual(self.calendar(to_date="2000-01-01").status_code, 400)
		as_user = self.calendar(headers={"Authorization": api_token(self.bf.doctor_user)})
		self.assertEqual((as_user.status_code, as_user.json()["message"]["days"]), (200, days))
		# the budget is the method's: 300 a client in five minutes, cached or not
		durable.delete_keys("medic_plus:rl")
		codes = [self.calendar(("/api/method/", "/api/v2/method/")[i % 2]).status_code for i in range(301)]
		self.assertEqual(codes[:300], [200] * 300)
		self.assertEqual(codes[300], 429)
		# a practice that stops booking online is closed at once, cache or not
		durable.delete_keys("medic_plus:rl")
		frappe.db.set_value("Practice", self.bf.practice, "allow_online_booking", 0)
		frappe.db.commit()  # nosemgrep: the server reads committed data
		try:
			self.assertEqual(self.calendar().status_code, 403)
		finally:
			frappe.db.set_value("Practice", self.bf.practice, "allow_online_booking", 1)
			frappe.db.commit()  # nosemgrep: as above


class TestClientIP(IntegrationTestCase):
	def run_hook(self, remote: str, forwarded: str | None, trusted):
		from werkzeug.test import EnvironBuilder
		from werkzeug.wrappers import Request

		headers = {"X-Forwarded-For": forwarded} if forwarded else {}
		environ = EnvironBuilder(
			path="/", headers=headers, environ_base={"REMOTE_ADDR": remote}
		).get_environ()
		previous = getattr(frappe.local, "request", None)
		frappe.local.request = Request(environ)
		try:
			with patch.dict(frappe.local.conf, {guard.TRUSTED_PROXIES: trusted}):
				guard.set_request_ip()
			return frappe.local.request_ip
		finally:
			frappe.local.request = previous

	def test_forwarded_for_counts_only_behind_a_trusted_proxy(self):
		self.assertEqual(self.run_hook("203.0.113.9", "1.2.3.4", None), "203.0.113.9")
		self.assertEqual(self.run_hook("127.0.0.1", "1.2.3.4", None), "127.0.0.1")
		self.assertEqual(self.run_hook("127.0.0.1", "1.2.3.4, 198.51.100.7", ["127.0.0.1"]), "198.51.100.7")
		self.assertEqual(self.run_hook("203.0.113.9", "1.2.3.4", ["127.0.0.1"]), "203.0.113.9")
