"""A practice's books: every practice keeps its own ERPNext Company (made in Desk, by
provisioning, or by the migration for one on the platform's company, moving nothing
already booked), and the practice number, VAT number and bank details its invoices and
claims carry are checked."""

from __future__ import annotations

import frappe

from medic_plus import demo
from medic_plus.billing.books import ensure_own_company, has_own_company
from medic_plus.medic_plus.doctype.practice.practice import PracticeValidationError
from medic_plus.patches.v0_3 import company_for_every_practice
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.test_operations import make_appointment


class TestBooks(TenancyFixtureTestCase):
	def new_practice(self, slug: str = "books-new", code: str = "BKNEW"):
		frappe.set_user("Administrator")
		return frappe.get_doc(
			"Practice",
			demo.ensure_practice("Books New Practice", slug, code, company=demo.default_company()),
		)

	def test_a_practice_made_in_desk_gets_its_own_company(self):
		practice = self.new_practice()
		self.assertNotEqual(practice.company, demo.default_company())
		company = frappe.get_doc("Company", practice.company)
		self.assertEqual((company.company_name, company.abbr), ("Books New Practice", "BKNEW"))
		self.assertEqual(
			company.default_currency,
			frappe.db.get_value("Company", demo.default_company(), "default_currency"),
		)
		self.assertTrue(has_own_company(practice))
		self.assertIsNone(ensure_own_company(practice))  # once

	def test_a_practices_books_print_on_its_letter_head(self):
		practice = frappe.get_doc("Practice", self.fx.a.practice)
		practice.save()
		self.assertTrue(practice.letter_head)
		self.assertEqual(
			frappe.db.get_value("Company", practice.company, "default_letter_head"), practice.letter_head
		)
		self.assertNotEqual(
			frappe.db.get_value("Company", demo.default_company(), "default_letter_head"),
			practice.letter_head,
		)

	def test_the_migration_gives_a_practice_on_the_platforms_company_its_own_and_moves_nothing(self):
		frappe.set_user("Administrator")
		fx, platform = self.fx, demo.default_company()
		frappe.db.set_value("Practice", fx.a.practice, "company", platform)  # as before
		appointment = make_appointment(fx.a.practice, fx.a.patient, fx.a.practitioner, company=platform)
		company_for_every_practice.execute()
		own = frappe.db.get_value("Practice", fx.a.practice, "company")
		self.assertNotEqual(own, platform)
		self.assertTrue(frappe.db.exists("Company", own))
		self.assertEqual(frappe.db.get_value("Patient Appointment", appointment, "company"), platform)
		companies = frappe.db.count("Company")
		company_for_every_practice.execute()  # again: nothing more
		self.assertEqual(frappe.db.count("Company"), companies)
		self.assertEqual(frappe.db.get_value("Practice", fx.a.practice, "company"), own)

	def test_the_books_identifiers_are_checked_each_with_its_reason(self):
		frappe.set_user("Administrator")
		practice = frappe.get_doc("Practice", self.fx.a.practice)
		for values, words in (
			({"practice_number": "12345"}, "A practice number has seven digits"),
			({"vat_number": "5123456789"}, "A VAT number has ten digits and starts with 4"),
			({"bank_account_number": "12"}, "A bank account number has 6 to 16 digits"),
			({"bank_branch_code": "2506"}, "A branch code has six digits"),
		):
			with self.subTest(values=values), self.assertRaises(PracticeValidationError) as caught:
				frappe.get_doc("Practice", self.fx.a.practice).update(values).save()
			self.assertIn(words, str(caught.exception))
		practice.update(
			{
				"practice_number": "012 3456",
				"vat_number": "4123 456 789",
				"bank_account_number": "62-1234-5678",
				"bank_branch_code": "250655",
			}
		).save()
		practice.reload()
		self.assertEqual(
			(practice.practice_number, practice.vat_number, practice.bank_account_number),
			("0123456", "4123456789", "6212345678"),
		)
		other = frappe.get_doc("Practice", self.fx.b.practice)
		other.practice_number = "0123456"
		with self.assertRaises(frappe.DuplicateEntryError):
			other.save()
