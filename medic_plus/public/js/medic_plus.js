// Medic Plus in Desk: the practice switcher in the user menu, and no button or form
// offered for a practice doctype the user may not use.
frappe.provide("medic_plus");

medic_plus.context = () => frappe.boot.medic_plus || { memberships: [] };

medic_plus.switch_practice = function () {
	const ctx = medic_plus.context();
	const practices = [];
	const seen = new Set();
	for (const m of ctx.memberships) {
		if (seen.has(m.practice)) continue;
		seen.add(m.practice);
		practices.push({
			value: m.practice,
			label: `${m.practice_name || m.practice} (${__(m.role)})`,
		});
	}
	const dialog = new frappe.ui.Dialog({
		title: __("Switch Practice"),
		fields: [
			{
				fieldname: "practice",
				fieldtype: "Select",
				label: __("Active Practice"),
				options: practices,
				default: ctx.active_practice && ctx.active_practice.name,
				reqd: 1,
				description: __(
					"You see the records of all your practices; new records go to the active one.",
				),
			},
		],
		primary_action_label: __("Switch"),
		primary_action(values) {
			frappe
				.xcall("medic_plus.api.context.set_active_practice", { practice: values.practice })
				.then((context) => {
					frappe.boot.medic_plus = context;
					dialog.hide();
					medic_plus.render_switcher();
					frappe.show_alert({
						message: __("Active practice: {0}", [
							context.active_practice.practice_name,
						]),
						indicator: "green",
					});
				});
		},
	});
	dialog.show();
};

medic_plus.render_switcher = function () {
	const ctx = medic_plus.context();
	const $menu = $("#toolbar-user");
	$menu.find(".medic-plus-switcher").remove();
	if (!ctx.memberships || !ctx.memberships.length) return;
	const active = ctx.active_practice ? ctx.active_practice.practice_name : __("None");
	const multiple = new Set(ctx.memberships.map((m) => m.practice)).size > 1;
	const $item = $(`<button class="btn-reset dropdown-item medic-plus-switcher"></button>`).text(
		multiple ? __("Switch Practice ({0})", [active]) : __("Practice: {0}", [active]),
	);
	if (multiple) {
		$item.on("click", () => medic_plus.switch_practice());
	} else {
		$item.prop("disabled", true);
	}
	$menu.prepend($item);
};

$(document).on("toolbar_setup", () => medic_plus.render_switcher());

// the practice doctype a button label or a route names, if any
medic_plus.doctype_named = function (label) {
	const doctypes = medic_plus.context().doctypes || [];
	return doctypes.find(
		(doctype) => label === __(doctype) || label === frappe.router.slug(doctype),
	);
};

// "Create > Patient Encounter" on a form: only for those who may create one
const add_custom_button = frappe.ui.form.Form.prototype.add_custom_button;
frappe.ui.form.Form.prototype.add_custom_button = function (label, fn, group) {
	const doctype = medic_plus.doctype_named(label);
	if (doctype && !frappe.model.can_create(doctype)) return $();
	return add_custom_button.call(this, label, fn, group);
};

// /app/patient-encounter/new for someone who may not read encounters: Desk's own
// "not permitted" page, not a failed request (for a form, or a page of that name)
const not_readable = (doctype) => doctype && !frappe.model.can_read(doctype);
const show_page = frappe.views.pageview.show;
frappe.views.pageview.show = function (name) {
	const doctype = name && medic_plus.doctype_named(name);
	if (not_readable(doctype)) return frappe.show_not_permitted(__(doctype));
	return show_page.call(this, name);
};
const make_form = frappe.views.FormFactory.prototype.make;
frappe.views.FormFactory.prototype.make = function (route) {
	const doctype = medic_plus.doctype_named(__(route[1]));
	// a new one, for someone who may only read the ones shared with them
	const is_new = /^new(-|$)/.test(route[2] || "");
	if (not_readable(doctype) || (doctype && is_new && !frappe.model.can_create(doctype)))
		return frappe.show_not_permitted(__(doctype));
	return make_form.call(this, route);
};

