"""The patient's problem list, ICD-10 codes and the structured encounter, on a real site:
loading codes (the command and the shipped subset), the picker, problems and their rules,
the assessment diagnoses that go onto the list on submit (and leave it on cancel), the
checks on a Medication Request, what the forms show, and the encounter note's print."""

from __future__ import annotations

import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

import frappe
from frappe.utils import add_days, get_bench_path, today

from medic_plus import demo
from medic_plus.api.clinical import get_safety_summary
from medic_plus.clinical import codes as code_loader
from medic_plus.clinical.codes import code_value_query
from medic_plus.clinical.prescribing import PrescribingCheckError
from medic_plus.core import codes
from medic_plus.tenancy import clock
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.test_prescribing_checks import AMOXICILLIN, RAMIPRIL, PrescribingTestCase
from medic_plus.tests.utils import bench_command

ASTHMA, HYPERTENSION, URTI = "J45.9-ICD-10", "I10-ICD-10", "J06.9-ICD-10"
TEST_SYSTEM = "MP-TEST-ICD"


def drop_test_system():
	frappe.db.delete("Code Value", {"code_system": TEST_SYSTEM})
	frappe.db.delete("Code System", {"name": TEST_SYSTEM})


class TestCodes(TenancyFixtureTestCase):
	def tearDown(self):
		drop_test_system()
		frappe.db.commit()  # nosemgrep: the command below commits in its own process
		super().tearDown()

	def test_the_shipped_subset_is_loaded_on_install(self):
		self.assertEqual(frappe.db.get_value("Code Value", ASTHMA, "code_system"), codes.ICD10)
		self.assertEqual(frappe.db.get_value("Code System", codes.ICD10, "uri"), codes.ICD10_URI)
		self.assertEqual(code_loader.load_shipped()["inserted"], 0)  # idempotent

	def test_load_upserts_and_a_second_load_writes_nothing(self):
		rows = [codes.Code("X01", "First", 1), codes.Code("X01.1", "Second", 2)]
		self.assertEqual(code_loader.load(rows, TEST_SYSTEM), {"inserted": 2, "updated": 0, "unchanged": 0})
		self.assertEqual(code_loader.load(rows, TEST_SYSTEM), {"inserted": 0, "updated": 0, "unchanged": 2})
		rows[1] = codes.Code("X01.1", "Second, renamed", 2)
		self.assertEqual(code_loader.load(rows, TEST_SYSTEM)["updated"], 1)
		self.assertEqual(
			frappe.db.get_value("Code Value", f"X01.1-{TEST_SYSTEM}", "display"), "Second, renamed"
		)

	def command(self, *args):
		return subprocess.run(
			bench_command(*args),
			cwd=Path(get_bench_path()) / "sites",
			capture_output=True,
			text=True,
			timeout=300,
		)

	def test_the_command_loads_claml_and_refuses_a_bad_file(self):
		with tempfile.TemporaryDirectory() as tmp:
			claml = Path(tmp) / "icd10.xml"
			claml.write_text(
				'<?xml version="1.0"?><ClaML><Class code="Y10" kind="category"><Rubric kind="preferred">'
				'<Label xml:lang="en">A test category</Label></Rubric></Class></ClaML>'
			)
			done = self.command("medic-plus-load-codes", str(claml), "--system", TEST_SYSTEM)
			self.assertEqual(done.returncode, 0, done.stderr)
			self.assertIn("1 codes added", done.stdout)
			bad = Path(tmp) / "bad.csv"
			bad.write_text("code,title\nnot-a-code,Something\n")
			refused = self.command("medic-plus-load-codes", str(bad), "--system", TEST_SYSTEM)
			self.assertNotEqual(refused.returncode, 0)
			self.assertIn("'not-a-code' is not an ICD-10 code", refused.stderr + refused.stdout)
		self.assertEqual(
			frappe.db.get_value("Code Value", f"Y10-{TEST_SYSTEM}", "display"), "A test category"
		)

	def test_the_picker_finds_by_code_and_by_words(self):
		frappe.set_user(self.fx.a.doctor)

		def search(text):
			return [r[0] for r in code_value_query("Code Value", text, "name", 0, 20, {})]

		self.assertEqual(search("j45")[0], ASTHMA)
		self.assertEqual(search("J45.9"), [ASTHMA])
		self.assertIn(ASTHMA, search("asthma"))
		self.assertIn(URTI, search("upper resp"))
		self.assertEqual(search("i10"), [HYPERTENSION])
		self.assertEqual(search("no such disease"), [])
		# through Frappe's link search, as the form's picker calls it
		from frappe.desk.search import search_link

		found = search_link("Code Value", "hypertension")
		self.assertIn(HYPERTENSION, [r["value"] for r in found])


