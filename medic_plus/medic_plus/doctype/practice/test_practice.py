# Copyright (c) 2026, medic_plus contributors
# See license.txt

import frappe

from medic_plus.medic_plus.doctype.practice.practice import PracticeValidationError
from medic_plus.tests.compat import IntegrationTestCase

test_ignore = ["Company"]
IGNORE_TEST_RECORD_DEPENDENCIES = ["Company"]


def make_practice(**values):
	return frappe.get_doc(
		{
			"doctype": "Practice",
			"practice_name": "Test Harbour Clinic",
			"slug": "test-harbour",
			"short_code": "THC01",
			**values,
		}
	)


class TestPractice(IntegrationTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_defaults_are_sane(self):
		doc = make_practice().insert()
		self.assertEqual(doc.status, "Active")
		self.assertEqual(doc.subscription_plan, "Basic")
		self.assertEqual(doc.practice_type, "Clinic")
		self.assertTrue(doc.allow_online_booking)
		self.assertEqual((doc.default_duration, doc.buffer_minutes), (15, 0))
		self.assertTrue(doc.timezone)

	def test_name_is_random_not_the_slug(self):
		doc = make_practice().insert()
		self.assertNotIn("harbour", doc.name.lower())
		self.assertGreaterEqual(len(doc.name), 10)

	def test_slug_and_code_are_normalised(self):
		doc = make_practice(slug="  Test-Harbour ", short_code="thc01").insert()
		self.assertEqual((doc.slug, doc.short_code), ("test-harbour", "THC01"))

	def test_reserved_slug_is_refused(self):
		for slug in ("app", "api", "admin", "login", "book", "assets", "files"):
			with self.subTest(slug=slug), self.assertRaises(PracticeValidationError):
				make_practice(slug=slug).insert()

	def test_malformed_slug_is_refused(self):
		for slug in ("ab", "has space", "under_score", "-dash", "x" * 64):
			with self.subTest(slug=slug), self.assertRaises(PracticeValidationError):
				make_practice(slug=slug).insert()

	def test_slug_and_short_code_are_unique(self):
		make_practice().insert()
		with self.assertRaises(frappe.DuplicateEntryError):
			make_practice(short_code="OTHER").insert()
		with self.assertRaises(frappe.DuplicateEntryError):
			make_practice(slug="other-slug").insert()

	def test_bad_short_code_is_refused(self):
		for code in ("AB", "ABCDEFGHI", "AB-1"):
			with self.subTest(code=code), self.assertRaises(PracticeValidationError):
				make_practice(short_code=code).insert()

	def test_brand_colour_must_be_hex(self):
		with self.assertRaises(PracticeValidationError):
			make_practice(brand_color="blue").insert()
		self.assertEqual(make_practice(brand_color="#1f6feb").insert().brand_color, "#1F6FEB")

	def test_timezone_must_exist(self):
		with self.assertRaises(PracticeValidationError):
			make_practice(timezone="Mars/Olympus").insert()

	def test_booking_settings_are_bounded(self):
		for values in ({"default_duration": 0}, {"buffer_minutes": 1000}, {"max_days_ahead": 0}):
			with self.subTest(**values), self.assertRaises(PracticeValidationError):
				make_practice(**values).insert()
