"""Which requests the access log counts as reading a record."""

import pytest

from medic_plus.core.access_log import Access, accesses


@pytest.mark.parametrize(
	"kind, method, doctype, docname, http, path, form, expected",
	[
		(
			"resource",
			"",
			"Patient",
			"P-1",
			"GET",
			"/api/resource/Patient/P-1",
			{},
			[Access("Patient", "P-1", "read")],
		),
		(
			"resource",
			"",
			"Patient",
			"P-1",
			"PUT",
			"/api/resource/Patient/P-1",
			{},
			[Access("Patient", "P-1", "update")],
		),
		(
			"resource",
			"",
			"Patient",
			"P-1",
			"DELETE",
			"/api/v2/document/Patient/P-1",
			{},
			[Access("Patient", "P-1", "delete")],
		),
		("resource", "", "Patient", "", "GET", "/api/resource/Patient", {}, [Access("Patient", "", "read")]),
		("resource", "", "Patient", "", "POST", "/api/resource/Patient", {}, []),
		(
			"method",
			"frappe.desk.reportview.get",
			"",
			"",
			"POST",
			"/api/method/frappe.desk.reportview.get",
			{"doctype": "Patient Encounter", "fields": "[]"},
			[Access("Patient Encounter", "", "read")],
		),
		(
			"method",
			"frappe.desk.reportview.export_query",
			"",
			"",
			"POST",
			"/api/method/frappe.desk.reportview.export_query",
			{"doctype": "Patient"},
			[Access("Patient", "", "export")],
		),
		(
			"method",
			"frappe.desk.form.load.getdoc",
			"",
			"",
			"GET",
			"/api/method/frappe.desk.form.load.getdoc",
			{"doctype": "Patient Encounter", "name": "E-1"},
			[Access("Patient Encounter", "E-1", "read")],
		),
		(
			"method",
			"frappe.utils.print_format.download_pdf",
			"",
			"",
			"GET",
			"/api/method/frappe.utils.print_format.download_pdf",
			{"doctype": "Sick Note", "name": "SN-1", "format": "Sick Note"},
			[Access("Sick Note", "SN-1", "print")],
		),
		(
			"method",
			"frappe.www.printview.get_html_and_style",
			"",
			"",
			"POST",
			"/api/method/frappe.www.printview.get_html_and_style",
			{"doc": "Patient", "name": "P-1"},
			[Access("Patient", "P-1", "print")],
		),
		(
			"none",
			"",
			"",
			"",
			"GET",
			"/printview",
			{"doctype": "Patient", "name": "P-1"},
			[Access("Patient", "P-1", "print")],
		),
		(
			"method",
			"frappe.client.get",
			"",
			"",
			"GET",
			"/api/method/frappe.client.get",
			{"doctype": ["x"], "name": "P"},
			[],
		),
		(
			"method",
			"frappe.client.get_list",
			"",
			"",
			"GET",
			"/api/method/frappe.client.get_list",
			{"doctype": "Patient"},
			[Access("Patient", "", "read")],
		),
		(
			"method",
			"frappe.client.get_count",
			"",
			"",
			"GET",
			"/api/method/frappe.client.get_count",
			{"doctype": "Patient"},
			[],
		),
		("none", "", "", "", "GET", "/app/patient", {}, []),
		(
			"method",
			"frappe.desk.form.save.savedocs",
			"",
			"",
			"POST",
			"/api/method/frappe.desk.form.save.savedocs",
			{"doc": '{"doctype": "Patient", "name": "P-1", "first_name": "A"}', "action": "Save"},
			[Access("Patient", "P-1", "update")],
		),
		(
			"method",
			"frappe.desk.form.save.savedocs",
			"",
			"",
			"POST",
			"/api/method/frappe.desk.form.save.savedocs",
			{"doc": '{"doctype": "Patient", "name": "new-patient-1", "__islocal": 1}', "action": "Save"},
			[],
		),
		(
			"method",
			"frappe.client.delete",
			"",
			"",
			"POST",
			"/api/method/frappe.client.delete",
			{"doctype": "Vital Signs", "name": "VS-1"},
			[Access("Vital Signs", "VS-1", "delete")],
		),
	],
)
def test_what_a_request_opens(kind, method, doctype, docname, http, path, form, expected):
	assert accesses(kind, method, doctype, docname, http, path, form) == expected


@pytest.mark.parametrize(
	"method, form, expected",
	[
		(
			"frappe.desk.query_report.export_query",
			{"report_name": "Practice Appointments"},
			[Access("Patient Appointment", "", "export")],
		),
		(
			"frappe.desk.query_report.run",
			{"report_name": "Practice Appointments"},
			[Access("Patient Appointment", "", "read")],
		),
		("frappe.desk.query_report.run", {"report_name": "No Such Report"}, []),
		("frappe.desk.query_report.run", {"report_name": ["Practice Appointments"]}, []),
		("frappe.desk.query_report.get_script", {"report_name": "Practice Appointments"}, []),
	],
)
def test_a_query_report_lists_its_doctype(method, form, expected):
	reports = {"Practice Appointments": "Patient Appointment"}
	found = accesses("method", method, "", "", "POST", "/api/method/" + method, form, reports.get)
	assert found == expected


def test_a_day_with_far_more_patients_than_usual_is_unusual():
	from datetime import date, timedelta

	from medic_plus.core.access_log import Unusual, unusual

	day = date(2026, 11, 28)
	usual_days = {day - timedelta(days=k): {f"p{k}-{i}" for i in range(8)} for k in range(1, 11)}
	opened = {
		"calm@x": {**usual_days, day: {f"c{i}" for i in range(10)}},
		"curious@x": {**usual_days, day: {f"q{i}" for i in range(30)}},
		"new@x": {day: {f"n{i}" for i in range(25)}},  # no usual day yet: 25 > 3 x 0
		"few@x": {day: {"a", "b"}},  # below the minimum
	}
	assert unusual(opened, day) == [
		Unusual("curious@x", 30, 8.0, 0, ("many",)),
		Unusual("new@x", 25, 0.0, 0, ("many",)),
	]


def test_a_doctor_opening_patients_they_never_saw_is_unusual():
	from datetime import date

	from medic_plus.core.access_log import Unusual, unusual

	day = date(2026, 11, 28)
	opened = {"doc@x": {day: {"p1", "p2", "p3"}}, "recep@x": {day: {"p9"}}}
	seen_by = {"doc@x": {"p1"}}  # the receptionist is no doctor: not judged on it
	assert unusual(opened, day, seen_by) == [Unusual("doc@x", 3, 0.0, 2, ("strangers",))]
