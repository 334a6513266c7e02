import json
from datetime import date, time

import pytest

from medic_plus.core import fhir_map, fhir_read

TZ = "Africa/Johannesburg"


def body(resource) -> dict:
	return json.loads(fhir_map.to_json(resource))


def test_a_patient_reads_back_as_it_was_written():
	row = {
		"name": "ISOA-P00001",
		"first_name": "Mia",
		"middle_name": "Rose",
		"last_name": "Schulz",
		"patient_name": "Mia Rose Schulz",
		"sex": "Female",
		"dob": date(1990, 5, 17),
		"email": "mia@example.org",
		"mobile": "+27821234567",
		"phone": "+27111234567",
		"status": "Active",
		"practice": "PRAC1",
	}
	read = fhir_read.read(body(fhir_map.patient(row)), TZ)
	assert read.rtype == "Patient" and read.id == "ISOA-P00001"
	assert read.values == {
		"first_name": "Mia",
		"middle_name": "Rose",
		"last_name": "Schulz",
		"sex": "Female",
		"dob": "1990-05-17",
		"status": "Active",
		"email": "mia@example.org",
		"mobile": "+27821234567",
		"phone": "+27111234567",
	}
	assert ("urn:medic-plus/patient", "ISOA-P00001") in read.identifiers


def test_an_appointment_keeps_its_wall_clock_time_status_and_references():
	row = {
		"name": "APT-1",
		"patient": "P 1",
		"practitioner": "DOC 1",
		"appointment_date": date(2026, 3, 4),
		"appointment_time": time(9, 30),
		"duration": 20,
		"status": "No Show",
		"appointment_type": "Consultation",
		"booking_reference": "ABC123",
	}
	read = fhir_read.read(body(fhir_map.appointment(row, TZ)), TZ)
	assert read.values == {
		"appointment_date": "2026-03-04",
		"appointment_time": "09:30:00",
		"duration": 20,
		"status": "No Show",
		"appointment_type": "Consultation",
		"custom_booking_reference": "ABC123",
	}
	assert read.refs == {"patient": ("Patient", "P.201"), "practitioner": ("Practitioner", "DOC.201")}


def test_a_time_of_another_zone_is_turned_into_the_practices():
	resource = {
		"resourceType": "Appointment",
		"id": "x",
		"status": "booked",
		"start": "2026-03-04T07:30:00Z",
		"participant": [{"actor": {"reference": "Patient/p"}, "status": "accepted"}],
	}
	read = fhir_read.read(resource, TZ)
	assert (read.values["appointment_date"], read.values["appointment_time"]) == ("2026-03-04", "09:30:00")


def test_an_encounter_a_condition_an_allergy_a_prescription_and_a_vital():
	encounter = fhir_read.read(
		body(
			fhir_map.encounter(
				{
					"name": "ENC-1",
					"patient": "P1",
					"practitioner": "D1",
					"encounter_date": date(2026, 3, 4),
					"encounter_time": time(10, 0),
					"docstatus": 1,
					"appointment": "APT-1",
				},
				TZ,
			)
		),
		TZ,
	)
	assert encounter.values == {"encounter_date": "2026-03-04", "encounter_time": "10:00:00", "docstatus": 1}
	assert encounter.refs["appointment"] == ("Appointment", "APT-1")
	problem = fhir_read.read(
		body(
			fhir_map.condition(
				{
					"name": "PRB-1",
					"patient": "P1",
					"status": "active",
					"chronic": 1,
					"code": "E11.9",
					"condition_name": "Type 2 diabetes mellitus without complications",
					"onset": date(2020, 1, 1),
					"recorded_on": date(2026, 3, 4),
					"source_encounter": "ENC-1",
				}
			)
		),
		TZ,
	)
	assert problem.values["code"] == "E11.9" and problem.values["chronic"] == 1
	assert problem.refs["source_encounter"] == ("Encounter", "ENC-1")
	allergy = fhir_read.read(
		body(
			fhir_map.allergy_intolerance(
				{
					"name": "ALG-1",
					"patient": "P1",
					"status": "active",
					"criticality": "high",
					"substance": "Penicillin",
					"category": "medication",
					"reaction": "Hives",
					"recorded_on": date(2026, 3, 4),
				}
			)
		),
		TZ,
	)
	assert allergy.values["substance"] == "Penicillin" and allergy.values["reaction"] == "Hives"
	drug = fhir_read.read(
		body(
			fhir_map.medication_request(
				{
					"name": "RX-1",
					"medication": "Amoxicillin",
					"dosage": "1-0-1",
					"dosage_form": "Capsule",
					"period": "5 Day",
					"comment": "After meals",
					"encounter": "ENC-1",
					"patient": "P1",
					"practitioner": "D1",
					"encounter_date": date(2026, 3, 4),
					"encounter_time": time(10, 0),
					"docstatus": 1,
				},
				TZ,
			)
		),
		TZ,
	)
	assert {k: drug.values[k] for k in ("drug_name", "dosage", "dosage_form", "period", "comment")} == {
		"drug_name": "Amoxicillin",
		"dosage": "1-0-1",
		"dosage_form": "Capsule",
		"period": "5 Day",
		"comment": "After meals",
	}
	vitals = {
		"name": "VS-1",
		"patient": "P1",
		"encounter": "ENC-1",
		"signs_date": date(2026, 3, 4),
		"signs_time": time(10, 5),
		"bp_systolic": "120",
		"bp_diastolic": "80",
		"weight": 72.5,
	}
	read = [fhir_read.read(body(o), TZ) for o in fhir_map.observations(vitals, TZ)]
	assert {r.values["group"] for r in read} == {"VS-1"}
	merged = {k: v for r in read for k, v in r.values.items()}
	assert (merged["bp_systolic"], merged["bp_diastolic"], merged["weight"]) == ("120", "80", 72.5)


