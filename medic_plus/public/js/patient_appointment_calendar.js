// The appointment calendar labels each visit with the patient's and the doctor's names
// (the server's "title"), not the patient's record ID.
if (frappe.views.calendar["Patient Appointment"]) {
	frappe.views.calendar["Patient Appointment"].field_map.title = "title";
}
