"""The clinical resources of the FHIR R4 API over HTTP: AllergyIntolerance (Patient
Allergy), Condition (Patient Problem), MedicationRequest (the Drug Prescription rows of
encounters) and Observation (the vitals of submitted Vital Signs). Every response is
parsed with fhir.resources; every answer is scoped to the token's practice."""

from __future__ import annotations

import threading
from datetime import datetime
from unittest.mock import patch
from zoneinfo import ZoneInfo

import frappe

from medic_plus import demo
from medic_plus.core.fhir_map import fhir_id as fid
from medic_plus.core.fhir_map import vital_signs_id
from medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token import issue_token
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import PASSWORD
from medic_plus.tests.http import new_client, request
from medic_plus.tests.test_fhir import parse

BASE = "/fhir/R4"
LABEL = "ISO FHIR clinical"  # on every row these tests make, to find them again
CODE_SYSTEM = "ISO FHIR Substances"
SUBSTANCE_URI = "urn:medic-plus/iso-fhir-substances"
_AMOXICILLIN, IBUPROFEN, PARACETAMOL, _RAMIPRIL, _METFORMIN = (m[0] for m in demo.FORMULARY)
CLINICAL = ("AllergyIntolerance", "Condition", "MedicationRequest", "Observation")
SHARED = ("Patient", "Practitioner", "Organization")  # what $everything adds to every page


def patient_of(resource) -> str:
	ref = resource.patient if resource.get_resource_type() == "AllergyIntolerance" else resource.subject
	return ref.reference.split("/", 1)[1]


