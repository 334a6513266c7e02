import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from medic_plus.core import fhir_map


def as_dict(resource):
	return json.loads(fhir_map.to_json(resource))


def test_patient_maps_names_gender_birthdate_contact_and_practice():
	p = as_dict(
		fhir_map.patient(
			{
				"name": "PAT-1",
				"first_name": "Mia",
				"last_name": "Schulz",
				"patient_name": "Mia Schulz",
				"sex": "Female",
				"dob": date(1990, 5, 17),
				"email": "mia@example.org",
				"mobile": "+4915100000",
				"status": "Active",
				"practice": "PRAC1",
			}
		)
	)
	assert p["resourceType"] == "Patient" and p["id"] == "PAT-1"
	assert p["name"] == [{"family": "Schulz", "given": ["Mia"], "text": "Mia Schulz"}]
	assert (p["gender"], p["birthDate"], p["active"]) == ("female", "1990-05-17", True)
	assert {"system": "email", "value": "mia@example.org"} in p["telecom"]
	assert p["managingOrganization"] == {"reference": "Organization/PRAC1"}


def test_unknown_gender_and_missing_fields_are_left_out():
	p = as_dict(fhir_map.patient({"name": "P", "first_name": "X", "sex": "Prefer not to say"}))
	assert p["gender"] == "unknown"
	assert "birthDate" not in p and "telecom" not in p


def test_appointment_times_carry_the_practice_offset_and_statuses_map():
	a = as_dict(
		fhir_map.appointment(
			{
				"name": "APP-1",
				"patient": "PAT-1",
				"practitioner": "DOC-1",
				"appointment_date": date(2026, 7, 1),
				"appointment_time": timedelta(hours=10, minutes=30),
				"duration": 20,
				"status": "Scheduled",
				"booking_reference": "ABC01-A00042",
			},
			"Europe/Berlin",
		)
	)
	assert (a["start"], a["end"], a["minutesDuration"]) == (
		"2026-07-01T10:30:00+02:00",
		"2026-07-01T10:50:00+02:00",
		20,
	)
	assert a["status"] == "booked"
	assert {"actor": {"reference": "Practitioner/DOC-1"}, "status": "accepted"} in a["participant"]
	assert {"system": "urn:medic-plus/booking-reference", "value": "ABC01-A00042"} in a["identifier"]


def test_every_appointment_status_has_a_fhir_status():
	for status, expected in fhir_map.APPOINTMENT_STATUS.items():
		a = as_dict(fhir_map.appointment({"name": "A", "patient": "P", "status": status}, "UTC"))
		assert a["status"] == expected
	assert fhir_map.frappe_statuses("Appointment", "booked") == ["Scheduled", "Confirmed"]


def test_encounter_status_follows_docstatus():
	for docstatus, expected in ((0, "in-progress"), (1, "finished"), (2, "cancelled")):
		e = as_dict(fhir_map.encounter({"name": "E", "patient": "P", "docstatus": docstatus}, "UTC"))
		assert e["status"] == expected
		assert e["class"]["code"] == "AMB"


def test_organization_and_practitioner():
	o = as_dict(
		fhir_map.organization(
			{
				"name": "PR",
				"practice_name": "Harbour",
				"slug": "harbour",
				"short_code": "HFP01",
				"status": "Active",
				"address": "A 1\n2000 X",
			}
		)
	)
	assert (o["name"], o["active"], o["address"]) == ("Harbour", True, [{"text": "A 1, 2000 X"}])
	d = as_dict(
		fhir_map.practitioner(
			{
				"name": "DOC",
				"first_name": "Jo",
				"last_name": "Berg",
				"registration": "R-1",
				"status": "Active",
			}
		)
	)
	assert {"system": "urn:medic-plus/registration", "value": "R-1"} in d["identifier"]


