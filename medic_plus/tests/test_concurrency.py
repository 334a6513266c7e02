"""No double booking under concurrency: many parallel verify_and_book requests over
HTTP, to a multi-worker web server of this bench, at one slot."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import frappe
import requests
from frappe.utils import add_days

from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.fixtures import get_booking_fixture
from medic_plus.tests.server import running_server
from medic_plus.tests.test_booking import code_for, practice_today
from medic_plus.tests.utils import delete_booked

PARALLEL = 20


class TestParallelBooking(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.bf = get_booking_fixture()
		cls.day = str(add_days(practice_today(), 25))

	def setUp(self):
		self.created = []

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		for appointment, patient in self.created:
			delete_booked(appointment, patient)
		frappe.db.commit()  # nosemgrep: remove what the server committed

	def fire(self, url: str, practitioner: str, time: str) -> list[int]:
		frappe.cache.delete_keys("rl:")
		frappe.cache.delete_keys("medic_plus:otp")
		run = frappe.generate_hash(length=6)
		payloads = []
		for i in range(PARALLEL):
			email = f"race-{run}-{i}@example.org"
			payloads.append(
				{
					"practice": self.bf.slug,
					"otp": code_for(self.bf.practice, email),
					"practitioner": practitioner,
					"appointment_date": self.day,
					"appointment_time": time,
					"first_name": "Race",
					"last_name": f"Runner {i}",
					"email": email,
				}
			)
		frappe.db.commit()  # nosemgrep: nothing pending, but end the snapshot
		headers = {"Host": frappe.local.site}  # frappe.local is per thread

		def post(payload):
			return requests.post(
				f"{url}/api/method/medic_plus.api.booking.verify_and_book",
				json=payload,
				headers=headers,
				timeout=120,
			)

		with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
			responses = list(pool.map(post, payloads))
		frappe.db.rollback()
		rows = frappe.get_all(
			"Patient Appointment",
			filters={
				"practitioner": practitioner,
				"appointment_date": self.day,
				"status": ("!=", "Cancelled"),
			},
			fields=["name", "patient"],
		)
		self.created += [(r.name, r.patient) for r in rows]
		for r in responses:
			if r.status_code == 409:
				self.assertIn("taken", r.text)
		return sorted(r.status_code for r in responses), len(rows)

	def test_one_seat_twenty_patients(self):
		with running_server() as url:
			codes, booked = self.fire(url, self.bf.doctor, "15:00")
		self.assertEqual(codes, [200] + [409] * (PARALLEL - 1))
		self.assertEqual(booked, 1)

	def test_three_seats_twenty_patients(self):
		with running_server() as url:
			codes, booked = self.fire(url, self.bf.group_doctor, "16:00")
		self.assertEqual(codes, [200] * 3 + [409] * (PARALLEL - 3))
		self.assertEqual(booked, 3)
