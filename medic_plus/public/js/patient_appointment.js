// Medic Plus: approve an online booking from the appointment form.
frappe.ui.form.on("Patient Appointment", {
	refresh(frm) {
		if (
			frm.doc.custom_awaiting_approval &&
			!frm.is_new() &&
			frm.perm[0] &&
			frm.perm[0].write
		) {
			frm.dashboard.set_headline_alert(
				__("Booked online: waiting for your approval."),
				"orange",
			);
			frm.add_custom_button(__("Approve Booking"), () => {
				frappe
					.xcall("medic_plus.api.appointments.approve_booking", {
						appointment: frm.doc.name,
					})
					.then(() => frm.reload_doc());
			});
		}
	},
});
