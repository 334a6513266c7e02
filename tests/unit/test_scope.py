from medic_plus.tenancy.scope import (
	CUSTOM_FIELD_DOCTYPES,
	PRACTICE_FIELD,
	SCOPE_BY_DOCTYPE,
	STAMPED_DOCTYPES,
	Mode,
)

REQUIRED = {
	"Patient",
	"Patient Appointment",
	"Patient Encounter",
	"Inpatient Record",
	"Vital Signs",
	"Lab Test",
	"Clinical Procedure",
	"Patient Medical Record",
	"Practitioner Schedule",
	"Fee Validity",
}


def test_every_required_healthcare_doctype_is_scoped_by_its_own_field():
	for doctype in REQUIRED:
		scope = SCOPE_BY_DOCTYPE[doctype]
		assert scope.mode is Mode.OWN
		assert scope.field == PRACTICE_FIELD
		assert doctype in CUSTOM_FIELD_DOCTYPES
		assert doctype in STAMPED_DOCTYPES


def test_practitioners_are_shared_through_membership():
	assert SCOPE_BY_DOCTYPE["Healthcare Practitioner"].mode is Mode.MEMBERS
	assert "Healthcare Practitioner" not in STAMPED_DOCTYPES


def test_patient_records_inherit_the_patient_practice():
	for doctype in REQUIRED - {"Patient", "Practitioner Schedule"}:
		assert SCOPE_BY_DOCTYPE[doctype].patient_field == "patient"


def test_scope_and_core_import_no_frappe():
	import sys

	assert "frappe" not in sys.modules
