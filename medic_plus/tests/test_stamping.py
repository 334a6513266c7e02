"""Stamping on insert and refusal of links across practices (fixture: fixtures.py)."""

import frappe
from frappe.utils import add_days, nowdate

from medic_plus import demo
from medic_plus.api.context import set_active_practice
from medic_plus.tests.compat import TenancyFixtureTestCase


def new_patient(first_name: str, **values):
	return frappe.get_doc({"doctype": "Patient", "first_name": first_name, "sex": "Female", **values})


def new_appointment(patient: str, practitioner: str, **values):
	return frappe.get_doc(
		{
			"doctype": "Patient Appointment",
			"patient": patient,
			"practitioner": practitioner,
			"appointment_date": add_days(nowdate(), 7),
			"appointment_time": "10:00:00",
			"duration": 15,
			"appointment_type": "Consultation",
			"company": demo.default_company(),
			**values,
		}
	)


class TestStamping(TenancyFixtureTestCase):
	def test_new_patient_goes_to_the_users_practice(self):
		frappe.set_user(self.fx.a.recep)
		patient = new_patient("Stamped").insert()
		self.assertEqual(patient.custom_practice, self.fx.a.practice)

	def test_new_record_takes_the_practice_of_its_patient(self):
		frappe.set_user(self.fx.both)  # active practice: A (oldest membership)
		set_active_practice(self.fx.a.practice)
		frappe.set_user(self.fx.b.recep)
		appointment = new_appointment(self.fx.b.patient, self.fx.b.practitioner).insert()
		self.assertEqual(appointment.custom_practice, self.fx.b.practice)

	def test_multi_practice_user_creates_in_the_active_practice(self):
		frappe.set_user(self.fx.both)
		set_active_practice(self.fx.b.practice)
		self.assertEqual(new_patient("InB").insert().custom_practice, self.fx.b.practice)
		set_active_practice(self.fx.a.practice)
		self.assertEqual(new_patient("InA").insert().custom_practice, self.fx.a.practice)

	def test_user_without_practice_cannot_create_scoped_records(self):
		frappe.set_user(self.fx.nobody)  # holds Physician, which may create patients
		with self.assertRaises(frappe.PermissionError) as caught:
			new_patient("Orphan").insert()
		self.assertIn("not a member of any practice", str(caught.exception))
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists("Patient", {"first_name": "Orphan"}))

	def test_user_cannot_create_in_a_practice_they_do_not_belong_to(self):
		frappe.set_user(self.fx.a.recep)
		with self.assertRaises(frappe.PermissionError):
			new_patient("Intruder", custom_practice=self.fx.b.practice).insert()

	def test_record_cannot_point_at_another_practices_patient(self):
		frappe.set_user(self.fx.a.recep)
		with self.assertRaises(frappe.LinkValidationError) as caught:
			new_appointment(self.fx.b.patient, self.fx.a.practitioner).insert()
		self.assertIn("Could not find", str(caught.exception))

	def test_platform_admin_cannot_mix_practices_either(self):
		frappe.set_user(self.fx.platform)
		doc = new_appointment(self.fx.b.patient, self.fx.a.practitioner, custom_practice=self.fx.a.practice)
		with self.assertRaises(frappe.LinkValidationError):
			doc.insert()

	def test_record_cannot_point_at_a_practitioner_outside_the_practice(self):
		frappe.set_user(self.fx.a.recep)
		with self.assertRaises(frappe.LinkValidationError) as caught:
			new_appointment(self.fx.a.patient, self.fx.b.practitioner).insert()
		self.assertIn("not an active doctor of this practice", str(caught.exception))

	def test_practice_of_a_record_cannot_be_changed_by_practice_users(self):
		frappe.set_user(self.fx.both)
		set_active_practice(self.fx.a.practice)
		patient = new_patient("Mover").insert()
		patient.custom_practice = self.fx.b.practice
		with self.assertRaises(frappe.PermissionError):
			patient.save()

	def test_sharing_with_another_practice_is_refused(self):
		frappe.set_user(self.fx.a.admin)
		with self.assertRaises(frappe.PermissionError):
			frappe.share.add("Patient", self.fx.a.patient, self.fx.b.recep, read=1)
		frappe.share.add("Patient", self.fx.a.patient, self.fx.a.doctor, read=1)