class TestProblems(PrescribingTestCase):
	def problem(self, diagnosis=ASTHMA, **values):
		frappe.set_user(self.fx.a.doctor)
		return frappe.get_doc(
			{"doctype": "Patient Problem", "patient": self.patient, "diagnosis": diagnosis, **values}
		).insert()

	def test_a_problem_is_coded_kept_by_the_practice_and_listed_once(self):
		doc = self.problem(chronic=1, onset=add_days(today(), -30))
		self.assertEqual(
			(doc.code, doc.practice, doc.recorded_by), ("J45.9", self.fx.a.practice, self.fx.a.doctor)
		)
		self.assertEqual(doc.condition_name, "Asthma, unspecified")
		with self.assertRaises(frappe.DuplicateEntryError):
			self.problem()
		doc.status = "resolved"
		doc.save()
		self.assertEqual(str(doc.abatement), today())
		self.problem()  # a resolved condition may come back

	def test_bad_dates_are_refused(self):
		with self.assertRaises(frappe.ValidationError):
			self.problem(onset=add_days(today(), 1))
		with self.assertRaises(frappe.ValidationError):
			self.problem(onset=add_days(today(), -5), status="resolved", abatement=add_days(today(), -9))

	def test_the_onset_may_be_the_practices_today_where_it_is_ahead_of_the_server(self):
		# the practice's clock two days on (as a practice far east of the server is, one day)
		with patch.object(clock, "utcnow", return_value=clock.utcnow() + timedelta(days=2)):
			self.problem(onset=add_days(today(), 2))
			with self.assertRaises(frappe.ValidationError):
				self.problem(diagnosis=HYPERTENSION, onset=add_days(today(), 3))

	def test_a_receptionist_cannot_read_the_problem_list(self):
		doc = self.problem()
		frappe.set_user(self.fx.a.recep)
		self.assertFalse(frappe.has_permission("Patient Problem", "read", doc.name))

	def test_the_forms_show_allergies_and_problems_to_those_who_may_read_them(self):
		problem = self.problem(chronic=1)
		allergy = self.allergy("Pollen", criticality="low", category="environment")
		frappe.set_user(self.fx.a.doctor)
		summary = get_safety_summary(self.patient)
		self.assertIn((problem.name, "J45.9", 1), [(p.name, p.code, p.chronic) for p in summary["problems"]])
		self.assertIn((allergy.name, "Pollen"), [(a.name, a.substance) for a in summary["allergies"]])
		self.assertEqual(summary["severe_allergies"], [])
		frappe.set_user(self.fx.a.recep)
		summary = get_safety_summary(self.patient)
		self.assertIsNone(summary["problems"])
		self.assertIsNone(summary["allergies"])


