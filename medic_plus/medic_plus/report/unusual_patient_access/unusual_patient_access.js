// Copyright (c) 2026, medic_plus contributors
// For license information, please see license.txt

frappe.query_reports["Unusual Patient Access"] = {
	filters: [
		{
			fieldname: "date",
			label: __("Day"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(frappe.datetime.get_today(), -1),
			reqd: 1,
		},
		{ fieldname: "practice", label: __("Practice"), fieldtype: "Link", options: "Practice" },
	],
};
