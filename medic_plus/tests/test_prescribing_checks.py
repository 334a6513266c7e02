"""Safe prescribing on the Patient Encounter, on a real site: the findings the server
keeps with the encounter, the overrides a doctor records, and the submit that a blocking
finding without an override cannot pass (engine: core/prescribing.py, unit-tested)."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, add_years, today

from medic_plus import demo
from medic_plus.clinical.prescribing import PrescribingCheckError, forget_rules
from medic_plus.tests.compat import TenancyFixtureTestCase

AMOXICILLIN, IBUPROFEN, _PARACETAMOL, RAMIPRIL, _METFORMIN = (m[0] for m in demo.FORMULARY)


class PrescribingTestCase(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		demo.ensure_formulary()
		frappe.db.commit()  # nosemgrep: masters the tests share

	def setUp(self):
		frappe.set_user("Administrator")
		self.patient = self.fx.a.patient

	def encounter(self, *medications, day=None, submit=False):
		frappe.set_user(self.fx.a.doctor)
		doc = demo.new_encounter(self.patient, self.fx.a.practitioner, medications, day).insert()
		if submit:
			doc.submit()
		return doc

	def allergy(self, substance, criticality="high", **values):
		frappe.set_user(self.fx.a.doctor)
		return frappe.get_doc(
			{
				"doctype": "Patient Allergy",
				"patient": self.patient,
				"substance": substance,
				"criticality": criticality,
				**values,
			}
		).insert()

	def findings(self, doc):
		return [(r.kind, r.severity, r.medication) for r in doc.custom_prescription_checks]


class TestAllergies(PrescribingTestCase):
	def test_a_class_allergy_blocks_the_submit_until_a_doctor_overrides_it(self):
		self.allergy("Antibiotics", reaction="rash and swelling")
		doc = self.encounter(AMOXICILLIN)
		self.assertEqual(self.findings(doc), [("allergy", "Blocking", AMOXICILLIN)])
		self.assertIn("rash and swelling", doc.custom_prescription_checks[0].message)
		with self.assertRaises(PrescribingCheckError):
			doc.submit()
		doc.reload()
		row = doc.custom_prescription_checks[0]
		row.override_reason = "Benefit outweighs the risk"
		with self.assertRaises(PrescribingCheckError):  # a reason alone is not enough
			doc.submit()
		doc.reload()
		doc.custom_prescription_checks[0].override_reason = "Benefit outweighs the risk"
		doc.custom_prescription_checks[0].override_note = "Tolerated a test dose under observation."
		doc.submit()
		row = frappe.get_doc("Prescription Check", doc.custom_prescription_checks[0].name)
		self.assertEqual((row.overridden_by, doc.docstatus), (self.fx.a.doctor, 1))
		# Healthcare made its medication request for the practice's patient
		self.assertTrue(frappe.db.exists("Medication Request", {"order_group": doc.name}))
		# the prescription prints the finding and who overrode it, and why
		html = frappe.get_print("Patient Encounter", doc.name, print_format="Prescription")
		for shown in ("Prescribing Checks", "allergic to Antibiotics", "Tolerated a test dose"):
			self.assertIn(shown, html)

	def test_a_low_criticality_allergy_warns_and_lets_it_through(self):
		self.allergy("Amoxicillin 500 mg", criticality="low")
		doc = self.encounter(AMOXICILLIN, submit=True)
		self.assertEqual(self.findings(doc), [("allergy", "Warning", AMOXICILLIN)])
		self.assertEqual(doc.docstatus, 1)

	def test_a_resolved_allergy_or_another_drug_finds_nothing(self):
		self.allergy("Antibiotics", status="resolved")
		self.allergy("Antidiabetics")
		self.assertEqual(self.findings(self.encounter(AMOXICILLIN, IBUPROFEN)), [])

	def test_a_save_that_finds_the_same_keeps_its_rows(self):
		self.allergy("Antibiotics")
		doc = self.encounter(AMOXICILLIN)
		row = doc.custom_prescription_checks[0].name
		doc.custom_prescription_checks[0].override_reason = "Benefit outweighs the risk"
		doc.save()
		doc.reload()
		self.assertEqual([r.name for r in doc.custom_prescription_checks], [row])
		self.assertEqual(doc.custom_prescription_checks[0].override_reason, "Benefit outweighs the risk")

	def test_the_client_cannot_drop_or_forge_a_finding(self):
		self.allergy("Antibiotics")
		doc = self.encounter(AMOXICILLIN)
		doc.set("custom_prescription_checks", [])
		doc.save()
		self.assertEqual(self.findings(doc), [("allergy", "Blocking", AMOXICILLIN)])
		doc.custom_prescription_checks[0].code = "allergy:something:else"
		doc.custom_prescription_checks[0].override_reason = "No suitable alternative"
		doc.custom_prescription_checks[0].override_note = "forged"
		with self.assertRaises(PrescribingCheckError):
			doc.submit()


class TestInteractions(PrescribingTestCase):
	def setUp(self):
		super().setUp()
		# only this test's rules (the site's own come back with the rollback)
		frappe.db.delete("Drug Interaction Rule")
		forget_rules()
		frappe.get_doc(
			{
				"doctype": "Drug Interaction Rule",
				"term_a": "Analgesics",
				"term_b": RAMIPRIL,
				"severity": "Blocking",
				"description": "kidney function and blood pressure",
			}
		).insert(ignore_permissions=True)

	def tearDown(self):
		super().tearDown()
		forget_rules()  # the cache may hold what this test's transaction saw

	def test_within_the_prescription(self):
		doc = self.encounter(IBUPROFEN, RAMIPRIL)
		self.assertEqual(self.findings(doc), [("interaction", "Blocking", IBUPROFEN)])
		self.assertIn("kidney function", doc.custom_prescription_checks[0].message)

	def test_against_the_current_medication(self):
		self.encounter(RAMIPRIL, day=add_days(today(), -10), submit=True)
		doc = self.encounter(IBUPROFEN)
		self.assertEqual(self.findings(doc), [("interaction", "Blocking", IBUPROFEN)])
		self.assertIn("current medication", doc.custom_prescription_checks[0].message)

	def test_a_finished_course_is_no_longer_current(self):
		self.encounter(RAMIPRIL, day=add_days(today(), -60), submit=True)  # one month, long over
		self.assertEqual(self.findings(self.encounter(IBUPROFEN)), [])

	def test_a_new_rule_applies_at_once(self):
		self.assertEqual(self.findings(self.encounter(AMOXICILLIN, IBUPROFEN)), [])
		frappe.set_user("Administrator")
		frappe.get_doc(
			{
				"doctype": "Drug Interaction Rule",
				"term_a": AMOXICILLIN,
				"term_b": "Analgesics",
				"severity": "Warning",
				"description": "test rule",
			}
		).insert(ignore_permissions=True)
		self.assertEqual(
			self.findings(self.encounter(AMOXICILLIN, IBUPROFEN)), [("interaction", "Warning", AMOXICILLIN)]
		)


class TestChildDose(PrescribingTestCase):
	def setUp(self):
		super().setUp()
		frappe.db.set_value("Patient", self.patient, "dob", add_years(today(), -4))
		frappe.db.set_value("Medication", AMOXICILLIN, "custom_max_mg_per_kg_day", 90)

	def weigh(self, kg):
		frappe.get_doc(
			{"doctype": "Vital Signs", "patient": self.patient, "signs_date": today(), "weight": kg}
		).insert(ignore_permissions=True).submit()

	def test_too_much_for_the_weight_blocks(self):
		self.weigh(10)  # 500 mg three times a day = 1500 mg > 90 mg/kg x 10 kg
		doc = self.encounter(AMOXICILLIN)
		self.assertEqual(self.findings(doc), [("dose", "Blocking", AMOXICILLIN)])
		self.assertIn("= 900 mg a day", doc.custom_prescription_checks[0].message)

	def test_enough_weight_passes_and_no_weight_warns(self):
		self.assertEqual(self.findings(self.encounter(AMOXICILLIN)), [("dose", "Warning", AMOXICILLIN)])
		self.weigh(20)
		self.assertEqual(self.findings(self.encounter(AMOXICILLIN)), [])


class TestSevereAllergyBanner(PrescribingTestCase):
	def test_what_each_role_learns(self):
		from medic_plus.api.clinical import get_safety_summary

		self.allergy("Antibiotics", reaction="anaphylaxis")
		self.allergy("Pollen", criticality="low", category="environment")
		frappe.set_user(self.fx.a.doctor)
		self.assertEqual(
			[(a.substance, a.reaction) for a in get_safety_summary(self.patient)["severe_allergies"]],
			[("Antibiotics", "anaphylaxis")],
		)
		frappe.set_user(self.fx.a.recep)  # knows there is one, not what
		(only,) = get_safety_summary(self.patient)["severe_allergies"]
		self.assertNotIn("Antibiotics", str(only))
		frappe.set_user(self.fx.b.doctor)  # another practice's patient: as if missing
		with self.assertRaises(frappe.DoesNotExistError):
			get_safety_summary(self.patient)
