"""When the durable Redis or the database cannot be reached: guest methods answer a clean
503 with a retry hint and give a held code back; the access log falls back to the database
and, when that fails too, the read is not served. (``faults.py`` does the same with real
servers stopped, restarted and filled.)"""

from __future__ import annotations

from unittest.mock import patch

import frappe
import pymysql
import redis

from medic_plus import durable, outage
from medic_plus.booking import otp_store
from medic_plus.core import otp as otp_core
from medic_plus.privacy import access_log
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import api_token, get_booking_fixture
from medic_plus.tests.http import body_text, request
from medic_plus.tests.test_booking import code_for, practice_today


def _down(*args, **kwargs):
	raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


class TestOutage(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.bf = get_booking_fixture()

	def setUp(self):
		access_log.flush()
		durable.delete_keys("medic_plus:rl")
		frappe.db.delete("Patient Access Log")
		frappe.db.commit()  # nosemgrep: the requests below run on other connections

	def tearDown(self):
		frappe.db.delete("Patient Access Log")
		frappe.db.commit()  # nosemgrep: as above
		super().tearDown()

	def book(self, email: str, code: str):
		return request(
			"POST",
			"/api/method/medic_plus.api.booking.verify_and_book",
			json={
				"practice": self.bf.slug,
				"otp": code,
				"practitioner": self.bf.doctor,
				"appointment_date": str(frappe.utils.add_days(practice_today(), 43)),
				"appointment_time": "09:30",
				"first_name": "Out",
				"last_name": "Age",
				"email": email,
			},
			headers={"Accept": "application/json"},
		)

	def assertClean503(self, response) -> None:
		text = body_text(response)
		self.assertEqual(response.status_code, 503, text[:500])
		self.assertEqual(response.headers.get("Retry-After"), str(outage.RETRY_AFTER))
		self.assertNotIn("Traceback", text)
		self.assertIn("briefly unavailable", text)

	def test_a_guest_method_answers_503_with_a_retry_hint_when_the_durable_redis_is_down(self):
		with patch.object(durable, "conn", side_effect=_down):
			response = request(
				"GET",
				"/api/method/medic_plus.api.booking.get_practice_info",
				query_string={"practice": self.bf.slug},
				headers={"Accept": "application/json"},
			)
		self.assertClean503(response)

	def test_a_booking_that_loses_the_database_gives_its_code_back_and_answers_503(self):
		email = f"lost-{frappe.generate_hash(length=8)}@example.org"
		code = code_for(self.bf.practice, email)
		frappe.db.commit()  # nosemgrep: the request runs on another connection
		lost = pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query")
		with patch("medic_plus.booking.service.lock_practitioner", side_effect=lost):
			response = self.book(email, code)
		self.assertClean503(response)
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("Patient", {"email": email}))
		# the code was held for the booking and is free again, its try given back
		key = durable.key(otp_core.code_key(self.bf.practice, email))
		self.assertEqual(int(durable.conn().hget(key, "held")), 0)
		self.assertEqual(int(durable.conn().hget(key, "attempts")), 0)
		otp_core.verify(otp_store.RedisStore(), otp_store.secret(), self.bf.practice, email, code)

	def test_reads_are_logged_in_the_database_when_the_durable_redis_is_down(self):
		fx = self.fx
		with patch.object(durable, "conn", side_effect=_down):
			response = request(
				"GET",
				f"/api/resource/Patient/{fx.a.patient}",
				headers={"Authorization": api_token(fx.a.doctor)},
			)
		self.assertEqual(response.status_code, 200)
		frappe.db.rollback()
		self.assertEqual(  # at once, without the job
			[
				tuple(r)
				for r in frappe.get_all("Patient Access Log", fields=["user", "reference_name"], as_list=True)
			],
			[(fx.a.doctor, fx.a.patient)],
		)

	def test_a_read_that_cannot_be_logged_anywhere_is_not_served(self):
		fx = self.fx
		first_name = frappe.db.get_value("Patient", fx.a.patient, "first_name")

		def broken(entries):
			raise pymysql.err.OperationalError(2006, "MySQL server has gone away")

		with patch.object(durable, "conn", side_effect=_down), patch.object(access_log, "_write", broken):
			response = request(
				"GET",
				f"/api/resource/Patient/{fx.a.patient}",
				headers={"Authorization": api_token(fx.a.doctor)},
			)
			printed = request(
				"GET",
				"/printview",
				query_string={"doctype": "Patient", "name": fx.a.patient},
				headers={"Authorization": api_token(fx.a.doctor)},
			)
		for answer in (response, printed):
			text = body_text(answer)
			self.assertEqual(answer.status_code, 503, text[:300])
			self.assertTrue(answer.headers.get("Retry-After"))
			self.assertNotIn(first_name, text)
			self.assertNotIn(fx.a.patient, text)
			self.assertIn("cannot be logged", text)

	def test_the_booking_page_answers_503_when_the_database_is_lost(self):
		lost = pymysql.err.OperationalError(2006, "MySQL server has gone away")
		with patch("medic_plus.www.book.index.get_by_slug", side_effect=lost):
			response = request("GET", "/book", query_string={"practice": self.bf.slug})
		self.assertEqual(response.status_code, 503)
		self.assertEqual(response.headers.get("Retry-After"), str(outage.RETRY_AFTER))
		self.assertNotIn("Traceback", body_text(response))


class TestTextsWhenTheQueueIsDown(TenancyFixtureTestCase):
	def test_a_text_goes_at_once_when_the_queue_is_down_and_the_request_ends_well(self):
		from medic_plus.booking import notify

		frappe.db.rollback()  # no callbacks of earlier work
		with (
			patch("frappe.enqueue", side_effect=_down) as enqueue,
			patch.object(notify, "send_sms_now") as sent,
		):
			notify._queue_sms("+27821234567", "Harbour: appointment booked")
			self.assertFalse(sent.called)  # nothing before the work commits
			frappe.db.after_commit.run()
		enqueue.assert_called_once()
		sent.assert_called_once_with("+27821234567", "Harbour: appointment booked")

	def test_a_text_is_queued_after_the_commit_when_the_queue_is_up(self):
		from medic_plus.booking import notify

		frappe.db.rollback()
		with patch("frappe.enqueue") as enqueue, patch.object(notify, "send_sms_now") as sent:
			notify._queue_sms("+27821234567", "Harbour: appointment booked")
			self.assertFalse(enqueue.called)
			frappe.db.after_commit.run()
		self.assertEqual(enqueue.call_args.kwargs["mobile"], "+27821234567")
		self.assertFalse(sent.called)