// a user who sees several practices sees each record's practice in lists, as the first
// column after the title (Practice shows its name in links)
const ListView = frappe.views.ListView; // Frappe's list.bundle.js, included before this
const fields_in_list_view = ListView.prototype.get_fields_in_list_view;
ListView.prototype.get_fields_in_list_view = function () {
	const fields = fields_in_list_view.call(this);
	const ctx = medic_plus.context();
	const fieldname = ctx.several_practices && (ctx.practice_fields || {})[this.doctype];
	const df = fieldname && this.meta.fields.find((f) => f.fieldname === fieldname);
	if (!df || df.in_list_view) return fields;
	return [{ ...df, in_list_view: 1 }, ...fields.filter((f) => f.fieldname !== fieldname)];
};

// the patient's safety record on the forms about them: a red banner for a severe allergy
// (Patient, Appointment, Encounter) and, on Patient and Encounter, the active allergies
// and current problems with a way to add one
medic_plus.show_safety_record = function (frm, patient, with_lists) {
	if (!patient || frm.is_new()) return;
	frappe.xcall("medic_plus.api.clinical.get_safety_summary", { patient }).then((summary) => {
		if (frm.is_new() || (frm.doc.patient || frm.doc.name) !== patient) return;
		show_severe_allergies(frm, patient, summary.severe_allergies);
		if (with_lists) show_lists(frm, patient, summary);
	});
};

function show_severe_allergies(frm, patient, severe) {
	if (!severe.length) return;
	const what = severe
		.map((a) => (a.reaction ? `${a.substance} (${a.reaction})` : a.substance))
		.join(", ");
	// once per form and patient, however often the form refreshes
	const marker = `mp-allergy-${frappe.router.slug(patient)}`;
	if (frm.$wrapper.find(`.${marker}`).length) return;
	frm.dashboard.set_headline_alert(
		`<span class="${marker}"><b>${__("Severe allergy")}:</b> ${frappe.utils.escape_html(what)}</span>`,
		"red",
	);
}

function show_lists(frm, patient, { allergies, problems }) {
	if (!allergies && !problems) return; // neither may be read by this user
	const esc = frappe.utils.escape_html;
	const list = (doctype, rows, text, empty) => {
		const items = rows.length
			? rows
					.map(
						(r) =>
							`<li><a href="/app/${frappe.router.slug(doctype)}/${encodeURIComponent(r.name)}">${text(r)}</a></li>`,
					)
					.join("")
			: `<li class="text-muted">${empty}</li>`;
		const add = frappe.model.can_create(doctype)
			? `<button class="btn btn-xs btn-default mp-add" data-doctype="${esc(doctype)}">${__("Add")}</button>`
			: "";
		const all = `<a class="text-muted small" href="/app/${frappe.router.slug(doctype)}?patient=${encodeURIComponent(patient)}">${__("View all")}</a>`;
		return `<div class="col-sm-6"><div class="flex justify-between align-center">
			<b>${__(doctype === "Patient Allergy" ? "Allergies" : "Problem List")}</b>
			<span>${all} ${add}</span></div><ul class="list-unstyled mt-2">${items}</ul></div>`;
	};
	const parts = [];
	if (allergies)
		parts.push(
			list(
				"Patient Allergy",
				allergies,
				(a) =>
					`<span class="indicator-pill ${a.criticality === "low" ? "orange" : "red"}">${esc(__(a.criticality))}</span> ${esc(a.substance)}${a.reaction ? ` <span class="text-muted">(${esc(a.reaction)})</span>` : ""}`,
				__("No known allergies recorded"),
			),
		);
	if (problems)
		parts.push(
			list(
				"Patient Problem",
				problems,
				(p) =>
					`<b>${esc(p.code || "")}</b> ${esc(p.condition_name || "")}${p.chronic ? ` <span class="indicator-pill blue">${__("chronic")}</span>` : ""}`,
				__("No current problems recorded"),
			),
		);
	frm.dashboard.parent.find(".mp-safety").remove();
	const body = frm.dashboard.add_section(
		`<div class="row mp-safety-record">${parts.join("")}</div>`,
		__("Allergies and Problems"),
		"custom mp-safety",
	);
	frm.dashboard.show();
	$(body)
		.find(".mp-add")
		.on("click", (e) => {
			frappe.new_doc($(e.currentTarget).attr("data-doctype"), { patient });
		});
}

