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
		offer_video(frm);
		medic_plus.assistant && medic_plus.assistant.offer(frm);
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

// the visit's video room, while the encounter is being written
function offer_video(frm) {
	if (frm.doc.docstatus !== 0 || !frm.doc.appointment) return;
	frappe.db
		.get_value("Patient Appointment", frm.doc.appointment, "custom_video_room")
		.then((r) => {
			if (!(r.message && r.message.custom_video_room)) return;
			frm.add_custom_button(__("Join Video Visit"), () =>
				medic_plus.join_video_visit(frm.doc.appointment),
			);
		});
}

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

// ---- the assistant: drafts from the saved note, for the doctor to accept, edit or discard
frappe.provide("medic_plus.assistant");

medic_plus.assistant.LABELS = {
	plan: __("Draft Plan and Patient Letter"),
	referral: __("Draft Referral Letter"),
	icd10: __("Suggest ICD-10 Codes"),
};

medic_plus.assistant.offer = function (frm) {
	if (frm.is_new() || frm.doc.docstatus !== 0 || !frm.perm[0] || !frm.perm[0].write) return;
	frappe
		.call({
			method: "medic_plus.api.assistant.get_features",
			args: { encounter: frm.doc.name },
			type: "GET",
		})
		.then(({ message: features }) => {
			(features || []).forEach((feature) =>
				frm.add_custom_button(
					medic_plus.assistant.LABELS[feature],
					() => medic_plus.assistant.ask(frm, feature),
					__("Assistant"),
				),
			);
		});
};

medic_plus.assistant.ask = async function (frm, feature) {
	if (frm.is_dirty()) await frm.save(); // the assistant reads the note as saved
	let recipient = null;
	if (feature === "referral") {
		recipient = await new Promise((resolve) =>
			frappe.prompt(
				{
					fieldname: "recipient",
					fieldtype: "Data",
					label: __("To (a specialty or a colleague)"),
					description: __(
						"Optional. Leave out the patient's name: the letter names them.",
					),
				},
				(v) => resolve(v.recipient || null),
				__("Referral Letter"),
				__("Draft"),
			),
		);
	}
	const { message: draft } = await frappe.call({
		method: "medic_plus.api.assistant.draft",
		args: { encounter: frm.doc.name, feature, recipient },
		freeze: true,
		freeze_message: __("The assistant is drafting…"),
	});
	if (draft) medic_plus.assistant.show(frm, feature, draft);
};

medic_plus.assistant.show = function (frm, feature, draft) {
	const note = {
		fieldtype: "HTML",
		options: `<p class="text-muted small">${__(
			"A draft: read it, change what is wrong, then accept it into the encounter (saved only when you save the encounter) or discard it.",
		)}</p>`,
	};
	let fields, accept;
	if (feature === "plan") {
		fields = [
			{ fieldname: "plan", fieldtype: "Small Text", label: __("Plan"), default: draft.plan },
			{
				fieldname: "letter",
				fieldtype: "Text",
				label: __("Letter to the Patient"),
				default: draft.letter,
			},
		];
		accept = (v) => {
			frm.set_value("custom_plan", v.plan);
			frm.set_value("custom_patient_letter", v.letter);
		};
	} else if (feature === "referral") {
		fields = [
			{
				fieldname: "letter",
				fieldtype: "Text",
				label: __("Referral Letter"),
				default: draft.letter,
			},
		];
		accept = (v) => frm.set_value("custom_referral_letter", v.letter);
	} else {
		const codes = draft.codes || [];
		fields = codes.length
			? codes.map((c, i) => ({
					fieldname: `code_${i}`,
					fieldtype: "Check",
					// the model's words are text, never markup
					label: frappe.utils.escape_html(`${c.code} ${c.description || ""}`),
					description: frappe.utils.escape_html(c.why || ""),
				}))
			: [
					{
						fieldtype: "HTML",
						options: `<p>${__("No code of the site's ICD-10 list fits.")}</p>`,
					},
				];
		if ((draft.not_in_list || []).length)
			fields.push({
				fieldtype: "HTML",
				options: `<p class="text-muted small">${__("Left out, not in the site's code list:")} ${frappe.utils.escape_html(draft.not_in_list.join(", "))}</p>`,
			});
		accept = (v) => {
			const have = new Set((frm.doc.custom_diagnoses || []).map((r) => r.diagnosis));
			codes.forEach((c, i) => {
				if (!v[`code_${i}`] || have.has(c.diagnosis)) return;
				const row = frm.add_child("custom_diagnoses");
				row.diagnosis = c.diagnosis;
				row.code = c.code;
				row.description = c.description;
			});
			frm.refresh_field("custom_diagnoses");
			frm.dirty();
		};
	}
	const dialog = new frappe.ui.Dialog({
		title: medic_plus.assistant.LABELS[feature],
		size: "large",
		fields: [note, ...fields],
		primary_action_label: __("Accept"),
		primary_action(values) {
			accept(values);
			dialog.hide();
			frappe.show_alert({
				message: __("Draft accepted: review and save the encounter."),
				indicator: "blue",
			});
		},
		secondary_action_label: __("Discard"),
		secondary_action() {
			dialog.hide();
		},
	});
	dialog.show();
};
