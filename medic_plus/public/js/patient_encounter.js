// Medic Plus: issue a sick note from the encounter; confirm which diagnoses go onto the
// patient's problem list when submitting; show the visit's bill and its claim.
frappe.ui.form.on("Patient Encounter", {
	before_submit(frm) {
		const open = (frm.doc.custom_diagnoses || []).filter(
			(r) => !r.add_to_problem_list && !r.problem,
		);
		if (!open.length) return;
		return new Promise((resolve) => {
			let answered = false;
			const dialog = new frappe.ui.Dialog({
				title: __("Add to the Problem List?"),
				fields: [
					{
						fieldtype: "HTML",
						options: `<p>${__("Tick the diagnoses that belong on the patient's problem list.")}</p>`,
					},
					...open.map((r) => ({
						fieldtype: "Check",
						fieldname: r.name,
						label: `${r.code || ""} ${r.description || ""}`.trim(),
					})),
				],
				primary_action_label: __("Submit"),
				primary_action(values) {
					answered = true;
					open.filter((r) => values[r.name]).forEach((r) => {
						r.add_to_problem_list = 1;
					});
					frm.dirty();
					dialog.hide();
					resolve();
				},
			});
			dialog.onhide = () => {
				if (answered) return;
				frappe.validated = false; // closed: nothing is submitted
				resolve();
			};
			dialog.show();
		});
	},
	refresh(frm) {
		show_billing(frm);
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

const CLAIM_COLOURS = {
	Draft: "gray",
	Queued: "blue",
	Sent: "blue",
	Accepted: "blue",
	Failed: "orange",
	Rejected: "red",
	"Partly Paid": "yellow",
	Paid: "green",
	Superseded: "gray",
	Cancelled: "gray",
};

// the visit's invoices (and each one's claim) as indicators on the form's dashboard
function show_billing(frm) {
	if (frm.doc.docstatus !== 1 || !frappe.model.can_read("Sales Invoice")) return;
	frappe
		.call({
			method: "medic_plus.api.billing.get_visit_billing",
			args: { encounter: frm.doc.name },
			type: "GET",
		})
		.then((r) => {
			for (const row of r.message || []) {
				const label =
					row.docstatus === 0
						? __("Invoice {0}: draft", [row.name])
						: __("Invoice {0}: {1}", [row.name, __(row.status)]);
				frm.dashboard.add_indicator(label, row.docstatus === 0 ? "orange" : "blue");
				if (row.custom_claim) {
					frm.dashboard.add_indicator(
						__("Claim {0}: {1}", [row.custom_claim, __(row.claim_status)]),
						CLAIM_COLOURS[row.claim_status] || "gray",
					);
				}
			}
		});
}