def test_bundle_is_a_searchset_with_total_links_and_full_urls():
	p = fhir_map.patient({"name": "P1", "first_name": "A"})
	b = as_dict(
		fhir_map.bundle(
			[p], "https://x/fhir/R4", 7, {"self": "https://x/fhir/R4/Patient", "next": "https://x/n"}
		)
	)
	assert (b["type"], b["total"]) == ("searchset", 7)
	assert b["entry"][0]["fullUrl"] == "https://x/fhir/R4/Patient/P1"
	assert {"relation": "next", "url": "https://x/n"} in b["link"]


def test_capability_statement_states_the_version_honestly():
	c = as_dict(fhir_map.capability_statement("https://x/fhir/R4", "0.1.0", "2026-11-21"))
	assert c["fhirVersion"] == "4.3.0"
	resources = {r["type"]: r for r in c["rest"][0]["resource"]}
	assert set(resources) == {
		"Patient",
		"Practitioner",
		"Organization",
		"Appointment",
		"Encounter",
		"AllergyIntolerance",
		"Condition",
		"MedicationRequest",
		"Observation",
		"Group",
	}
	# the bulk export: Patient/$export and Group/<practice>/$export
	assert c["instantiates"] == ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"]
	assert {o["name"] for o in resources["Patient"]["operation"]} == {"everything", "export"}
	assert [o["name"] for o in resources["Group"]["operation"]] == ["export"]
	params = {p["name"]: p["type"] for p in resources["Observation"]["searchParam"]}
	assert params == {"patient": "reference", "date": "date", "code": "token", "category": "token"}
	params = {p["name"]: p["type"] for p in resources["AllergyIntolerance"]["searchParam"]}
	assert (params["clinical-status"], params["criticality"], params["date"]) == ("token", "token", "date")


def test_operation_outcome():
	o = as_dict(fhir_map.outcome("not-found", "Patient/X not found"))
	assert o["issue"][0] == {"severity": "error", "code": "not-found", "diagnostics": "Patient/X not found"}


def test_frappe_names_become_valid_fhir_ids_and_back():
	for name in ("HLC-PAT-2026-00001", "Mia Schulz", "Müller, Jörg", "a.b", "ABC01-A00042", "x/y?z"):
		fid = fhir_map.fhir_id(name)
		assert fhir_map._ID_RE.match(fid), fid
		assert fhir_map.frappe_name(fid) == name
	assert fhir_map.fhir_id("Mia Schulz") == "Mia.20Schulz"
	assert fhir_map.fhir_id("HLC-PAT-2026-00001") == "HLC-PAT-2026-00001"


def test_malformed_ids_decode_to_nothing():
	for bad in ("", "a b", "x" * 65, ".ZZ", ".C3", "a/b"):
		assert fhir_map.frappe_name(bad) is None


def test_references_use_fhir_ids():
	p = as_dict(fhir_map.patient({"name": "Mia Schulz", "first_name": "Mia", "practice": "p1"}))
	assert p["id"] == "Mia.20Schulz"
	a = as_dict(fhir_map.appointment({"name": "A 1", "patient": "Mia Schulz", "status": "Open"}, "UTC"))
	assert a["participant"][0]["actor"]["reference"] == "Patient/Mia.20Schulz"


# --- AllergyIntolerance -----------------------------------------------------------------

ALLERGY = {
	"name": "ALG-1",
	"patient": "PAT-1",
	"practice": "PRAC1",
	"status": "active",
	"criticality": "high",
	"substance": "Penicillin",
	"substance_code": "764146007-SNOMED",
	"substance_code_value": "764146007",
	"substance_display": "Penicillin",
	"substance_system": "http://snomed.info/sct",
	"category": "medication",
	"reaction": "Hives\nand swelling",
	"recorded_on": date(2026, 2, 3),
	"note": "Since childhood",
}


