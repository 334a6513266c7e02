// A claim is sent, and a rejected one corrected as a new version, from its form.
frappe.ui.form.on("Insurance Claim", {
	refresh(frm) {
		if (frm.is_new()) return;
		const editable = frm.doc.status === "Draft";
		frm.set_df_property("lines", "read_only", editable ? 0 : 1);
		if (["Draft", "Failed"].includes(frm.doc.status) && frm.perm[0]?.write) {
			frm.add_custom_button(__("Send to the Medical Aid"), () =>
				frappe
					.xcall("medic_plus.api.billing.send_claim", { claim: frm.doc.name })
					.then(() => frm.reload_doc()),
			).addClass("btn-primary");
		}
		if (frm.doc.status === "Rejected" && frm.perm[0]?.write) {
			frm.add_custom_button(__("Correct and Resubmit"), () =>
				frappe
					.xcall("medic_plus.api.billing.resubmit_claim", { claim: frm.doc.name })
					.then((name) => frappe.set_route("Form", "Insurance Claim", name)),
			);
			frm.add_custom_button(__("Bill the Patient Instead"), () =>
				frappe.confirm(
					__("Move what the invoice still owes to the patient's account?"),
					() =>
						frappe
							.xcall("medic_plus.api.billing.bill_patient_instead", {
								claim: frm.doc.name,
							})
							.then(() => frm.reload_doc()),
				),
			);
		}
		if (frm.doc.reasons) {
			frm.dashboard.set_headline_alert(
				`<div class="text-danger">${frappe.utils.escape_html(frm.doc.reasons)}</div>`,
			);
		}
	},
});
