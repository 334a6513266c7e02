"""Restricting, archiving and erasing a patient's record: the statuses and what an
erased record keeps."""

from datetime import date

import pytest

from medic_plus.core.erasure import (
	ACTIVE,
	ARCHIVED,
	ERASED,
	RESTRICTED,
	Field,
	TransitionError,
	erased_patient,
	erased_record,
	is_open,
	next_status,
	status_of,
)


@pytest.mark.parametrize(
	"current, action, past, after",
	[
		(ACTIVE, "restrict", False, RESTRICTED),
		(RESTRICTED, "restore", False, ACTIVE),
		(ACTIVE, "archive", True, ARCHIVED),
		(RESTRICTED, "archive", True, ARCHIVED),
		(ARCHIVED, "restore", True, ACTIVE),
		(ACTIVE, "erase", True, ERASED),
		(RESTRICTED, "erase", True, ERASED),
		(ARCHIVED, "erase", True, ERASED),
		(None, "restrict", False, RESTRICTED),  # saved before statuses existed: Active
	],
)
def test_transitions(current, action, past, after):
	assert next_status(current, action, past) == after


@pytest.mark.parametrize(
	"current, action, past",
	[
		(ACTIVE, "archive", False),  # before the retention end
		(ACTIVE, "erase", False),
		(RESTRICTED, "erase", False),
		(ERASED, "restore", True),  # erasure is final
		(ERASED, "erase", True),
		(ERASED, "restrict", True),
		(RESTRICTED, "restrict", False),
		(ACTIVE, "restore", False),
		(ARCHIVED, "restrict", True),
		(ACTIVE, "delete", True),
	],
)
def test_refused_transitions(current, action, past):
	with pytest.raises(TransitionError):
		next_status(current, action, past)


def test_only_an_active_record_is_open():
	assert is_open(ACTIVE) and is_open(None) and is_open("")
	assert not any(is_open(s) for s in (RESTRICTED, ARCHIVED, ERASED))
	assert status_of("nonsense") == ACTIVE


PATIENT_FIELDS = [
	Field("naming_series", "Select"),
	Field("first_name", "Data"),
	Field("middle_name", "Data"),
	Field("last_name", "Data"),
	Field("patient_name", "Data"),
	Field("sex", "Link", "Gender"),
	Field("blood_group", "Select"),
	Field("dob", "Date"),
	Field("image", "Attach Image"),
	Field("status", "Select"),
	Field("uid", "Data"),
	Field("mobile", "Data", "Phone"),
	Field("email", "Data", "Email"),
	Field("invite_user", "Check"),
	Field("user_id", "Link", "User"),
	Field("customer", "Link", "Customer"),
	Field("occupation", "Data"),
	Field("marital_status", "Select"),
	Field("patient_relation", "Table", "Patient Relation"),
	Field("section_break_1", "Section Break"),
	Field("patient_details", "Text"),
	Field("custom_practice", "Link", "Practice"),
	Field("custom_record_status", "Select"),
]


def test_an_erased_patient_keeps_sex_birth_year_and_practice_only():
	values = erased_patient(PATIENT_FIELDS, date(1984, 7, 12), "Erased", "Patient")
	assert values["dob"] == date(1984, 1, 1)
	assert values["patient_name"] == "Erased Patient"
	assert values["first_name"] == "Erased" and values["last_name"] == "Patient"
	assert values["middle_name"] is None
	for gone in ("image", "uid", "mobile", "email", "user_id", "occupation", "marital_status", "blood_group"):
		assert values[gone] is None, gone
	assert values["invite_user"] == 0 and values["patient_details"] is None
	for kept in ("sex", "status", "customer", "custom_practice", "naming_series", "custom_record_status"):
		assert kept not in values, kept
	# tables are emptied by the caller, layout fields have no value
	assert "patient_relation" not in values and "section_break_1" not in values


def test_an_unknown_birth_date_stays_unknown():
	assert erased_patient(PATIENT_FIELDS, None, "Erased", "Patient")["dob"] is None


def test_a_record_about_the_patient_keeps_its_codes_and_loses_its_text():
	fields = [
		Field("patient", "Link", "Patient"),
		Field("patient_name", "Data", fetch_from="patient.patient_name"),
		Field("patient_sex", "Link", "Gender", fetch_from="patient.sex"),
		Field("dob", "Date", fetch_from="patient.dob"),
		Field("title", "Data"),
		Field("practitioner", "Link", "Healthcare Practitioner"),
		Field("appointment_date", "Date"),
		Field("notes", "Small Text"),
		Field("custom_subjective", "Small Text"),
		Field("encounter_comment", "Text Editor"),
		Field("contact_email", "Data", "Email"),
		Field("contact_mobile", "Data", "Phone"),
		Field("patient_age", "Data"),
		Field("diagnosis_code", "Data"),
		Field("attachment", "Attach"),
		Field("status", "Select"),
		Field("price", "Currency"),
	]
	patient = {"patient_name": "Erased Patient", "sex": "Female", "dob": date(1984, 1, 1)}
	values = erased_record(fields, ["patient"], patient)
	assert values == {
		"patient_name": "Erased Patient",
		"patient_sex": "Female",
		"dob": date(1984, 1, 1),
		"title": "Erased Patient",
		"notes": None,
		"custom_subjective": None,
		"encounter_comment": None,
		"contact_email": None,
		"contact_mobile": None,
		"attachment": None,
	}


def test_a_field_fetched_from_another_link_is_left_alone():
	fields = [Field("practitioner_name", "Data", fetch_from="practitioner.practitioner_name")]
	assert erased_record(fields, ["patient"], {"patient_name": "Erased Patient"}) == {}