class TestEncounterDiagnoses(PrescribingTestCase):
	def consultation(self, *diagnoses, submit=True):
		frappe.set_user(self.fx.a.doctor)
		doc = demo.new_encounter(self.patient, self.fx.a.practitioner, [])
		doc.update(
			{
				"custom_subjective": "Cough for a week.",
				"custom_objective": "Wheeze on both sides.",
				"custom_examination_findings": [
					{"body_system": "Respiratory", "finding": "Expiratory wheeze.", "abnormal": 1}
				],
				"custom_assessment": "Asthma.",
				"custom_diagnoses": [{"diagnosis": d, "add_to_problem_list": add} for d, add in diagnoses],
				"custom_plan": "Inhaler; review in two weeks.",
			}
		)
		doc.insert()
		if submit:
			doc.submit()
		return doc

	def problems(self):
		return frappe.get_all(
			"Patient Problem",
			# the fixture's bare row (isolation tests) has no diagnosis
			filters={"patient": self.patient, "diagnosis": ("is", "set")},
			fields=["diagnosis", "source_encounter", "status"],
			order_by="diagnosis",
		)

	def test_ticked_diagnoses_go_onto_the_problem_list_on_submit_and_leave_on_cancel(self):
		doc = self.consultation((ASTHMA, 1), (URTI, 0))
		self.assertEqual([(p.diagnosis, p.source_encounter) for p in self.problems()], [(ASTHMA, doc.name)])
		doc.reload()
		self.assertTrue(doc.custom_diagnoses[0].problem)
		self.assertFalse(doc.custom_diagnoses[1].problem)
		doc.cancel()
		self.assertEqual(self.problems(), [])

	def test_a_condition_already_on_the_list_is_linked_not_repeated(self):
		first = self.consultation((ASTHMA, 1))
		second = self.consultation((ASTHMA, 1))
		(problem,) = self.problems()
		second.reload()
		self.assertEqual(
			second.custom_diagnoses[0].problem, first.reload() or first.custom_diagnoses[0].problem
		)
		first.cancel()  # the second encounter still holds it
		(problem,) = self.problems()
		self.assertEqual(problem.source_encounter, second.name)

	def test_a_draft_adds_nothing_and_a_diagnosis_counts_once(self):
		self.consultation((ASTHMA, 1), submit=False)
		self.assertEqual(self.problems(), [])
		with self.assertRaises(frappe.ValidationError):
			self.consultation((ASTHMA, 1), (ASTHMA, 0), submit=False)

	def test_the_encounter_note_prints_the_soap_note(self):
		doc = self.consultation((ASTHMA, 1))
		html = frappe.get_print("Patient Encounter", doc.name, print_format="Encounter Note")
		for shown in (
			"Cough for a week.",
			"Wheeze on both sides.",
			"Expiratory wheeze.",
			"J45.9",
			"Asthma, unspecified",
			"on the problem list",
			"Inhaler; review in two weeks.",
		):
			self.assertIn(shown, html)


class TestMedicationRequest(PrescribingTestCase):
	def request(self, medication, order_group=None):
		frappe.set_user("Administrator")
		dosage, form = frappe.db.get_value(
			"Medication", medication, ["default_prescription_dosage", "dosage_form"]
		)
		return frappe.get_doc(
			{
				"doctype": "Medication Request",
				"order_date": today(),
				"order_time": "10:00:00",
				"company": frappe.db.get_value("Patient Encounter", {}, "company")
				or frappe.defaults.get_global_default("company"),
				"status": "draft-Medication Request Status",
				"patient": self.patient,
				"practitioner": self.fx.a.practitioner,
				"medication": medication,
				"medication_item": frappe.db.get_value(
					"Medication Linked Item", {"parent": medication}, "item"
				),
				"dosage": dosage or "1-1-1",
				"dosage_form": form,
				"period": "1 Month",
				"order_group": order_group,
			}
		)

	def test_a_request_on_its_own_is_checked_and_needs_an_override(self):
		self.allergy("Antibiotics")
		doc = self.request(AMOXICILLIN)
		doc.insert(ignore_mandatory=True)
		self.assertEqual(self.findings(doc), [("allergy", "Blocking", AMOXICILLIN)])
		with self.assertRaises(PrescribingCheckError):
			doc.submit()
		doc.reload()
		doc.custom_prescription_checks[0].override_reason = "No suitable alternative"
		doc.custom_prescription_checks[0].override_note = "Specialist advice on file."
		doc.submit()
		self.assertEqual(doc.docstatus, 1)

	def test_a_request_from_an_encounter_keeps_the_encounters_override(self):
		self.allergy("Antibiotics")
		enc = self.encounter(AMOXICILLIN, RAMIPRIL)
		enc.custom_prescription_checks[0].override_reason = "Benefit outweighs the risk"
		enc.custom_prescription_checks[0].override_note = "Tolerated before."
		enc.submit()
		requests = frappe.get_all(
			"Medication Request",
			filters={"order_group": enc.name},
			fields=["name", "docstatus", "medication"],
		)
		self.assertEqual(sorted(r.medication for r in requests), sorted([AMOXICILLIN, RAMIPRIL]))
		amox = frappe.get_doc(
			"Medication Request", next(r.name for r in requests if r.medication == AMOXICILLIN)
		)
		self.assertEqual(amox.docstatus, 1)
		self.assertEqual(amox.custom_prescription_checks[0].override_note, "Tolerated before.")
