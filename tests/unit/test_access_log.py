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
		("resource", "", "Patient", "", "GET", "/api/resource/Patient", {}, []),
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
			[],
		),
		("none", "", "", "", "GET", "/app/patient", {}, []),
	],
)
def test_what_a_request_opens(kind, method, doctype, docname, http, path, form, expected):
	assert accesses(kind, method, doctype, docname, http, path, form) == expected