def test_allergy_maps_status_verification_category_criticality_code_and_reaction():
	a = as_dict(fhir_map.allergy_intolerance(ALLERGY))
	assert (a["resourceType"], a["id"]) == ("AllergyIntolerance", "ALG-1")
	assert a["clinicalStatus"]["coding"] == [
		{
			"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
			"code": "active",
			"display": "Active",
		}
	]
	assert a["verificationStatus"]["coding"][0]["code"] == "confirmed"
	assert (a["category"], a["criticality"]) == (["medication"], "high")
	assert a["code"] == {
		"coding": [{"system": "http://snomed.info/sct", "code": "764146007", "display": "Penicillin"}],
		"text": "Penicillin",
	}
	assert a["patient"] == {"reference": "Patient/PAT-1"}
	assert a["recordedDate"] == "2026-02-03"
	assert a["reaction"] == [{"manifestation": [{"text": "Hives and swelling"}]}]
	assert a["note"] == [{"text": "Since childhood"}]


def test_allergy_without_a_substance_code_names_the_substance_only():
	a = as_dict(
		fhir_map.allergy_intolerance(
			{"name": "A 2", "patient": "P", "status": "active", "criticality": "low", "substance": "Peanuts"}
		)
	)
	assert a["id"] == "A.202"
	assert a["code"] == {"text": "Peanuts"}
	assert "reaction" not in a and "category" not in a and "note" not in a


def test_resolved_allergy_and_unknown_values_are_left_out():
	a = as_dict(
		fhir_map.allergy_intolerance({**ALLERGY, "status": "resolved", "criticality": "", "category": "x"})
	)
	assert a["clinicalStatus"]["coding"][0]["code"] == "resolved"
	assert "criticality" not in a and "category" not in a
	for criticality in fhir_map.ALLERGY_CRITICALITY:
		a = as_dict(fhir_map.allergy_intolerance({**ALLERGY, "criticality": criticality}))
		assert a["criticality"] == criticality


# --- Condition --------------------------------------------------------------------------

PROBLEM = {
	"name": "PRB-1",
	"patient": "PAT-1",
	"practice": "PRAC1",
	"status": "active",
	"chronic": 0,
	"condition": "J45.9-ICD-10",
	"code": "J45.9",
	"condition_name": "Asthma, unspecified",
	"onset": date(2020, 1, 15),
	"abatement": None,
	"source_encounter": "ENC 1",
	"recorded_on": date(2026, 2, 3),
	"note": "Worse in winter",
}


def test_condition_is_a_problem_list_item_coded_in_icd10():
	c = as_dict(fhir_map.condition(PROBLEM))
	assert (c["resourceType"], c["id"]) == ("Condition", "PRB-1")
	assert c["clinicalStatus"]["coding"][0] == {
		"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
		"code": "active",
		"display": "Active",
	}
	assert c["verificationStatus"]["coding"][0]["code"] == "confirmed"
	assert c["category"][0]["coding"][0] == {
		"system": "http://terminology.hl7.org/CodeSystem/condition-category",
		"code": "problem-list-item",
		"display": "Problem List Item",
	}
	assert c["code"] == {
		"coding": [
			{"system": "http://hl7.org/fhir/sid/icd-10", "code": "J45.9", "display": "Asthma, unspecified"}
		],
		"text": "Asthma, unspecified",
	}
	assert c["subject"] == {"reference": "Patient/PAT-1"}
	assert c["encounter"] == {"reference": "Encounter/ENC.201"}
	assert (c["onsetDateTime"], c["recordedDate"]) == ("2020-01-15", "2026-02-03")
	assert "abatementDateTime" not in c
	assert c["extension"] == [{"url": "urn:medic-plus/chronic", "valueBoolean": False}]
	assert c["note"] == [{"text": "Worse in winter"}]


def test_chronic_condition_with_abatement():
	c = as_dict(
		fhir_map.condition({**PROBLEM, "status": "remission", "chronic": 1, "abatement": date(2025, 6, 30)})
	)
	assert c["extension"] == [{"url": "urn:medic-plus/chronic", "valueBoolean": True}]
	assert c["clinicalStatus"]["coding"][0]["code"] == "remission"
	assert (c["onsetDateTime"], c["abatementDateTime"]) == ("2020-01-15", "2025-06-30")
	# the model reads them back as FHIR dateTimes
	parsed = fhir_map.Condition.model_validate(c)
	assert str(parsed.abatementDateTime) == "2025-06-30"


