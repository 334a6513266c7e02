import json
from datetime import date, timedelta

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
	types = {r["type"] for r in c["rest"][0]["resource"]}
	assert types == {"Patient", "Practitioner", "Organization", "Appointment", "Encounter"}


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
