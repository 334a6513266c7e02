"""The request gate's route resolution and record-argument search, with no site."""

import json

import pytest

from medic_plus.core.gate import (
	DOC_METHOD,
	METHOD,
	NONE,
	RESOURCE,
	is_plain_name,
	linked_field_joins,
	record_arguments,
	resolve,
)

M = "healthcare.healthcare.doctype.patient.patient.get_patient_detail"


@pytest.mark.parametrize(
	"rule,values,path",
	[
		("/api/method/<path:method>", {"method": M}, f"/api/method/{M}"),
		("/api/method/<path:method>", {"method": f"{M}/anything/else"}, f"/api/method/{M}/anything/else"),
		("/api/v1/method/<path:method>", {"method": M}, f"/api/v1/method/{M}"),
		("/api/v2/method/<method>", {"method": M}, f"/api/v2/method/{M}"),
	],
)
def test_every_method_route_resolves_to_the_same_method(rule, values, path):
	target = resolve(rule, values, {}, path)
	assert (target.kind, target.name) == (METHOD, M)


def test_cmd_wins_over_the_path_on_any_route():
	for path, rule in (
		("/", None),
		("/app/patient", None),
		("/api/method/frappe.ping", "/api/method/<path:method>"),
	):
		target = resolve(rule, {"method": "frappe.ping"}, {"cmd": M}, path)
		assert (target.kind, target.name) == (METHOD, M)


def test_v2_doctype_method_names_the_doctype_module():
	target = resolve(
		"/api/v2/method/<doctype>/<method>", {"doctype": "Patient", "method": "x"}, {}, "/api/v2/x"
	)
	assert (target.kind, target.name, target.doctype, target.extra["doctype_module"]) == (
		METHOD,
		"x",
		"Patient",
		True,
	)


@pytest.mark.parametrize("name", ["run_doc_method", "runserverobj", "frappe.handler.run_doc_method"])
def test_run_doc_method_is_judged_on_the_controller_method(name):
	docs = json.dumps({"doctype": "Patient Encounter", "name": "ENC-1", "patient": "P-1"})
	target = resolve(None, {}, {"cmd": name, "method": "make_x", "docs": docs}, "/")
	assert (target.kind, target.doctype, target.name, target.docname) == (
		DOC_METHOD,
		"Patient Encounter",
		"make_x",
		"ENC-1",
	)
	assert target.extra["document"]["patient"] == "P-1"


def test_run_doc_method_with_dt_and_dn():
	target = resolve(None, {}, {"cmd": "run_doc_method", "method": "m", "dt": "Patient", "dn": "P-1"}, "/")
	assert (target.doctype, target.docname) == ("Patient", "P-1")


def test_v2_run_doc_method_route():
	form = {"method": "m", "document": {"doctype": "Patient", "name": "P-1"}}
	target = resolve("/api/v2/method/run_doc_method", {}, form, "/api/v2/method/run_doc_method")
	assert (target.kind, target.doctype, target.docname, target.name) == (DOC_METHOD, "Patient", "P-1", "m")


def test_document_method_routes():
	v2 = resolve(
		"/api/v2/document/<doctype>/<path:name>/method/<method>/",
		{"doctype": "Patient", "name": "P-1", "method": "m"},
		{},
		"/api/v2/document/Patient/P-1/method/m",
	)
	v1_get = resolve(
		"/api/resource/<doctype>/<path:name>/",
		{"doctype": "Patient", "name": "P-1"},
		{"run_method": "m"},
		"/api/resource/Patient/P-1",
	)
	v1_post = resolve(
		"/api/v1/resource/<doctype>/<path:name>/",
		{"doctype": "Patient", "name": "P-1"},
		{"run_method": "m"},
		"/api/v1/resource/Patient/P-1",
		"POST",
	)
	for target in (v2, v1_get, v1_post):
		assert (target.kind, target.doctype, target.docname, target.name) == (
			DOC_METHOD,
			"Patient",
			"P-1",
			"m",
		)


def test_v1_post_on_a_document_without_run_method_is_a_nameless_document_method():
	target = resolve(
		"/api/resource/<doctype>/<path:name>/",
		{"doctype": "Patient", "name": "P-1"},
		{},
		"/api/resource/Patient/P-1",
		"POST",
	)
	assert (target.kind, target.name) == (DOC_METHOD, "")


def test_crud_is_a_resource_and_pages_run_nothing():
	read = resolve(
		"/api/resource/<doctype>/<path:name>/",
		{"doctype": "Patient", "name": "P-1"},
		{},
		"/api/resource/Patient/P-1",
	)
	assert (read.kind, read.doctype, read.docname) == (RESOURCE, "Patient", "P-1")
	assert resolve(None, {}, {}, "/app/patient").kind == NONE
	assert resolve(None, {}, {}, "/api/unknown").kind == NONE


