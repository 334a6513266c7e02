"""No double booking under concurrency: many parallel verify_and_book requests over
HTTP, to a multi-worker web server of this bench, at one slot."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import frappe
import requests
from frappe.utils import add_days

from medic_plus import durable
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

	def fire(self, url: str, practitioner: str | list[str], time: str, practice=None, slug=None) -> list[int]:
		"""PARALLEL guests book ``time`` at once (of the practitioners in turn)."""
		practitioners = [practitioner] if isinstance(practitioner, str) else practitioner
		practice, slug = practice or self.bf.practice, slug or self.bf.slug
		frappe.cache.delete_keys("rl:")
		durable.delete_keys("medic_plus:otp")
		run = frappe.generate_hash(length=6)
		payloads = []
		for i in range(PARALLEL):
			email = f"race-{run}-{i}@example.org"
			payloads.append(
				{
					"practice": slug,
					"otp": code_for(practice, email),
					"practitioner": practitioners[i % len(practitioners)],
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
				"practitioner": ("in", practitioners),
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

	def test_two_doctors_sharing_one_room_book_it_once(self):
		practice, slug, doctors = shared_room()
		with running_server() as url:
			codes, booked = self.fire(url, doctors, "11:00", practice, slug)
		self.assertEqual(codes, [200] + [409] * (PARALLEL - 1))
		self.assertEqual(booked, 1)


def shared_room() -> tuple[str, str, list[str]]:
	"""Practice iso-room: two doctors whose schedules share one single-patient room
	(committed, kept like the other fixtures)."""
	from datetime import time

	from medic_plus import demo
	from medic_plus.tests.fixtures import ALL_DAYS, BOOKING_TZ, email, ensure_member, ensure_user

	frappe.set_user("Administrator")
	company = demo.default_company()
	practice = demo.ensure_practice(
		"ISO Shared Room Practice",
		"iso-room",
		"ISORM",
		timezone=BOOKING_TZ,
		company=company,
		min_notice_minutes=0,
		max_days_ahead=90,
		buffer_minutes=0,
	)
	room = demo.ensure_service_unit("ISORM Shared Room", company)
	doctors = []
	for n in (1, 2):
		doctor = demo.ensure_practitioner(f"ISO Room Doc {n}")
		ensure_member(
			practice, ensure_user(email(f"iso-room-doc-{n}"), f"Iso Room Doc {n}"), "Doctor", doctor
		)
		demo.ensure_schedule(
			practice, doctor, f"ISORM Doc {n} Every Day", room, 30, ((time(7), time(21)),), ALL_DAYS
		)
		doctors.append(doctor)
	frappe.db.commit()  # nosemgrep: test fixture, outside any request
	return practice, "iso-room", doctors
