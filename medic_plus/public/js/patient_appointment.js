// Medic Plus: approve an online booking from the appointment form; join a video visit.
frappe.ui.form.on("Patient Appointment", {
	refresh(frm) {
		const live = ["Scheduled", "Open", "Confirmed", "Checked In"];
		if (
			frm.doc.custom_video_room &&
			live.includes(frm.doc.status) &&
			frappe.model.can_create("Patient Encounter")
		) {
			frm.add_custom_button(__("Join Video Visit"), () =>
				medic_plus.join_video_visit(frm.doc.name),
			).addClass("btn-primary");
		}
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