def test_condition_without_a_code_or_encounter():
	c = as_dict(fhir_map.condition({"name": "P", "patient": "X", "status": "inactive"}))
	assert "code" not in c and "encounter" not in c and "onsetDateTime" not in c
	for status in fhir_map.CONDITION_CLINICAL_STATUS:
		c = as_dict(fhir_map.condition({**PROBLEM, "status": status}))
		assert c["clinicalStatus"]["coding"][0]["code"] == status


# --- MedicationRequest ------------------------------------------------------------------

PRESCRIPTION = {
	"name": "a1b2c3",
	"medication": "Amoxicillin 500 mg",
	"drug_code": "AMOX500",
	"drug_name": "Amoxicillin 500 mg capsules",
	"dosage": "1-1-1",
	"period": "1 Week",
	"dosage_form": "Capsule",
	"comment": "After meals",
	"encounter": "HLC-ENC-2026-00001",
	"patient": "PAT-1",
	"practitioner": "DOC-1",
	"encounter_date": date(2026, 7, 1),
	"encounter_time": timedelta(hours=9, minutes=15),
	"docstatus": 1,
	"practice": "PRAC1",
}


def test_medication_request_from_a_drug_prescription_row():
	m = as_dict(fhir_map.medication_request(PRESCRIPTION, "Europe/Berlin"))
	assert (m["resourceType"], m["id"], m["status"], m["intent"]) == (
		"MedicationRequest",
		"a1b2c3",
		"active",
		"order",
	)
	assert m["medicationCodeableConcept"] == {"text": "Amoxicillin 500 mg"}
	assert m["subject"] == {"reference": "Patient/PAT-1"}
	assert m["encounter"] == {"reference": "Encounter/HLC-ENC-2026-00001"}
	assert m["requester"] == {"reference": "Practitioner/DOC-1"}
	assert m["authoredOn"] == "2026-07-01T09:15:00+02:00"
	assert m["dosageInstruction"] == [{"text": "1-1-1 (Capsule) for 1 Week. After meals"}]


def test_medication_request_status_follows_the_encounter_and_names_fall_back():
	for docstatus, expected in ((0, "draft"), (1, "active"), (2, "cancelled")):
		m = as_dict(fhir_map.medication_request({**PRESCRIPTION, "docstatus": docstatus}, "UTC"))
		assert m["status"] == expected
		assert fhir_map.frappe_statuses("MedicationRequest", expected) == [docstatus]
	m = as_dict(fhir_map.medication_request({**PRESCRIPTION, "medication": None}, "UTC"))
	assert m["medicationCodeableConcept"] == {"text": "Amoxicillin 500 mg capsules"}
	bare = as_dict(fhir_map.medication_request({"name": "r", "patient": "P"}, "UTC"))
	assert bare["medicationCodeableConcept"] == {"text": "Unspecified medication"}
	assert bare["status"] == "draft"
	assert "dosageInstruction" not in bare and "authoredOn" not in bare and "requester" not in bare


# --- Observation (vital signs) ----------------------------------------------------------

VITAL_SIGNS = {
	"name": "HLC-VTS-2026-00001",
	"patient": "PAT-1",
	"encounter": "HLC-ENC-2026-00001",
	"signs_date": date(2026, 7, 1),
	"signs_time": timedelta(hours=9, minutes=30),
	"temperature": "37,5",
	"pulse": "72",
	"respiratory_rate": "16",
	"bp_systolic": "120",
	"bp_diastolic": "80",
	"height": 1.72,
	"weight": 70.5,
	"bmi": 23.8,
	"practice": "PRAC1",
}


def by_code(observations):
	return {o["code"]["coding"][0]["code"]: o for o in map(as_dict, observations)}


