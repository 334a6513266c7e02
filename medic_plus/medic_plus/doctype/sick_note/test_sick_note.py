# Copyright (c) 2026, medic_plus contributors
# See license.txt
"""Sick notes on the two-practice fixture (medic_plus/tests/fixtures.py)."""

import frappe
from frappe.utils import add_days, today

from medic_plus.clinical.encounter import make_sick_note
from medic_plus.medic_plus.doctype.sick_note.sick_note import SickNoteError
from medic_plus.tests.compat import TenancyFixtureTestCase

test_ignore = ["Patient", "Healthcare Practitioner", "Patient Encounter", "Diagnosis"]
IGNORE_TEST_RECORD_DEPENDENCIES = test_ignore


class TestSickNote(TenancyFixtureTestCase):
	def new_note(self, side="a", **values):
		s = self.fx.a if side == "a" else self.fx.b
		return frappe.get_doc(
			{
				"doctype": "Sick Note",
				"patient": s.patient,
				"practitioner": s.practitioner,
				"issue_date": today(),
				"date_from": today(),
				"date_to": add_days(today(), 4),
				"fitness": "Unfit for duty",
				"diagnosis": "Acute bronchitis",
				**values,
			}
		)

	def test_doctor_issues_a_sick_note_named_for_the_practice(self):
		frappe.set_user(self.fx.a.doctor)
		note = self.new_note().insert()
		self.assertRegex(note.name, r"^ISOA-SN-\d{5}$")
		self.assertEqual(note.practice, self.fx.a.practice)
		self.assertEqual(note.days, 5)
		note.submit()

	def test_days_are_computed_never_typed(self):
		frappe.set_user(self.fx.a.doctor)
		note = self.new_note(days=99).insert()
		self.assertEqual(note.days, 5)

	def test_end_before_start_is_refused(self):
		frappe.set_user(self.fx.a.doctor)
		with self.assertRaises(SickNoteError):
			self.new_note(date_to=add_days(today(), -1)).insert()

	def test_back_dating_is_limited_per_practice(self):
		frappe.set_user(self.fx.a.doctor)
		self.new_note(date_from=add_days(today(), -3)).insert()
		with self.assertRaises(SickNoteError):
			self.new_note(date_from=add_days(today(), -4)).insert()
		frappe.set_user("Administrator")
		frappe.db.set_value("Practice", self.fx.a.practice, "sick_note_backdate_days", 7)
		frappe.set_user(self.fx.a.doctor)
		self.new_note(date_from=add_days(today(), -7)).insert()

	def test_encounter_must_be_of_the_same_patient(self):
		frappe.set_user("Administrator")
		other = frappe.get_doc(
			{
				"doctype": "Patient",
				"first_name": "Other",
				"sex": "Male",
				"invite_user": 0,
				"custom_practice": self.fx.a.practice,
			}
		).insert()
		frappe.set_user(self.fx.a.doctor)
		with self.assertRaises(SickNoteError):
			self.new_note(patient=other.name, encounter=self.fx.a.records["Patient Encounter"]).insert()

	def test_patient_and_practitioner_of_another_practice_are_refused(self):
		frappe.set_user(self.fx.a.doctor)
		with self.assertRaises(frappe.LinkValidationError):
			self.new_note(patient=self.fx.b.patient).insert()
		with self.assertRaises(frappe.LinkValidationError):
			self.new_note(practitioner=self.fx.b.practitioner).insert()

	def test_submit_adds_and_cancel_removes_the_medical_record(self):
		frappe.set_user(self.fx.a.doctor)
		note = self.new_note().insert()
		note.submit()
		records = frappe.get_all(
			"Patient Medical Record",
			filters={"reference_name": note.name},
			fields=["patient", "custom_practice"],
		)
		self.assertEqual(records, [{"patient": self.fx.a.patient, "custom_practice": self.fx.a.practice}])
		note.cancel()
		self.assertFalse(frappe.db.exists("Patient Medical Record", {"reference_name": note.name}))

	def test_amendment_keeps_the_chain(self):
		frappe.set_user(self.fx.a.doctor)
		note = self.new_note().insert()
		note.submit()
		note.cancel()
		amended = frappe.copy_doc(note)
		amended.docstatus = 0
		amended.amended_from = note.name
		amended.date_to = add_days(today(), 6)
		amended.insert()
		self.assertEqual(amended.name, f"{note.name}-1")
		self.assertEqual(amended.days, 7)
		amended.submit()
		self.assertTrue(frappe.db.exists("Patient Medical Record", {"reference_name": amended.name}))

	def test_receptionist_reads_but_cannot_issue(self):
		frappe.set_user(self.fx.a.recep)
		with self.assertRaises(frappe.PermissionError):
			self.new_note().insert()
		self.assertIn(self.fx.a.records["Sick Note"], frappe.get_list("Sick Note", pluck="name"))

	def test_admin_can_do_everything_in_the_practice(self):
		frappe.set_user(self.fx.a.admin)
		note = self.new_note().insert()
		note.submit()
		note.cancel()
		note.delete()

	def test_other_practice_cannot_see_it(self):
		frappe.set_user(self.fx.b.admin)
		with self.assertRaises(frappe.DoesNotExistError):
			frappe.get_doc("Sick Note", self.fx.a.records["Sick Note"])
		self.assertNotIn(self.fx.a.records["Sick Note"], frappe.get_list("Sick Note", pluck="name"))

	def test_issue_sick_note_from_an_encounter_prefills_it(self):
		frappe.set_user(self.fx.a.doctor)
		note = make_sick_note(self.fx.a.records["Patient Encounter"])
		self.assertEqual(
			(note["patient"], note["practitioner"], note["encounter"]),
			(self.fx.a.patient, self.fx.a.practitioner, self.fx.a.records["Patient Encounter"]),
		)
		frappe.set_user(self.fx.b.admin)
		with self.assertRaises(frappe.DoesNotExistError):
			make_sick_note(self.fx.a.records["Patient Encounter"])