class TestFHIRClinical(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fx = cls.fx
		frappe.set_user("Administrator")
		cleanup()
		demo.ensure_formulary()
		frappe.set_user(fx.a.admin)
		cls.token_a = issue_token(fx.a.practice, LABEL)["token"]
		frappe.set_user("Administrator")
		cls.substance_code = substance_code()

		cls.allergy_a = allergy(
			fx.a.patient,
			"Peanuts",
			status="active",
			criticality="high",
			category="food",
			substance_code=cls.substance_code,
			reaction="Hives and swelling of the lips",
			recorded_on="2030-05-02",
		)
		cls.allergy_a_resolved = allergy(
			fx.a.patient,
			"Latex",
			status="resolved",
			criticality="low",
			category="environment",
			recorded_on="2030-05-20",
		)
		cls.allergy_b = allergy(
			fx.b.patient, "Shellfish", status="active", criticality="high", recorded_on="2030-05-02"
		)

		frappe.set_user(fx.a.doctor)
		cls.enc_draft = encounter(fx.a.patient, fx.a.practitioner, [PARACETAMOL], "2030-05-03")
		cls.enc_active = encounter(fx.a.patient, fx.a.practitioner, [IBUPROFEN, PARACETAMOL], "2030-05-21")
		frappe.set_user(fx.b.doctor)
		cls.enc_b = encounter(fx.b.patient, fx.b.practitioner, [PARACETAMOL], "2030-05-03")
		frappe.set_user("Administrator")
		# as if submitted (without the orders and records a real submit makes elsewhere)
		frappe.db.set_value("Patient Encounter", cls.enc_active, "docstatus", 1, update_modified=False)
		frappe.db.set_value(
			"Drug Prescription", {"parent": cls.enc_active}, "docstatus", 1, update_modified=False
		)
		cls.rx_draft = prescriptions(cls.enc_draft)[0]
		cls.rx_active = prescriptions(cls.enc_active)
		cls.rx_b = prescriptions(cls.enc_b)[0]

		cls.problem_a = problem(
			fx.a.patient,
			"J45.9-ICD-10",
			status="active",
			chronic=1,
			onset="2020-01-15",
			recorded_on="2030-05-02",
			source_encounter=cls.enc_draft,
		)
		cls.problem_a_resolved = problem(
			fx.a.patient,
			"I10-ICD-10",
			status="resolved",
			onset="2021-03-01",
			abatement="2024-01-01",
			recorded_on="2030-05-20",
		)
		cls.problem_b = problem(fx.b.patient, "J45.9-ICD-10", status="active", recorded_on="2030-05-02")

		# six Observations: the respiratory rate is no number, the blood pressure one-sided
		cls.vs_a1 = vital_signs(
			"ISO-FHIR-VS-A1",
			fx.a,
			"2030-05-04",
			"08:05:00",
			encounter=cls.enc_draft,
			temperature="37,8",
			pulse="88",
			respiratory_rate="fast",
			bp_systolic="130",
			bp_diastolic="",
			height=1.8,
			weight=81.0,
			bmi=25.0,
		)
		cls.vs_a2 = vital_signs(
			"ISO-FHIR-VS-A2", fx.a, "2030-05-22", "10:00:00", pulse="70", bp_systolic="118", bp_diastolic="76"
		)
		cls.vs_a_draft = vital_signs(
			"ISO-FHIR-VS-A3", fx.a, "2030-05-23", "10:00:00", docstatus=0, pulse="60"
		)
		cls.vs_b = vital_signs("ISO-FHIR-VS-B1", fx.b, "2030-05-04", "08:00:00", temperature="38")
		frappe.db.commit()  # nosemgrep: requests on other threads must see them
		cls.auth = {"Authorization": f"Bearer {cls.token_a}"}
		cls.tz_a = frappe.db.get_value("Practice", fx.a.practice, "timezone") or "UTC"

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		cleanup()
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def get(self, path: str, headers=None):
		return request("GET", BASE + path, self.auth if headers is None else headers)

	def ok(self, path: str):
		"""The parsed resource of a 200 answer."""
		response = self.get(path)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		return parse(response)

	def ids(self, path: str) -> list[str]:
		bundle = self.ok(path)
		self.assertEqual(bundle.type, "searchset")
		return [e.resource.id for e in bundle.entry or []]

	def walk(self, path: str) -> tuple[list, set]:
		"""Every entry of every page, following the next links; and the totals seen."""
		entries, totals = [], set()
		while path:
			page = self.ok(path)
			entries += page.entry or []
			totals.add(page.total)
			links = {link.relation: link.url for link in page.link}
			path = links["next"].split(BASE, 1)[1] if "next" in links else None
		return entries, totals

	# --- CapabilityStatement ---------------------------------------------------------------

	def test_capability_statement_lists_the_clinical_resources(self):
		cap = self.ok("/metadata")
		resources = {r.type: r for r in cap.rest[0].resource}
		for rtype, params in (
			("AllergyIntolerance", {"patient", "date", "clinical-status", "criticality"}),
			("Condition", {"patient", "date", "clinical-status", "code"}),
			("MedicationRequest", {"patient", "date", "status"}),
			("Observation", {"patient", "date", "code", "category"}),
		):
			with self.subTest(rtype=rtype):
				self.assertIn(rtype, resources)
				self.assertLessEqual(params, {p.name for p in resources[rtype].searchParam})
				self.assertEqual({i.code for i in resources[rtype].interaction}, {"read", "search-type"})

	# --- AllergyIntolerance ----------------------------------------------------------------

	def test_allergy_read(self):
		a = self.ok(f"/AllergyIntolerance/{fid(self.allergy_a)}")
		self.assertEqual(a.id, fid(self.allergy_a))
		self.assertEqual(a.patient.reference, f"Patient/{fid(self.fx.a.patient)}")
		self.assertEqual(
			(a.clinicalStatus.coding[0].system, a.clinicalStatus.coding[0].code),
			("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active"),
		)
		self.assertEqual(a.verificationStatus.coding[0].code, "confirmed")
		self.assertEqual((a.category, a.criticality), (["food"], "high"))
		self.assertEqual(a.code.text, "Peanuts")
		self.assertEqual(
			(a.code.coding[0].system, a.code.coding[0].code, a.code.coding[0].display),
			(SUBSTANCE_URI, "ISO-PEANUT", "Peanut (substance)"),
		)
		self.assertEqual(a.reaction[0].manifestation[0].text, "Hives and swelling of the lips")
		self.assertEqual(str(a.recordedDate), "2030-05-02")
		self.assertEqual(a.note[0].text, LABEL)
		resolved = self.ok(f"/AllergyIntolerance/{fid(self.allergy_a_resolved)}")
		self.assertEqual(resolved.clinicalStatus.coding[0].code, "resolved")
		self.assertEqual(resolved.code.model_dump(exclude_none=True), {"text": "Latex"})

	def test_allergy_search_by_patient_date_status_and_criticality(self):
		patient = f"patient=Patient/{fid(self.fx.a.patient)}"
		mine = [fid(self.allergy_a), fid(self.allergy_a_resolved)]
		self.assertEqual(self.ids(f"/AllergyIntolerance?{patient}&date=ge2030-01-01"), mine)
		everyone = self.ids(f"/AllergyIntolerance?patient={fid(self.fx.a.patient)}&_count=100")
		self.assertEqual([i for i in everyone if i in mine], mine)
		self.assertEqual(self.ids(f"/AllergyIntolerance?{patient}&date=2030-05-02"), mine[:1])
		self.assertEqual(
			self.ids(f"/AllergyIntolerance?{patient}&date=gt2030-05-02&date=le2030-12-31"), mine[1:]
		)
		self.assertEqual(self.ids("/AllergyIntolerance?date=ge2030-01-01&clinical-status=resolved"), mine[1:])
		self.assertEqual(
			self.ids(
				"/AllergyIntolerance?date=ge2030-01-01&clinical-status="
				"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical|active,resolved"
			),
			mine,
		)
		self.assertEqual(self.ids("/AllergyIntolerance?date=ge2030-01-01&criticality=high"), mine[:1])
		for bad in ("criticality=severe", "clinical-status=gone", "clinical-status=,", "date=May"):
			with self.subTest(bad=bad):
				response = self.get(f"/AllergyIntolerance?{bad}")
				self.assertEqual(response.status_code, 400)
				self.assertEqual(parse(response).get_resource_type(), "OperationOutcome")

	# --- Condition ---------------------------------------------------------------------------

	def test_condition_read(self):
		c = self.ok(f"/Condition/{fid(self.problem_a)}")
		self.assertEqual(c.subject.reference, f"Patient/{fid(self.fx.a.patient)}")
		self.assertEqual(c.clinicalStatus.coding[0].code, "active")
		self.assertEqual(
			c.clinicalStatus.coding[0].system, "http://terminology.hl7.org/CodeSystem/condition-clinical"
		)
		self.assertEqual(c.verificationStatus.coding[0].code, "confirmed")
		self.assertEqual(c.category[0].coding[0].code, "problem-list-item")
		coding = c.code.coding[0]
		self.assertEqual(
			(coding.system, coding.code, coding.display),
			("http://hl7.org/fhir/sid/icd-10", "J45.9", "Asthma, unspecified"),
		)
		self.assertEqual(c.extension[0].url, "urn:medic-plus/chronic")
		self.assertIs(c.extension[0].valueBoolean, True)
		self.assertEqual(str(c.onsetDateTime), "2020-01-15")
		self.assertIsNone(c.abatementDateTime)
		self.assertEqual(c.encounter.reference, f"Encounter/{fid(self.enc_draft)}")
		self.assertEqual(str(c.recordedDate), "2030-05-02")
		resolved = self.ok(f"/Condition/{fid(self.problem_a_resolved)}")
		self.assertEqual(resolved.clinicalStatus.coding[0].code, "resolved")
		self.assertEqual(str(resolved.abatementDateTime), "2024-01-01")
		self.assertIs(resolved.extension[0].valueBoolean, False)

	def test_condition_search_by_patient_date_status_and_code(self):
		patient = f"patient={fid(self.fx.a.patient)}"
		mine = [fid(self.problem_a), fid(self.problem_a_resolved)]
		self.assertEqual(self.ids(f"/Condition?{patient}&date=ge2030-01-01"), mine)
		self.assertEqual(self.ids(f"/Condition?{patient}&date=2030-05-20"), mine[1:])
		self.assertEqual(self.ids(f"/Condition?{patient}&recorded-date=2030-05-20"), mine[1:])
		self.assertEqual(self.ids(f"/Condition?{patient}&clinical-status=active&date=ge2030-01-01"), mine[:1])
		self.assertEqual(self.ids(f"/Condition?{patient}&code=http://hl7.org/fhir/sid/icd-10|I10"), mine[1:])
		self.assertEqual(self.ids(f"/Condition?{patient}&code=J45.9,I10&date=ge2030-01-01"), mine)
		self.assertEqual(self.ids(f"/Condition?{patient}&code=http://snomed.info/sct|I10"), [])
		self.assertEqual(self.get("/Condition?clinical-status=cured").status_code, 400)

	# --- MedicationRequest -------------------------------------------------------------------

	def test_medication_request_read(self):
		m = self.ok(f"/MedicationRequest/{fid(self.rx_draft)}")
		self.assertEqual((m.status, m.intent), ("draft", "order"))
		# the medication, else the name of the prescribed item
		self.assertEqual(m.medicationCodeableConcept.text, PARACETAMOL)
		self.assertEqual(m.subject.reference, f"Patient/{fid(self.fx.a.patient)}")
		self.assertEqual(m.encounter.reference, f"Encounter/{fid(self.enc_draft)}")
		self.assertEqual(m.requester.reference, f"Practitioner/{fid(self.fx.a.practitioner)}")
		expected = datetime(2030, 5, 3, 9, 15, tzinfo=ZoneInfo(self.tz_a))
		self.assertEqual(m.authoredOn, expected)
		self.assertEqual(m.authoredOn.utcoffset(), expected.utcoffset())
		self.assertIn("1-1-1", m.dosageInstruction[0].text)
		self.assertIn(LABEL, m.dosageInstruction[0].text)
		active = self.ok(f"/MedicationRequest/{fid(self.rx_active[0])}")
		self.assertEqual(active.status, "active")
		self.assertIn(active.medicationCodeableConcept.text.lower()[:9], IBUPROFEN.lower())

	def test_medication_request_search_by_patient_date_and_status(self):
		patient = f"patient=Patient/{fid(self.fx.a.patient)}"
		mine = [fid(n) for n in (self.rx_draft, *self.rx_active)]
		self.assertEqual(self.ids(f"/MedicationRequest?{patient}&date=ge2030-01-01"), mine)
		self.assertEqual(self.ids(f"/MedicationRequest?{patient}&date=2030-05-03"), mine[:1])
		self.assertEqual(self.ids(f"/MedicationRequest?{patient}&authoredon=ge2030-05-04"), mine[1:])
		self.assertEqual(self.ids(f"/MedicationRequest?{patient}&status=active"), mine[1:])
		self.assertEqual(self.ids("/MedicationRequest?status=draft&date=ge2030-01-01"), mine[:1])
		self.assertEqual(self.ids(f"/MedicationRequest?_id={mine[2]},{fid(self.rx_b)}"), mine[2:])
		self.assertEqual(self.get("/MedicationRequest?status=happy").status_code, 400)
		first = self.ok(f"/MedicationRequest?{patient}&date=ge2030-01-01&_count=2")
		self.assertEqual((first.total, [e.resource.id for e in first.entry]), (3, mine[:2]))
		entries, totals = self.walk(f"/MedicationRequest?{patient}&date=ge2030-01-01&_count=1")
		self.assertEqual(([e.resource.id for e in entries], totals), (mine, {3}))

	# --- Observation ---------------------------------------------------------------------------

	def observation_ids(self, doc: str, *keys: str) -> list[str]:
		return [vital_signs_id(doc, k) for k in keys]

	def test_observation_read(self):
		temp = self.ok(f"/Observation/{vital_signs_id(self.vs_a1, 'temp')}")
		self.assertEqual(temp.status, "final")
		self.assertEqual(temp.category[0].coding[0].code, "vital-signs")
		self.assertEqual(
			(temp.code.coding[0].system, temp.code.coding[0].code), ("http://loinc.org", "8310-5")
		)
		self.assertEqual(
			(float(temp.valueQuantity.value), temp.valueQuantity.code, temp.valueQuantity.system),
			(37.8, "Cel", "http://unitsofmeasure.org"),
		)
		self.assertEqual(temp.subject.reference, f"Patient/{fid(self.fx.a.patient)}")
		self.assertEqual(temp.encounter.reference, f"Encounter/{fid(self.enc_draft)}")
		self.assertEqual(temp.effectiveDateTime, datetime(2030, 5, 4, 8, 5, tzinfo=ZoneInfo(self.tz_a)))
		height = self.ok(f"/Observation/{vital_signs_id(self.vs_a1, 'height')}")
		self.assertEqual(
			(float(height.valueQuantity.value), height.valueQuantity.unit, height.valueQuantity.code),
			(1.8, "m", "m"),
		)
		bp = self.ok(f"/Observation/{vital_signs_id(self.vs_a1, 'bp')}")
		self.assertEqual(bp.code.coding[0].code, "85354-9")
		systolic, diastolic = bp.component
		self.assertEqual((systolic.code.coding[0].code, float(systolic.valueQuantity.value)), ("8480-6", 130))
		self.assertEqual(systolic.valueQuantity.code, "mm[Hg]")
		self.assertEqual(diastolic.code.coding[0].code, "8462-4")
		self.assertIsNone(diastolic.valueQuantity)
		# not measured, not a number, not submitted, not an id of ours: all missing
		for missing in (
			vital_signs_id(self.vs_a2, "temp"),
			vital_signs_id(self.vs_a1, "rr"),
			vital_signs_id(self.vs_a_draft, "hr"),
			fid(self.vs_a1),
			f"{fid(self.vs_a1)}-pulse",
		):
			with self.subTest(missing=missing):
				self.assertEqual(self.get(f"/Observation/{missing}").status_code, 404)

	def test_observation_search_by_patient_date_code_and_category(self):
		patient = f"patient={fid(self.fx.a.patient)}"
		a1 = self.observation_ids(self.vs_a1, "temp", "hr", "bp", "height", "weight", "bmi")
		a2 = self.observation_ids(self.vs_a2, "hr", "bp")
		self.assertEqual(self.ids(f"/Observation?{patient}&date=ge2030-01-01"), a1 + a2)
		self.assertEqual(self.ids(f"/Observation?{patient}&date=2030-05-22"), a2)
		self.assertEqual(self.ids(f"/Observation?{patient}&code=8867-4&date=ge2030-01-01"), [a1[1], a2[0]])
		self.assertEqual(
			self.ids(f"/Observation?{patient}&code=http://loinc.org|85354-9,8310-5&date=ge2030-01-01"),
			[a1[0], a1[2], a2[1]],
		)
		self.assertEqual(self.ids(f"/Observation?{patient}&code=http://snomed.info/sct|8867-4"), [])
		self.assertEqual(self.ids(f"/Observation?{patient}&code=8480-6"), [])  # a component only
		self.assertEqual(
			self.ids(
				f"/Observation?{patient}&date=ge2030-01-01&category="
				"http://terminology.hl7.org/CodeSystem/observation-category|vital-signs"
			),
			a1 + a2,
		)
		self.assertEqual(self.ok(f"/Observation?{patient}&category=laboratory").total, 0)
		self.assertEqual(self.get("/Observation?status=final").status_code, 400)

	def test_observation_paging_and_totals(self):
		path = f"/Observation?patient={fid(self.fx.a.patient)}&date=ge2030-01-01"
		whole = self.ids(path)
		self.assertEqual(len(whole), 8)
		counted = self.ok(f"{path}&_count=0")
		self.assertEqual(counted.total, 8)
		self.assertFalse(counted.entry)
		for size in (1, 3, 5):
			with self.subTest(size=size):
				entries, totals = self.walk(f"{path}&_count={size}")
				self.assertEqual(([e.resource.id for e in entries], totals), (whole, {8}))
		for offset, size in ((4, 3), (5, 1), (6, 10), (8, 2)):
			with self.subTest(offset=offset, size=size):
				self.assertEqual(
					self.ids(f"{path}&_offset={offset}&_count={size}"), whole[offset : offset + size]
				)
		code = self.ok(f"{path}&code=8867-4&_count=1&_offset=1")
		self.assertEqual((code.total, [e.resource.id for e in code.entry]), (2, [whole[-2]]))

	# --- the practice's scope --------------------------------------------------------------

	def foreign(self) -> list[tuple[str, str]]:
		return [
			("AllergyIntolerance", fid(self.allergy_b)),
			("Condition", fid(self.problem_b)),
			("MedicationRequest", fid(self.rx_b)),
			("Observation", vital_signs_id(self.vs_b, "temp")),
		]

	def test_other_practice_answers_404_exactly_like_a_missing_one(self):
		for rtype, other in self.foreign():
			with self.subTest(rtype=rtype):
				foreign = self.get(f"/{rtype}/{other}")
				missing = self.get(f"/{rtype}/NO-SUCH-ID")
				self.assertEqual(foreign.status_code, 404)
				self.assertEqual(
					foreign.get_data(as_text=True).replace(other, "X"),
					missing.get_data(as_text=True).replace("NO-SUCH-ID", "X"),
				)
				self.assertEqual(parse(foreign).issue[0].code, "not-found")

	def test_searches_answer_the_practice_only(self):
		foreign_ids = {other for _rtype, other in self.foreign()}
		practice_patients = set(
			frappe.get_all("Patient", filters={"custom_practice": self.fx.a.practice}, pluck="name")
		)
		for rtype in CLINICAL:
			with self.subTest(rtype=rtype):
				self.assertEqual(self.ok(f"/{rtype}?patient={fid(self.fx.b.patient)}").total, 0)
				entries, _totals = self.walk(f"/{rtype}?date=ge2030-01-01&_count=100")
				self.assertTrue(entries)
				self.assertFalse({e.resource.id for e in entries} & foreign_ids)
				self.assertLessEqual(
					{patient_of(e.resource) for e in entries}, {fid(p) for p in practice_patients}
				)

	def test_session_user_reads_by_the_role_of_each_practice(self):
		"""iso-both is a doctor in A and a receptionist in B: the clinical records of A only."""
		client, site, out = new_client(), frappe.local.site, {}

		def run():
			with patch("frappe.app.get_site_name", return_value=site):
				client.post("/api/method/login", data={"usr": self.fx.both, "pwd": PASSWORD})
				for rtype in ("MedicationRequest", "Observation"):
					out[rtype] = client.get(f"{BASE}/{rtype}?date=ge2030-01-01&_count=100")
				out["foreign"] = client.get(f"{BASE}/Observation/{vital_signs_id(self.vs_b, 'temp')}")

		thread = threading.Thread(target=run)
		thread.start()
		thread.join()
		self.assertEqual(
			[e.resource.id for e in parse(out["MedicationRequest"]).entry],
			[fid(n) for n in (self.rx_draft, *self.rx_active)],
		)
		self.assertEqual(parse(out["Observation"]).total, 8)
		self.assertEqual(out["foreign"].status_code, 404)

	# --- Patient/<id>/$everything ------------------------------------------------------------

	def test_patient_everything_includes_the_clinical_resources(self):
		path = f"/Patient/{fid(self.fx.a.patient)}/$everything"
		whole = self.ok(f"{path}?_count=100")
		records = [e.resource for e in whole.entry if e.resource.get_resource_type() not in SHARED]
		self.assertEqual(whole.total, 1 + len(records))
		self.assertLessEqual(set(CLINICAL), {r.get_resource_type() for r in records})
		ids = {r.id for r in records}
		for mine in (
			fid(self.allergy_a),
			fid(self.problem_a),
			fid(self.rx_draft),
			vital_signs_id(self.vs_a1, "bmi"),
			vital_signs_id(self.vs_a2, "bp"),
		):
			self.assertIn(mine, ids)
		self.assertFalse(ids & {other for _rtype, other in self.foreign()})
		self.assertNotIn(vital_signs_id(self.vs_a_draft, "hr"), ids)
		# the prescriber is there too
		self.assertIn(
			fid(self.fx.a.practitioner),
			{e.resource.id for e in whole.entry if e.resource.get_resource_type() == "Practitioner"},
		)

		def records_of(entries):
			return [
				(e.resource.get_resource_type(), e.resource.id)
				for e in entries
				if e.resource.get_resource_type() not in SHARED
			]

		for size in (1, 4, 7):
			with self.subTest(size=size):
				entries, totals = self.walk(f"{path}?_count={size}")
				self.assertEqual(records_of(entries), records_of(whole.entry))
				self.assertEqual(totals, {whole.total})
		self.assertEqual(self.get(f"/Patient/{fid(self.fx.b.patient)}/$everything").status_code, 404)


# --- the rows the tests read -------------------------------------------------------------


def substance_code() -> str:
	if not frappe.db.exists("Code System", CODE_SYSTEM):
		frappe.get_doc(
			{"doctype": "Code System", "code_system": CODE_SYSTEM, "uri": SUBSTANCE_URI, "custom": 1}
		).insert(ignore_permissions=True)
	value = frappe.db.get_value("Code Value", {"code_system": CODE_SYSTEM, "code_value": "ISO-PEANUT"})
	if not value:
		value = (
			frappe.get_doc(
				{
					"doctype": "Code Value",
					"code_system": CODE_SYSTEM,
					"code_value": "ISO-PEANUT",
					"display": "Peanut (substance)",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	return value


def allergy(patient: str, substance: str, **values) -> str:
	doc = frappe.get_doc(
		{"doctype": "Patient Allergy", "patient": patient, "substance": substance, "note": LABEL, **values}
	)
	return doc.insert(ignore_permissions=True).name


def problem(patient: str, condition: str, **values) -> str:
	doc = frappe.get_doc(
		{"doctype": "Patient Problem", "patient": patient, "diagnosis": condition, "note": LABEL, **values}
	)
	return doc.insert(ignore_permissions=True).name


def encounter(patient: str, practitioner: str, medications: list[str], day: str) -> str:
	"""A draft encounter of the signed-in doctor, prescribing ``medications``."""
	doc = demo.new_encounter(patient, practitioner, medications, day)
	doc.encounter_time = "09:15:00"
	for row in doc.drug_prescription:
		row.comment = LABEL
	return doc.insert().name


def prescriptions(encounter_name: str) -> list[str]:
	return frappe.get_all(
		"Drug Prescription",
		filters={"parent": encounter_name, "parenttype": "Patient Encounter"},
		order_by="idx asc",
		pluck="name",
	)


def vital_signs(name: str, side, day: str, at: str, docstatus: int = 1, **values) -> str:
	"""A Vital Signs row written past its controller, submitted unless ``docstatus``."""
	doc = frappe.new_doc("Vital Signs")
	doc.update(
		{
			"patient": side.patient,
			"custom_practice": side.practice,
			"signs_date": day,
			"signs_time": at,
			"docstatus": docstatus,
			"vital_signs_note": LABEL,
			**values,
		}
	)
	doc.name = name
	doc.db_insert()
	return name


def cleanup() -> None:
	"""What these tests made (also what an interrupted run left behind)."""
	frappe.db.delete("Vital Signs", {"vital_signs_note": LABEL})
	for doctype in ("Patient Problem", "Patient Allergy"):
		for name in frappe.get_all(doctype, filters={"note": LABEL}, pluck="name"):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	encounters = set(
		frappe.get_all(
			"Drug Prescription",
			filters={"comment": LABEL, "parenttype": "Patient Encounter"},
			pluck="parent",
		)
	)
	for name in encounters:
		# back to a draft first: a submitted document is not deleted
		frappe.db.set_value("Patient Encounter", name, "docstatus", 0, update_modified=False)
		frappe.db.set_value("Drug Prescription", {"parent": name}, "docstatus", 0, update_modified=False)
		frappe.delete_doc("Patient Encounter", name, force=True, ignore_permissions=True)
	frappe.db.delete("Code Value", {"code_system": CODE_SYSTEM})
	frappe.db.delete("Code System", CODE_SYSTEM)
	frappe.db.delete("FHIR Access Token", {"label": LABEL})
