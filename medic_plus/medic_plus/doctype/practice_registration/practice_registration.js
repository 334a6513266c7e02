// Copyright (c) 2026, medic_plus contributors
// For license information, please see license.txt

frappe.ui.form.on("Practice Registration", {
	refresh(frm) {
		const ready = ["Pending", "Verified", "Approved", "Failed"].includes(frm.doc.status);
		if (!frm.is_new() && ready) {
			frm.add_custom_button(
				frm.doc.status === "Failed" ? __("Retry Provisioning") : __("Provision Practice"),
				() =>
					frm
						.call({
							method: "provision_practice",
							doc: frm.doc,
							freeze: true,
							freeze_message: __("Provisioning..."),
						})
						.then(() => frm.reload_doc())
						.catch(() => frm.reload_doc()),
			).addClass("btn-primary");
		}
		if (frm.doc.practice) {
			frm.add_custom_button(__("Open Practice"), () =>
				frappe.set_route("Form", "Practice", frm.doc.practice),
			);
		}
		frm.set_intro(
			frm.doc.status === "Failed"
				? __(
						"Provisioning failed (run {0} of 3); it is tried again five minutes after a failure.",
						[frm.doc.attempts],
					)
				: "",
			"red",
		);
	},
});
