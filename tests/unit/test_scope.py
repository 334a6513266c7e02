from medic_plus.tenancy.scope import (
	CUSTOM_FIELD_DOCTYPES,
	LINKED,
	PRACTICE_FIELD,
	SCOPE_BY_DOCTYPE,
	STAMPED_DOCTYPES,
	Mode,
	wall_indexes,
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


def test_the_books_are_walled_by_company_and_hidden_no_more():
	from medic_plus.tenancy.scope import BOOKS_BY_DOCTYPE, HIDDEN, WALLED_DOCTYPES, is_classified

	for doctype in ("Sales Invoice", "Payment Entry", "Journal Entry", "GL Entry", "Customer", "Price List"):
		assert doctype in BOOKS_BY_DOCTYPE and doctype in WALLED_DOCTYPES
		assert doctype not in HIDDEN
		assert is_classified(doctype)
	assert BOOKS_BY_DOCTYPE["Customer"].field == "custom_company"
	assert BOOKS_BY_DOCTYPE["Price List"].shared_unset
	assert not BOOKS_BY_DOCTYPE["Sales Invoice"].shared_unset
	# a claim belongs to its practice like any patient record
	assert SCOPE_BY_DOCTYPE["Insurance Claim"].field == "practice"


def test_every_column_the_wall_looks_rows_up_by_is_indexed():
	indexed = set(wall_indexes())
	assert ("Observation", "patient") in indexed
	assert ("Patient Allergy", "practice") in indexed
	assert ("Vital Signs", "custom_practice") in indexed
	assert ("Sales Invoice", "company") in indexed
	for row in LINKED:
		assert (row.doctype, row.field) in indexed
	# a practitioner is found through the Practice Member table, by its own name
	assert not any(doctype == "Healthcare Practitioner" for doctype, _column in indexed)
