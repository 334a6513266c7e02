// Medic Plus: the appointment list and calendar open on every appointment that is not
// cancelled, not only Healthcare's "Open" ones (online and Desk bookings are "Scheduled").
frappe.listview_settings["Patient Appointment"] =
	frappe.listview_settings["Patient Appointment"] || {};
frappe.listview_settings["Patient Appointment"].filters = [["status", "!=", "Cancelled"]];
