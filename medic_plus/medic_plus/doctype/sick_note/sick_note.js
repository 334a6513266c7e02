// Copyright (c) 2026, medic_plus contributors
// For license information, please see license.txt

frappe.ui.form.on("Sick Note", {
	setup(frm) {
		frm.set_query("encounter", (doc) => ({
			filters: { patient: doc.patient, docstatus: ["!=", 2] },
		}));
	},
	date_from: (frm) => frm.trigger("count_days"),
	date_to: (frm) => frm.trigger("count_days"),
	count_days(frm) {
		if (frm.doc.date_from && frm.doc.date_to) {
			frm.set_value(
				"days",
				frappe.datetime.get_day_diff(frm.doc.date_to, frm.doc.date_from) + 1,
			);
		}
	},
});
