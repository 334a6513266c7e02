// Copyright (c) 2026, medic_plus contributors
// For license information, please see license.txt

frappe.ui.form.on("FHIR Import", {
	refresh(frm) {
		if (frm.is_new() || !frm.doc.source_file) return;
		const running = ["Queued", "In Progress"].includes(frm.doc.status);
		if (!running) {
			frm.add_custom_button(__("Check (dry run)"), () =>
				frappe
					.call({
						method: "medic_plus.api.imports.check",
						args: { fhir_import: frm.doc.name },
						freeze: true,
						freeze_message: __("Reading the file…"),
					})
					.then(() => frm.reload_doc()),
			);
		}
		if (frm.doc.status === "Checked" || frm.doc.status === "Completed") {
			frm.add_custom_button(__("Import"), () =>
				frappe.confirm(
					__(
						"Import {0} new records into this practice? Records already imported or matched are not doubled.",
						[frm.doc.to_create],
					),
					() =>
						frappe
							.call({
								method: "medic_plus.api.imports.start",
								args: { fhir_import: frm.doc.name },
							})
							.then(() => frm.reload_doc()),
				),
			).addClass("btn-primary");
		}
		if (running) {
			frm.dashboard.show_progress(
				__("Import"),
				frm.doc.total ? (100 * frm.doc.processed) / frm.doc.total : 0,
				__("{0} of {1} resources", [frm.doc.processed, frm.doc.total]),
			);
			setTimeout(() => frm.reload_doc(), 3000);
		}
	},
});
