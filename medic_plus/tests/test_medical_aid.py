"""Medical aids and tariff codes on a real site: the schemes a site starts with, a
patient's medical aid checked field by field and kept inside its practice, an appointment
naming the medical aid of its day, tariff codes billed as ERPNext items, and the switch
configuration for the platform only."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, today

from medic_plus.medic_plus.doctype.medical_aid_scheme.medical_aid_scheme import SCHEMES, ensure_schemes
from medic_plus.medic_plus.doctype.patient_medical_aid.patient_medical_aid import MedicalAidError, current
from medic_plus.medic_plus.doctype.tariff_code.tariff_code import TariffCodeError
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.test_operations import make_appointment

SCHEME = "Discovery Health Medical Scheme"


class TestMedicalAid(TenancyFixtureTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		ensure_schemes()
		scheme = frappe.get_doc("Medical Aid Scheme", SCHEME)
		scheme.set(
			"options", [{"option_name": "Classic Saver"}, {"option_name": "KeyCare Plus", "copayment": 50}]
		)
		scheme.save()
		frappe.db.delete("Patient Medical Aid", {"patient": ("in", [self.fx.a.patient, self.fx.b.patient])})

	def aid(self, **values):
		return frappe.get_doc(
			{
				"doctype": "Patient Medical Aid",
				"patient": self.fx.a.patient,
				"scheme": SCHEME,
				"option": "Classic Saver",
				"member_number": "123 456 789",
				"dependant_code": "1",
				"principal_member_name": "T Dlamini",
				"valid_from": add_days(today(), -30),
				**values,
			}
		)

	def test_a_site_starts_with_the_common_schemes_once(self):
		self.assertTrue(all(frappe.db.exists("Medical Aid Scheme", name) for name, _code in SCHEMES))
		self.assertEqual(ensure_schemes(), 0)

	def test_a_receptionist_records_a_medical_aid_cleaned_and_stamped(self):
		frappe.set_user(self.fx.a.recep)
		doc = self.aid(principal_member_id="800101 5009 087").insert()
		self.assertEqual(
			(doc.practice, doc.member_number, doc.dependant_code, doc.principal_member_id),
			(self.fx.a.practice, "123456789", "01", "8001015009087"),
		)
		self.assertEqual(current(self.fx.a.patient).name, doc.name)
		self.assertIsNone(current(self.fx.a.patient, add_days(today(), -31)))

	def test_each_wrong_field_is_refused_with_its_reason(self):
		frappe.set_user(self.fx.a.recep)
		for values, words in (
			(
				{"option": "Gold"},
				"Choose one of the options of Discovery Health Medical Scheme: Classic Saver, KeyCare Plus",
			),
			({"member_number": "1"}, "A membership number is 3 to 20 letters and digits"),
			({"dependant_code": "100"}, "A dependant code is two digits"),
			({"principal_member_id": "8001015009088"}, "not a valid South African ID number"),
			({"valid_to": add_days(today(), -31)}, "Valid To cannot be before Valid From"),
		):
			with self.subTest(values=values), self.assertRaises(MedicalAidError) as caught:
				self.aid(**values).insert()
			self.assertIn(words, str(caught.exception))
			self.assertEqual(caught.exception.http_status_code, 400)
		self.assertFalse(frappe.db.exists("Patient Medical Aid", {"patient": self.fx.a.patient}))

	def test_one_medical_aid_in_force_on_a_day(self):
		frappe.set_user(self.fx.a.recep)
		self.aid(valid_to=add_days(today(), 10)).insert()
		with self.assertRaises(MedicalAidError) as caught:
			self.aid(valid_from=add_days(today(), 5), member_number="987654321").insert()
		self.assertIn("already has a medical aid for these days", str(caught.exception))
		self.aid(valid_from=add_days(today(), 11), member_number="987654321").insert()  # after it ends

	def test_another_practices_patient_takes_no_medical_aid_from_here(self):
		frappe.set_user(self.fx.a.recep)
		with self.assertRaises(frappe.ValidationError):
			self.aid(patient=self.fx.b.patient).insert()
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists("Patient Medical Aid", {"patient": self.fx.b.patient}))

	def test_an_appointment_names_the_medical_aid_of_its_day(self):
		doc = self.aid(valid_to=add_days(today(), 20)).insert()
		inside = make_appointment(
			self.fx.a.practice, self.fx.a.patient, self.fx.a.practitioner, day=add_days(today(), 3)
		)
		after = make_appointment(
			self.fx.a.practice, self.fx.a.patient, self.fx.a.practitioner, day=add_days(today(), 40)
		)
		self.assertEqual(frappe.db.get_value("Patient Appointment", inside, "custom_medical_aid"), doc.name)
		self.assertIsNone(frappe.db.get_value("Patient Appointment", after, "custom_medical_aid"))

	def test_the_patient_shows_its_medical_aids(self):
		data = frappe.get_meta("Patient").get_dashboard_data()
		self.assertTrue(any("Patient Medical Aid" in group["items"] for group in data.transactions))

	def test_schemes_and_tariff_codes_are_the_platforms_to_change(self):
		frappe.set_user(self.fx.a.admin)
		self.assertTrue(frappe.has_permission("Medical Aid Scheme", "read"))
		self.assertFalse(frappe.has_permission("Medical Aid Scheme", "write"))
		self.assertTrue(frappe.has_permission("Tariff Code", "read"))
		self.assertFalse(frappe.has_permission("Tariff Code", "create"))
		self.assertFalse(frappe.has_permission("Switch Configuration", "read"))


class TestTariffCode(TenancyFixtureTestCase):
	def test_a_tariff_code_bills_as_its_own_item(self):
		frappe.set_user("Administrator")
		code = frappe.get_doc({"doctype": "Tariff Code", "code": "0190", "description": "GP consultation"})
		if not frappe.db.exists("Tariff Code", "0190"):
			code.insert()
		code = frappe.get_doc("Tariff Code", "0190")
		self.assertEqual(code.item, "TARIFF-0190")
		self.assertEqual(
			frappe.db.get_value("Item", code.item, ["is_stock_item", "item_name"]), (0, code.description)
		)

	def test_a_wrong_code_or_a_medicine_without_its_nappi_code_is_refused(self):
		frappe.set_user("Administrator")
		for values, words in (
			({"code": "19", "description": "x"}, "is not a tariff code"),
			({"code": "0201", "kind": "Medicine", "description": "Paracetamol"}, "needs its NAPPI code"),
			(
				{"code": "0202", "kind": "Medicine", "nappi_code": "12", "description": "x"},
				"is not a NAPPI code",
			),
			({"code": "00190", "is_modifier": 1, "description": "x"}, "is not a modifier"),
		):
			with self.subTest(values=values), self.assertRaises(TariffCodeError) as caught:
				frappe.get_doc({"doctype": "Tariff Code", **values}).insert()
			self.assertIn(words, str(caught.exception))


class TestSwitchConfiguration(TenancyFixtureTestCase):
	def test_only_the_platform_sees_a_switch_and_its_endpoint_is_checked(self):
		frappe.set_user("Administrator")
		with self.assertRaises(frappe.ValidationError):
			frappe.get_doc(
				{
					"doctype": "Switch Configuration",
					"switch_name": "ISO Switch",
					"endpoint": "switch.example",
					"timeout_seconds": 5,
				}
			).insert()
		frappe.get_doc(
			{
				"doctype": "Switch Configuration",
				"switch_name": "ISO Switch",
				"endpoint": "https://switch.example/fhir/",
				"password": "s3cret",
				"timeout_seconds": 5,
			}
		).insert()
		self.assertEqual(
			frappe.db.get_value("Switch Configuration", "ISO Switch", "endpoint"),
			"https://switch.example/fhir",
		)
		frappe.set_user(self.fx.a.admin)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc("Switch Configuration", "ISO Switch").check_permission("read")