frappe.ui.form.on("Patient", {
	refresh(frm) {
		medic_plus.show_safety_record(frm, frm.doc.name, true);
		// the practice admin: who opened this patient's records
		if (!frm.is_new() && frappe.model.can_read("Patient Access Log")) {
			frm.add_custom_button(
				__("Who Opened This Record"),
				() => frappe.set_route("List", "Patient Access Log", { patient: frm.doc.name }),
				__("Privacy"),
			);
			// the patient's right to their data: everything held about them, in one file
			frm.add_custom_button(
				__("Export Everything"),
				() =>
					window.open(
						`/api/method/medic_plus.api.privacy.export_patient?patient=${encodeURIComponent(frm.doc.name)}`,
					),
				__("Privacy"),
			);
			medic_plus.add_record_rights(frm);
		}
		medic_plus.show_record_status(frm);
	},
});

// a record that is not Active says so at the top of the form
medic_plus.show_record_status = function (frm) {
	const status = frm.doc.custom_record_status || "Active";
	const text = {
		Restricted: __("Restricted at the patient's request: nothing can be added or changed."),
		Archived: __("Archived: past its retention end, kept read-only."),
		Erased: __(
			"Erased: the personal data was removed; the anonymised record stays for statistics.",
		),
	}[status];
	frm.set_intro(text || "", status === "Erased" ? "red" : "orange");
};

// the practice admin: restrict, restore, archive or erase the record (privacy/rights.py)
medic_plus.add_record_rights = function (frm) {
	const status = frm.doc.custom_record_status || "Active";
	const call = (method, args) =>
		frappe
			.call({
				method: `medic_plus.api.privacy.${method}`,
				args: { patient: frm.doc.name, ...args },
				freeze: true,
			})
			.then(() => frm.reload_doc());
	if (status === "Active") {
		frm.add_custom_button(
			__("Restrict Processing"),
			() =>
				frappe.prompt(
					{
						fieldname: "reason",
						fieldtype: "Small Text",
						label: __("What did the patient ask?"),
						reqd: 1,
					},
					(values) => call("restrict_patient", values),
					__("Restrict Processing"),
					__("Restrict"),
				),
			__("Privacy"),
		);
	}
	if (status === "Restricted" || status === "Archived") {
		frm.add_custom_button(
			status === "Restricted" ? __("Lift Restriction") : __("Restore Record"),
			() => call("restore_patient"),
			__("Privacy"),
		);
	}
	if ((status === "Active" || status === "Restricted") && frm.doc.custom_retention_review) {
		frm.add_custom_button(
			__("Archive"),
			() =>
				frappe.confirm(__("Archive this record? It stays read-only."), () =>
					call("archive_patient"),
				),
			__("Privacy"),
		);
	}
	if (status !== "Erased") {
		frm.add_custom_button(
			__("Erase Personal Data"),
			() =>
				frappe.prompt(
					{
						fieldname: "confirm",
						fieldtype: "Data",
						label: __("Type {0} to erase the personal data for good", [frm.doc.name]),
						reqd: 1,
					},
					(values) => call("erase_patient", values),
					__("Erase Personal Data"),
					__("Erase"),
				),
			__("Privacy"),
		);
	}
};
frappe.ui.form.on("Patient Appointment", {
	refresh: (frm) => medic_plus.show_safety_record(frm, frm.doc.patient, false),
});
frappe.ui.form.on("Patient Encounter", {
	refresh: (frm) => medic_plus.show_safety_record(frm, frm.doc.patient, true),
});

// A video visit's room, for the doctor: a tab opened on the click (no pop-up blocker
// stops it), sent to the room once the server has signed the doctor's way in.
medic_plus.join_video_visit = function (appointment) {
	const tab = window.open("", "_blank");
	frappe
		.xcall("medic_plus.api.video.doctor_join", { appointment })
		.then((r) => {
			if (tab) tab.location.href = r.url;
			else window.location.href = r.url;
		})
		.catch(() => tab && tab.close());
};