def test_short_route_names_of_v2():
	for name in ("login", "logout", "ping", "upload_file"):
		target = resolve(f"/api/v2/method/{name}", {}, {}, f"/api/v2/method/{name}")
		assert (target.kind, target.name) == (METHOD, name)


SCOPED = {"Patient", "Patient Appointment", "Patient Encounter", "Drug Prescription"}
ARGS = {"patient": "Patient", "appointment_id": "Patient Appointment"}


def found(form):
	return [
		(a.path, a.doctype, a.value, a.may_be_new) for a in record_arguments(form, ARGS, SCOPED.__contains__)
	]


def test_named_arguments_and_pairs_are_found():
	assert found({"patient": "P-1", "doctype": "Patient Encounter", "name": "E-1", "x": "y"}) == [
		("patient", "Patient", "P-1", False),
		("name", "Patient Encounter", "E-1", False),
	]


def test_pairs_of_unscoped_doctypes_are_ignored():
	assert found({"doctype": "ToDo", "name": "T-1"}) == []


def test_lists_and_dicts_are_reported_as_they_are():
	assert found({"appointment_id": {"name": "A-1"}}) == [
		("appointment_id", "Patient Appointment", {"name": "A-1"}, False)
	]
	assert found({"patient": ["P-1"]})[0][2] == ["P-1"]


def test_containers_are_searched_as_json_and_objects():
	form = {
		"args": json.dumps({"appointment_id": "A-2"}),
		"kwargs": {"patient": "P-2"},
		"docs": [{"doctype": "Patient Encounter", "name": "E-2", "patient": "P-3"}],
	}
	assert found(form) == [
		("args.appointment_id", "Patient Appointment", "A-2", False),
		("kwargs.patient", "Patient", "P-2", False),
		("docs[0].patient", "Patient", "P-3", False),
		("docs[0].name", "Patient Encounter", "E-2", True),
	]


def test_nesting_is_bounded():
	form: dict = {"patient": "deep"}
	for _ in range(10):
		form = {"args": form}
	assert found(form) == []


def test_plain_names():
	assert is_plain_name("P-1") and is_plain_name(42)
	assert not any(is_plain_name(v) for v in ({"name": "x"}, ["x"], None, True))


def test_a_whole_document_in_a_named_argument_is_judged_as_a_document():
	doc = {"doctype": "Patient Appointment", "name": "new-patient-appointment-1", "patient": "P-9"}
	assert found({"appointment_id": json.dumps(doc)}) == [
		("appointment_id.patient", "Patient", "P-9", False),
		("appointment_id.name", "Patient Appointment", "new-patient-appointment-1", True),
	]
	# a filter is no document: reported as it is, and refused by the gate
	assert found({"appointment_id": {"name": "A-1", "doctype": "Patient"}})[0][2] == {
		"name": "A-1",
		"doctype": "Patient",
	}


def test_linked_field_joins_are_found_in_every_form():
	assert linked_field_joins('["name", "patient.dob", "patient.sex as s"]') == [
		("patient", "dob"),
		("patient", "sex"),
	]
	assert linked_field_joins("name, patient.dob") == [("patient", "dob")]
	assert linked_field_joins(["`tabDrug Prescription`.`dosage`", "count(`tabX`.name)"]) == []
	assert linked_field_joins(None) == []


def test_a_call_missing_a_required_argument_is_named():
	from medic_plus.core.gate import missing_arguments

	params = [("practice", False), ("date", False), ("appointment_type", True)]
	assert missing_arguments(params, {"practice", "date"}) == []
	assert missing_arguments(params, {"practice", "appointment_type", "cmd"}) == ["date"]
	assert missing_arguments(params, set()) == ["practice", "date"]
	assert missing_arguments([("kwargs", True)], set()) == []


def test_a_document_says_whether_it_is_new():
	doc = {"doc": {"doctype": "Patient", "name": "new-patient-1", "__islocal": 1}}
	stored = {"doc": {"doctype": "Patient", "name": "P-9"}}
	marked = [(a.may_be_new, a.marked_new) for a in record_arguments(doc, ARGS, SCOPED.__contains__)]
	unmarked = [(a.may_be_new, a.marked_new) for a in record_arguments(stored, ARGS, SCOPED.__contains__)]
	assert (marked, unmarked) == ([(True, True)], [(True, False)])


def test_a_print_preview_names_its_record_by_doc_and_name():
	assert found({"doc": "Patient", "name": "P-1"}) == [("name", "Patient", "P-1", False)]
