// Medic Plus: the front desk takes a patient's payment on the invoice itself (submitted
// first if it is still a draft), in cash or by card, into the practice's own books.
frappe.ui.form.on("Sales Invoice", {
	refresh(frm) {
		const owes = frm.doc.docstatus === 0 || frm.doc.outstanding_amount > 0;
		const patients = ["Patient", "Patient Portion"].includes(frm.doc.custom_bill_to);
		if (frm.is_new() || frm.doc.docstatus === 2 || !owes || !patients) return;
		if (!frappe.model.can_create("Payment Entry")) return;
		frm.add_custom_button(__("Take Payment"), () => take_payment(frm)).addClass("btn-primary");
	},
});

function take_payment(frm) {
	const owing = frm.doc.docstatus === 0 ? frm.doc.grand_total : frm.doc.outstanding_amount;
	const dialog = new frappe.ui.Dialog({
		title: __("Take Payment"),
		fields: [
			{
				fieldname: "amount",
				fieldtype: "Currency",
				label: __("Amount"),
				options: frm.doc.currency,
				default: owing,
				reqd: 1,
			},
			{
				fieldname: "mode_of_payment",
				fieldtype: "Link",
				label: __("Mode of Payment"),
				options: "Mode of Payment",
				default: "Cash",
				reqd: 1,
			},
		],
		primary_action_label: __("Take Payment"),
		primary_action(values) {
			dialog.hide();
			frappe
				.xcall("medic_plus.api.billing.take_payment", {
					invoice: frm.doc.name,
					amount: values.amount,
					mode_of_payment: values.mode_of_payment,
				})
				.then((entry) => {
					frappe.show_alert({
						message: __("Payment {0} recorded", [entry]),
						indicator: "green",
					});
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}
