// Copyright (c) 2026, medic_plus contributors
// For license information, please see license.txt

frappe.ui.form.on("Practice", {
	refresh(frm) {
		offer_assistant_settings(frm);
		if (frm.is_new() || !frappe.user.has_role("Healthcare Administrator")) return;
		const status = frm.doc.offboarding_status || "";
		if (!status) {
			frm.add_custom_button(
				__("Offboard Practice"),
				() => {
					frappe.prompt(
						[
							{
								fieldname: "confirm",
								fieldtype: "Data",
								reqd: 1,
								label: __("Type {0} to confirm", [frm.doc.slug]),
								description: __(
									"The practice is closed to bookings and logins at once, and its full export is written and mailed to its admins. Its records are erased once you confirm that it has its copy.",
								),
							},
						],
						(values) =>
							frappe
								.call({
									method: "medic_plus.api.offboarding.offboard",
									args: { practice: frm.doc.name, confirm: values.confirm },
									freeze: true,
								})
								.then(() => frm.reload_doc()),
						__("Offboard {0}", [frm.doc.practice_name]),
						__("Offboard"),
					);
				},
				__("Actions"),
			);
		}
		if (status === "Exported" && !frm.doc.copy_confirmed) {
			frm.add_custom_button(
				__("Confirm Copy Received"),
				() =>
					frappe.confirm(
						__(
							"{0} has its copy? Every record of the practice is then erased from the platform; this cannot be undone.",
							[frm.doc.practice_name],
						),
						() =>
							frappe
								.call({
									method: "medic_plus.api.offboarding.confirm_copy",
									args: { practice: frm.doc.name },
								})
								.then(() => frm.reload_doc()),
					),
				__("Actions"),
			);
		}
	},
});

// the practice's assistant: its settings, for whoever may change them (its admins)
function offer_assistant_settings(frm) {
	if (frm.is_new() || !frappe.model.can_create("Practice AI Settings")) return;
	frm.add_custom_button(__("Assistant Settings"), () =>
		frappe.db
			.exists("Practice AI Settings", frm.doc.name)
			.then((exists) =>
				exists
					? frappe.set_route("Form", "Practice AI Settings", frm.doc.name)
					: frappe.new_doc("Practice AI Settings", { practice: frm.doc.name }),
			),
	);
}
