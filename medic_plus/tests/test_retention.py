"""Retention on a real site: a patient's clinical record is not deleted before its time
by any role, a draft may go, and the daily job flags a record past its end."""

from __future__ import annotations

import frappe
from frappe.utils import add_years, now_datetime

from medic_plus import demo
from medic_plus.privacy import retention
from medic_plus.tests.compat import TenancyFixtureTestCase


class TestRetention(TenancyFixtureTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		tag = frappe.generate_hash(length=6)
		self.patient = demo.ensure_patient(self.fx.a.practice, "Keep", tag, f"keep-{tag}@example.org")
		frappe.db.set_value("Patient", self.patient, "dob", "1970-01-01")
		frappe.set_user(self.fx.a.doctor)
		self.allergy = frappe.get_doc(
			{
				"doctype": "Patient Allergy",
				"patient": self.patient,
				"substance": "Latex",
				"criticality": "low",
			}
		).insert()

	def age(self, years: int):
		"""The patient's clinical entries, as if made ``years`` ago."""
		frappe.db.set_value(
			"Patient Allergy",
			self.allergy.name,
			"creation",
			add_years(now_datetime(), -years),
			update_modified=False,
		)

	def test_no_role_deletes_a_record_within_its_retention(self):
		for user in (self.fx.a.admin, self.fx.platform):  # the roles that may delete allergies
			frappe.set_user(user)
			with self.subTest(user=user), self.assertRaises(retention.RetentionError) as caught:
				frappe.delete_doc("Patient Allergy", self.allergy.name)
			self.assertIn("must be kept until", str(caught.exception))
		frappe.set_user(self.fx.a.admin)
		with self.assertRaises(retention.RetentionError):
			frappe.delete_doc("Patient", self.patient)
		self.assertTrue(frappe.db.exists("Patient Allergy", self.allergy.name))

	def test_past_its_end_a_record_may_go_and_the_job_flags_it(self):
		self.age(7)
		frappe.set_user("Administrator")
		self.assertGreaterEqual(retention.flag_for_review(), 1)
		self.assertEqual(frappe.db.get_value("Patient", self.patient, "custom_retention_review"), 1)
		frappe.set_user(self.fx.a.admin)
		frappe.delete_doc("Patient Allergy", self.allergy.name)
		self.assertFalse(frappe.db.exists("Patient Allergy", self.allergy.name))

	def test_a_childs_record_is_kept_until_they_turn_21(self):
		frappe.db.set_value("Patient", self.patient, "dob", add_years(now_datetime(), -17).date())
		self.age(7)  # ten years old at the entry: kept until 21, four years from now
		frappe.set_user(self.fx.a.admin)
		with self.assertRaises(retention.RetentionError):
			frappe.delete_doc("Patient Allergy", self.allergy.name)
		frappe.set_user("Administrator")
		retention.flag_for_review()
		self.assertEqual(frappe.db.get_value("Patient", self.patient, "custom_retention_review"), 0)

	def test_a_draft_is_no_clinical_entry(self):
		frappe.set_user(self.fx.a.doctor)
		draft = demo.new_encounter(self.patient, self.fx.a.practitioner, []).insert()
		frappe.set_user(self.fx.a.admin)
		frappe.delete_doc("Patient Encounter", draft.name)
		self.assertFalse(frappe.db.exists("Patient Encounter", draft.name))
