// Medic Plus: issue a sick note from the encounter.
frappe.ui.form.on("Patient Encounter", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.docstatus === 2 || !frappe.model.can_create("Sick Note"))
			return;
		frm.add_custom_button(
			__("Issue Sick Note"),
			() => {
				frappe
					.xcall("medic_plus.clinical.encounter.make_sick_note", {
						encounter: frm.doc.name,
					})
					.then((note) => {
						const doc = frappe.model.sync(note)[0];
						frappe.set_route("Form", doc.doctype, doc.name);
					});
			},
			__("Create"),
		);
	},
});