@pytest.mark.parametrize(
	"resource, reason",
	[
		({"resourceType": "Claim", "id": "c"}, "not imported"),
		({"resourceType": "Patient", "id": "p", "birthDate": "17 May"}, "not valid FHIR Patient"),
		({"resourceType": "Patient", "id": "p"}, "without a name"),
		(
			{"resourceType": "Appointment", "id": "a", "status": "booked", "participant": []},
			"without a start",
		),
		(
			{"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p"}},
			"without an ICD-10 code",
		),
		(
			{
				"resourceType": "Encounter",
				"id": "e",
				"status": "finished",
				"class": {"code": "AMB"},
				"period": {"start": "2026-03-04T10:00:00+02:00"},
				"subject": {"reference": "Patient/p"},
			},
			"without its practitioner",
		),
	],
)
def test_what_cannot_be_kept_is_refused_with_its_reason(resource, reason):
	with pytest.raises(fhir_read.Refused) as e:
		fhir_read.read(resource, TZ)
	assert reason in str(e.value)


def test_ndjson_lines_and_bundles():
	rows = list(fhir_read.lines(['{"resourceType": "Patient", "id": "a"}', "", "not json", "[1]"]))
	assert rows[0] == (1, {"resourceType": "Patient", "id": "a"})
	assert [n for n, _r in rows] == [1, 3, 4]
	assert all(isinstance(r, fhir_read.Refused) for _n, r in rows[1:])
	entries = list(fhir_read.bundle({"resourceType": "Bundle", "entry": [{"resource": {"id": "x"}}, {}]}))
	assert entries[0] == (1, {"id": "x"}) and isinstance(entries[1][1], fhir_read.Refused)


def test_a_csv_of_patients_reads_as_patient_resources():
	rows = list(
		fhir_read.csv_patients(
			[
				"First Name,Last_Name,Sex,Date of Birth,E-mail,Mobile\n",
				"Mia,Schulz,F,1990-05-17,mia@example.org,+27821234567\n",
				",,,,,\n",
				"Noah,Meyer,m,17/05/1990,,\n",
			]
		)
	)
	assert [n for n, _r in rows] == [2, 4]
	mia = rows[0][1]
	assert mia["name"] == [{"family": "Schulz", "given": ["Mia"]}] and mia["gender"] == "female"
	assert mia["id"].startswith("csv-") and mia["birthDate"] == "1990-05-17"
	read = fhir_read.read(mia, TZ)
	assert (read.values["email"], read.values["mobile"], read.values["sex"]) == (
		"mia@example.org",
		"+27821234567",
		"Female",
	)
	assert isinstance(rows[1][1], fhir_read.Refused) and "1990-05-17" in str(rows[1][1])
	# the same row gives the same id: a second import matches it
	again = list(
		fhir_read.csv_patients(
			[
				"First Name,Last_Name,Sex,Date of Birth,E-mail,Mobile\n",
				"Mia,Schulz,F,1990-05-17,mia@example.org,+27821234567\n",
			]
		)
	)
	assert again[0][1]["id"] == mia["id"]


def test_a_csv_without_a_first_name_column_is_refused():
	rows = list(fhir_read.csv_patients(["name,email\n", "Mia,mia@example.org\n"]))
	assert len(rows) == 1 and isinstance(rows[0][1], fhir_read.Refused)