def test_vital_signs_give_one_observation_per_measured_value():
	obs = fhir_map.observations(VITAL_SIGNS, "Europe/Berlin")
	assert [o.id for o in obs] == [
		f"HLC-VTS-2026-00001-{k}" for k in ("temp", "hr", "rr", "bp", "height", "weight", "bmi")
	]
	codes = by_code(obs)
	expected = {
		"8310-5": (Decimal("37.5"), "Cel"),
		"8867-4": (72, "/min"),
		"9279-1": (16, "/min"),
		"8302-2": (1.72, "m"),
		"29463-7": (70.5, "kg"),
		"39156-5": (23.8, "kg/m2"),
	}
	for code, (value, unit) in expected.items():
		quantity = codes[code]["valueQuantity"]
		assert (quantity["value"], quantity["code"], quantity["system"]) == (
			float(value),
			unit,
			"http://unitsofmeasure.org",
		), code
	temp = codes["8310-5"]
	assert temp["status"] == "final"
	assert temp["category"][0]["coding"][0] == {
		"system": "http://terminology.hl7.org/CodeSystem/observation-category",
		"code": "vital-signs",
		"display": "Vital Signs",
	}
	assert temp["code"]["coding"][0]["system"] == "http://loinc.org"
	assert temp["subject"] == {"reference": "Patient/PAT-1"}
	assert temp["encounter"] == {"reference": "Encounter/HLC-ENC-2026-00001"}
	assert temp["effectiveDateTime"] == "2026-07-01T09:30:00+02:00"
	bp = codes["85354-9"]
	assert "valueQuantity" not in bp
	assert [(c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in bp["component"]] == [
		("8480-6", 120),
		("8462-4", 80),
	]
	assert {c["valueQuantity"]["code"] for c in bp["component"]} == {"mm[Hg]"}


def test_unparsable_and_missing_values_are_skipped():
	row = {
		**VITAL_SIGNS,
		"temperature": "feverish",
		"pulse": "",
		"respiratory_rate": None,
		"height": 0,
		"weight": None,
		"bmi": 0.0,
	}
	assert fhir_map.vital_keys(row) == ["bp"]
	assert [o.id for o in fhir_map.observations(row, "UTC")] == ["HLC-VTS-2026-00001-bp"]
	with pytest.raises(ValueError):
		fhir_map.observation(row, "temp", "UTC")
	assert fhir_map.vital_keys({"name": "V", "patient": "P"}) == []


def test_blood_pressure_with_only_one_side():
	row = {"name": "V", "patient": "P", "bp_systolic": "", "bp_diastolic": "85"}
	assert fhir_map.vital_keys(row) == ["bp"]
	bp = as_dict(fhir_map.observation(row, "bp", "UTC"))
	systolic, diastolic = bp["component"]
	assert systolic["code"]["coding"][0]["code"] == "8480-6"
	assert "valueQuantity" not in systolic
	assert systolic["dataAbsentReason"]["coding"][0]["code"] == "unknown"
	assert diastolic["valueQuantity"]["value"] == 85
	assert fhir_map.vital_keys({"name": "V", "bp_systolic": "n/a", "bp_diastolic": "x"}) == []


def test_numbers_are_read_like_the_database_reads_them():
	for text, expected in (
		("37", Decimal("37")),
		(" 37.5 ", Decimal("37.5")),
		("37,5", Decimal("37.5")),
		("+1", Decimal("1")),
		(".5", Decimal("0.5")),
		("0", Decimal("0")),
	):
		assert fhir_map.measurement(text) == expected, text
	for text in ("", "abc", "37.5.1", "1e3", "inf", "nan", "37 C", "- 5", None):
		assert fhir_map.measurement(text) is None, text
	assert fhir_map.measurement(0.0, text=False) is None
	assert fhir_map.measurement(1.8, text=False) == Decimal("1.8")


def test_only_the_asked_vitals():
	assert fhir_map.vital_keys(VITAL_SIGNS, ["bmi", "temp"]) == ["temp", "bmi"]
	assert fhir_map.observations(VITAL_SIGNS, "UTC", keys=[]) == []


def test_observation_ids_read_back():
	for name in ("HLC-VTS-2026-00001", "ISO-A-VS", "Vitals 1"):
		for key in fhir_map.VITAL_BY_KEY:
			resource_id = fhir_map.vital_signs_id(name, key)
			assert fhir_map._ID_RE.match(resource_id)
			assert fhir_map.split_vital_signs_id(resource_id) == (name, key)
	for bad in ("HLC-VTS-2026-00001", "HLC-VTS-2026-00001-pulse", "-temp", "a b-temp", ""):
		assert fhir_map.split_vital_signs_id(bad) is None, bad


def test_loinc_codes_and_units_of_every_vital():
	assert {v.key: (v.loinc, v.ucum) for v in fhir_map.VITALS} == {
		"temp": ("8310-5", "Cel"),
		"hr": ("8867-4", "/min"),
		"rr": ("9279-1", "/min"),
		"bp": ("85354-9", "mm[Hg]"),
		"height": ("8302-2", "m"),
		"weight": ("29463-7", "kg"),
		"bmi": ("39156-5", "kg/m2"),
	}


def test_document_reference_points_at_its_content_and_its_patient():
	from datetime import datetime

	d = as_dict(
		fhir_map.document_reference(
			{
				"kind": "sick-note",
				"name": "SN-0001",
				"patient": "PAT-1",
				"practice": "PRAC1",
				"practitioner": "DOC 1",
				"title": "Sick note SN-0001",
				"content_type": "application/pdf",
				"url": "https://x/fhir/R4/$export-file/j/documents/ab.pdf",
				"size": 1234,
				"sha1": "qUqP5cyxm6YcTAhz05Hph5gvu9M=",
				"created": datetime(2026, 3, 1, 9, 30),
				"docstatus": 1,
			},
			"Africa/Johannesburg",
		)
	)
	assert d["resourceType"] == "DocumentReference" and d["status"] == "current" and d["docStatus"] == "final"
	assert d["subject"] == {"reference": "Patient/PAT-1"}
	assert d["author"] == [{"reference": "Practitioner/DOC.201"}]
	assert d["type"]["coding"][0]["code"] == "sick-note"
	attachment = d["content"][0]["attachment"]
	assert attachment["contentType"] == "application/pdf" and attachment["size"] == 1234
	assert (
		attachment["url"].endswith("documents/ab.pdf")
		and attachment["creation"] == "2026-03-01T09:30:00+02:00"
	)
	assert d["date"] == "2026-03-01T09:30:00+02:00"


def test_the_bodies_write_what_the_models_write():
	"""The bulk export writes the builders' bodies without a model (fhir_map.dumps): for
	every kind, the same JSON as the validated model's."""
	from datetime import datetime, time

	tz = "Africa/Johannesburg"
	cases = [
		(
			fhir_map.patient,
			fhir_map.patient_body,
			(
				{
					"name": "P 1",
					"first_name": "Mia",
					"middle_name": "Rosé",
					"last_name": "Schulz",
					"patient_name": "Mia Rosé Schulz",
					"sex": "Female",
					"dob": date(1990, 5, 17),
					"email": "mia@example.org",
					"mobile": "+4915100000",
					"phone": "+27111",
					"status": "Active",
					"practice": "PRAC1",
				},
			),
		),
		(
			fhir_map.practitioner,
			fhir_map.practitioner_body,
			(
				{
					"name": "DOC 1",
					"first_name": "Ada",
					"last_name": "Lovelace",
					"practitioner_name": "Ada Lovelace",
					"gender": "Female",
					"status": "Active",
					"mobile_phone": "+2782",
					"registration": "MP123",
				},
			),
		),
		(
			fhir_map.organization,
			fhir_map.organization_body,
			(
				{
					"name": "PRAC1",
					"practice_name": "Alpha",
					"slug": "alpha",
					"short_code": "ALP",
					"status": "Active",
					"practice_type": "GP",
					"email": "a@example.org",
					"phone": "+2711",
					"address": "1 Main\nCape Town",
				},
			),
		),
		(
			fhir_map.appointment,
			fhir_map.appointment_body,
			(
				{
					"name": "A1",
					"patient": "P 1",
					"practitioner": "DOC 1",
					"appointment_date": date(2026, 3, 4),
					"appointment_time": timedelta(hours=9, minutes=30),
					"duration": 20,
					"status": "Scheduled",
					"appointment_type": "Consultation",
					"booking_reference": "XYZ",
				},
				tz,
			),
		),
		(
			fhir_map.encounter,
			fhir_map.encounter_body,
			(
				{
					"name": "E1",
					"patient": "P 1",
					"practitioner": "DOC 1",
					"encounter_date": date(2026, 3, 4),
					"encounter_time": time(10, 0),
					"docstatus": 1,
					"appointment": "A1",
					"practice": "PRAC1",
				},
				tz,
			),
		),
		(
			fhir_map.allergy_intolerance,
			fhir_map.allergy_intolerance_body,
			(
				{
					"name": "AL1",
					"patient": "P 1",
					"status": "active",
					"criticality": "high",
					"substance": "Penicillin",
					"substance_code": "CV1",
					"substance_code_value": "764146007",
					"substance_display": "Penicillin",
					"substance_system": "http://snomed.info/sct",
					"category": "medication",
					"reaction": "hives",
					"recorded_on": date(2026, 3, 4),
					"note": "severe",
				},
			),
		),
		(
			fhir_map.condition,
			fhir_map.condition_body,
			(
				{
					"name": "PR1",
					"patient": "P 1",
					"status": "active",
					"chronic": 1,
					"code": "E11.9",
					"condition_name": "Diabetes",
					"onset": date(2020, 1, 1),
					"abatement": None,
					"source_encounter": "E1",
					"recorded_on": date(2026, 3, 4),
					"note": None,
				},
			),
		),
		(
			fhir_map.medication_request,
			fhir_map.medication_request_body,
			(
				{
					"name": "RX1",
					"medication": "Amoxicillin",
					"dosage": "1-0-1",
					"dosage_form": "Capsule",
					"period": "5 Day",
					"comment": "after meals",
					"encounter": "E1",
					"patient": "P 1",
					"practitioner": "DOC 1",
					"encounter_date": date(2026, 3, 4),
					"encounter_time": time(10, 0),
					"docstatus": 1,
				},
				tz,
			),
		),
		(
			fhir_map.document_reference,
			fhir_map.document_reference_body,
			(
				{
					"kind": "sick-note",
					"name": "SN1",
					"patient": "P 1",
					"practice": "PRAC1",
					"practitioner": "DOC 1",
					"title": "Sick note",
					"content_type": "application/pdf",
					"url": "https://x/f.pdf",
					"size": 10,
					"sha1": "qUqP5cyxm6YcTAhz05Hph5gvu9M=",
					"created": datetime(2026, 3, 1, 9, 30),
					"docstatus": 1,
				},
				tz,
			),
		),
	]
	vitals = {
		"name": "VS1",
		"patient": "P 1",
		"encounter": "E1",
		"signs_date": date(2026, 3, 4),
		"signs_time": time(10, 5),
		"temperature": "37.2",
		"pulse": "80",
		"bp_systolic": "120",
		"bp_diastolic": "",
		"height": 1.7,
		"weight": 72.5,
		"bmi": 25.09,
	}
	for key in fhir_map.vital_keys(vitals):
		cases.append((fhir_map.observation, fhir_map.observation_body, (vitals, key, tz)))
	for model, body, args in cases:
		assert json.loads(fhir_map.dumps(body(*args))) == json.loads(
			fhir_map.to_json(model(*args))
		), model.__name__
