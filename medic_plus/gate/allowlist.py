"""The request gate's allowlist: the only code a practice user, a website user or a guest
may run through an HTTP request. Data, grouped by purpose; read by ``gate.py``.

Every entry is the canonical dotted path of the function that really runs (after
``override_whitelisted_methods``): where this app replaces a Frappe or Healthcare method,
the entry names the app's function, and the original stays closed.

To open a method to practice users:
1. Read it. If it takes a record by name or filter and reads it with raw SQL, ``get_all``
   or permissions off, and the gate does not see that record (an argument not in
   ``gate.ARGUMENT_DOCTYPES`` nor a doctype/name pair, a document sent whole), do not list
   it: write a wrapper in ``api/healthcare.py`` (or ``api/desk.py``) that checks it first, point
   ``override_whitelisted_methods`` at it, and list the wrapper.
2. Add it to the group it serves; a group of Frappe, ERPNext or Healthcare methods has
   its reason in :data:`REASONS`. One that takes a doctype and a name and reads the
   record with permissions off also goes into :data:`DOCTYPE_ARGUMENTS` with the doctypes
   it may name.
3. ``medic_plus/tests/test_gate.py`` then calls it with another practice's records in
   every argument and expects "not found".

Platform admins (System Manager, Healthcare Administrator, Administrator) are not gated,
nor are system users in no practice with no clinical role (``context.is_tenant_user``).
"""

from __future__ import annotations

from functools import cache

# --- practice users (Desk) -------------------------------------------------------------

_HC = "healthcare.healthcare.doctype."

DESK: dict[str, tuple[str, ...]] = {
	"session": (
		"frappe.ping",
		"frappe.auth.get_logged_user",
		"frappe.handler.logout",
		"frappe.handler.web_logout",
		"frappe.sessions.clear",
		"frappe.sessions.get_boot_assets_json",
		"frappe.utils.change_log.get_versions",
		"frappe.utils.change_log.show_update_popup",
		"frappe.utils.change_log.update_last_known_versions",
		"frappe.core.doctype.user.user.switch_theme",
		"frappe.core.doctype.user.user.test_password_strength",
		"frappe.core.doctype.user.user.verify_password",
		"frappe.core.doctype.user.user.update_password",
		"frappe.core.doctype.session_default_settings.session_default_settings.get_session_default_values",
		"frappe.core.doctype.session_default_settings.session_default_settings.set_session_default_values",
		"frappe.geo.country_info.get_country_timezone_info",
		"frappe.client.get_time_zone",
		"frappe.translate.get_all_languages",
		"frappe.translate.get_app_translations",
	),
	"realtime": (
		"frappe.realtime.get_user_info",
		"frappe.realtime.can_subscribe_doc",
		"medic_plus.gate.realtime.can_subscribe_doctype",
	),
	"workspace": (
		"frappe.desk.desktop.get_workspace_sidebar_items",
		"frappe.desk.desktop.get_desktop_page",
		"frappe.desk.desk_page.getpage",
		"frappe.desk.doctype.number_card.number_card.get_cards_for_user",
		"medic_plus.api.desk.get_number_card_result",
		"medic_plus.api.desk.get_number_card_difference",
		"frappe.desk.doctype.number_card.number_card.create_number_card",
		"frappe.desk.doctype.number_card.number_card.create_report_number_card",
		"frappe.desk.doctype.dashboard_chart.dashboard_chart.get_charts_for_user",
		"frappe.desk.doctype.dashboard_chart.dashboard_chart.create_dashboard_chart",
		"frappe.desk.doctype.dashboard_chart.dashboard_chart.create_report_chart",
		"frappe.desk.doctype.dashboard_chart_source.dashboard_chart_source.get_config",
		"frappe.desk.doctype.dashboard_settings.dashboard_settings.create_dashboard_settings",
		"frappe.desk.doctype.dashboard_settings.dashboard_settings.save_chart_config",
		"frappe.desk.doctype.custom_html_block.custom_html_block.get_custom_blocks_for_user",
		"frappe.desk.doctype.onboarding_step.onboarding_step.get_onboarding_steps",
		"frappe.desk.doctype.form_tour.form_tour.update_user_status",
		"frappe.desk.doctype.route_history.route_history.deferred_insert",
		"medic_plus.api.desk.get_dashboard_chart",
	),
	"notifications": (
		"frappe.desk.doctype.notification_log.notification_log.get_notification_logs",
		"frappe.desk.doctype.notification_log.notification_log.mark_as_read",
		"frappe.desk.doctype.notification_log.notification_log.mark_all_as_read",
		"frappe.desk.doctype.notification_log.notification_log.trigger_indicator_hide",
		"frappe.desk.doctype.notification_settings.notification_settings.set_seen_value",
		"frappe.desk.notifications.get_notification_info",
		"frappe.desk.doctype.note.note.mark_as_seen",
	),
	"list": (
		"frappe.desk.reportview.get",
		"frappe.desk.reportview.get_list",
		"frappe.desk.reportview.get_count",
		"frappe.desk.reportview.get_sidebar_stats",
		"frappe.desk.reportview.export_query",
		"frappe.desk.reportview.delete_items",
		"frappe.desk.listview.get_list_settings",
		"frappe.desk.listview.set_list_settings",
		"frappe.desk.doctype.list_view_settings.list_view_settings.get_default_listview_fields",
		"frappe.desk.doctype.list_view_settings.list_view_settings.save_listview_settings",
		"frappe.model.utils.user_settings.get",
		"frappe.model.utils.user_settings.save",
		"medic_plus.api.desk.get_group_by_count",
		"medic_plus.api.desk.get_count",
		"medic_plus.api.desk.global_search",
	),
	"form": (
		"frappe.desk.form.load.getdoc",
		"frappe.desk.form.load.getdoctype",
		"frappe.desk.form.load.get_docinfo",
		"frappe.desk.form.load.get_communications",
		"medic_plus.api.desk.get_user_info_for_viewers",
		"frappe.desk.form.linked_with.get",
		"frappe.desk.form.utils.get_next",
		"frappe.desk.form.document_follow.follow_document",
		"frappe.desk.form.document_follow.unfollow_document",
		"frappe.desk.form.document_follow.update_follow",
		"frappe.desk.form.document_follow.get_follow_users",
		"frappe.desk.like.toggle_like",
		"frappe.desk.link_preview.get_preview_data",
		"frappe.model.workflow.get_transitions",
		"frappe.model.workflow.apply_workflow",
		"frappe.core.doctype.access_log.access_log.make_access_log",
		"medic_plus.api.desk.get_open_count",
		"medic_plus.api.desk.validate_link",
	),
	"save": (
		"frappe.desk.form.save.savedocs",
		"frappe.desk.form.save.cancel",
		"frappe.client.get",
		"frappe.client.get_list",
		"frappe.client.get_value",
		"frappe.client.get_single_value",
		"frappe.client.insert",
		"frappe.client.save",
		"frappe.client.set_value",
		"frappe.client.submit",
		"frappe.client.cancel",
		"frappe.client.delete",
		"frappe.client.is_document_amended",
		"frappe.client.get_doc_permissions",
		"frappe.model.mapper.make_mapped_doc",
	),
	"search": (
		"frappe.desk.search.search_link",
		"frappe.desk.search.search_widget",
		"frappe.desk.search.get_link_title",
		"medic_plus.api.desk.get_names_for_mentions",
		"medic_plus.api.desk.practitioner_query",
		"medic_plus.api.desk.patient_query",
		"medic_plus.clinical.codes.code_value_query",
	),
	"print": (
		"frappe.www.printview.get_html_and_style",
		"frappe.utils.print_format.download_pdf",
	),
	"report": (
		"frappe.desk.query_report.run",
		"frappe.desk.query_report.get_script",
		"frappe.desk.query_report.export_query",
	),
	"attachments": (
		"frappe.handler.upload_file",
		"frappe.client.attach_file",
		"frappe.desk.form.utils.remove_attach",
		"frappe.core.api.file.get_max_file_size",
		"frappe.integrations.doctype.google_settings.google_settings.get_file_picker_settings",
	),
	"comments": (
		"frappe.desk.form.utils.add_comment",
		"frappe.desk.form.utils.update_comment",
		"frappe.desk.form.utils.update_comment_publicity",
		"frappe.core.doctype.communication.email.make",
		"frappe.email.doctype.email_template.email_template.get_email_template",
	),
	"assignments": (
		"frappe.desk.form.assign_to.add",
		"frappe.desk.form.assign_to.remove",
		"frappe.desk.form.assign_to.close",
		"frappe.share.add",
		"frappe.share.set_permission",
		"frappe.share.get_users",
		"frappe.desk.doctype.tag.tag.add_tag",
		"frappe.desk.doctype.tag.tag.remove_tag",
		"frappe.desk.doctype.tag.tag.get_tags",
		"frappe.desk.doctype.tag.tag.get_tags_list_for_awesomebar",
	),
	"calendar": (
		"medic_plus.api.desk.get_appointment_events",
		"medic_plus.api.desk.get_events",
	),
	"erpnext": ("erpnext.accounts.utils.get_fiscal_year",),
	# what ERPNext's invoice and payment forms ask while the front desk bills a visit
	"books": (
		"erpnext.accounts.doctype.accounting_dimension.accounting_dimension.get_dimensions",
		"erpnext.controllers.accounts_controller.get_default_taxes_and_charges",
		"erpnext.controllers.taxes_and_totals.get_round_off_applicable_accounts",
		"erpnext.controllers.taxes_and_totals.get_rounding_tax_settings",
		"erpnext.setup.doctype.company.company.get_default_company_address",
		"erpnext.setup.utils.get_exchange_rate",
		"erpnext.stock.doctype.stock_settings.stock_settings.get_enable_stock_uom_editing",
		"erpnext.stock.get_item_details.apply_price_list",
		"erpnext.accounts.doctype.unreconcile_payment.unreconcile_payment.doc_has_references",
	),
	# what ERPNext's payment form asks while the front desk takes a payment ("Create >
	# Payment" on an invoice): each reads the books by the records it is given, which the
	# gate holds to the user's own (a company, customer, account, cost center, voucher) and
	# whose doctypes are held to DOCTYPE_ARGUMENTS
	"payments": (
		"erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry",
		"erpnext.accounts.doctype.payment_entry.payment_entry.get_party_details",
		"erpnext.accounts.doctype.payment_entry.payment_entry.get_account_details",
		"erpnext.accounts.doctype.payment_entry.payment_entry.get_company_defaults",
		"erpnext.accounts.doctype.payment_entry.payment_entry.get_outstanding_reference_documents",
		"erpnext.accounts.doctype.payment_entry.payment_entry.get_reference_details",
		"erpnext.accounts.doctype.payment_entry.payment_entry.get_party_and_account_balance",
		"erpnext.controllers.accounts_controller.get_taxes_and_charges",
		# the account of a mode of payment in the company given (held to the user's)
		"erpnext.accounts.doctype.sales_invoice.sales_invoice.get_bank_cash_account",
	),
	# Healthcare's own, whose only records are arguments the gate checks by name
	"healthcare_direct": (
		_HC + "patient.patient.get_patient_detail",
		_HC + "patient_appointment.patient_appointment.get_procedure_prescribed",
		_HC + "patient_appointment.patient_appointment.get_prescribed_therapies",
		_HC + "patient_appointment.patient_appointment.check_payment_reqd",
		_HC + "fee_validity.fee_validity.get_fee_validity",
		_HC + "patient_encounter.patient_encounter.get_medications",
		"healthcare.healthcare.page.patient_history.patient_history.get_patient_history_doctypes",
	),
	# Healthcare, through a wrapper that checks what the gate cannot see (api/healthcare.py)
	"healthcare": (
		"medic_plus.api.healthcare.get_availability_data",
		"medic_plus.api.healthcare.update_status",
		"medic_plus.api.healthcare.update_fee_validity",
		"medic_plus.api.healthcare.invoice_appointment",
		"medic_plus.api.healthcare.get_encounter_details",
		"medic_plus.api.healthcare.create_service_request",
		"medic_plus.api.healthcare.create_medication_request",
		"medic_plus.api.healthcare.check_fee_validity",
		"medic_plus.api.healthcare.get_appointment_billing_item_and_rate",
		"medic_plus.api.healthcare.get_feed",
		"medic_plus.api.healthcare.get_feed_for_dt",
		"medic_plus.api.healthcare.get_healthcare_service_units",
	),
	# the app's own API for practice users
	"medic_plus": (
		"medic_plus.api.context.get_context",
		"medic_plus.api.context.set_active_practice",
		"medic_plus.api.context.get_setup_checklist",
		"medic_plus.api.stats.get_appointment_stats",
		"medic_plus.api.stats.get_practitioner_stats",
		"medic_plus.api.stats.no_show_rate_card",
		"medic_plus.api.appointments.approve_booking",
		"medic_plus.api.clinical.get_safety_summary",
		"medic_plus.api.privacy.export_patient",
		"medic_plus.api.privacy.restrict_patient",
		"medic_plus.api.privacy.restore_patient",
		"medic_plus.api.privacy.archive_patient",
		"medic_plus.api.privacy.erase_patient",
		"medic_plus.clinical.encounter.make_sick_note",
		"medic_plus.api.billing.send_claim",
		"medic_plus.api.billing.resubmit_claim",
		"medic_plus.api.billing.bill_patient_instead",
		"medic_plus.api.billing.take_payment",
		"medic_plus.api.billing.get_visit_billing",
		"medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token.issue_token",
		"medic_plus.api.imports.check",
		"medic_plus.api.imports.start",
		"medic_plus.api.video.doctor_join",
		"medic_plus.api.assistant.get_features",
		"medic_plus.api.assistant.draft",
	),
}

# Mappers that ``frappe.model.mapper.make_mapped_doc`` may run, with the doctype of
# their ``source_name``: the source must be visible to the user.
MAPPERS: dict[str, str] = {
	"medic_plus.api.healthcare.make_encounter": "Patient Appointment",
	# a credit note for an invoice of the practice's (ERPNext's "Create > Return / Credit
	# Note"): a refund at the desk
	"erpnext.accounts.doctype.sales_invoice.sales_invoice.make_sales_return": "Sales Invoice",
}

# Controller methods (``run_doc_method``, ``frm.call``, ``/api/v2/document/.../method``)
# Each is a method of the app's controller subclass (tenancy/overrides.py) that checks
# its record arguments before Healthcare's method runs.
DOC_METHODS: dict[str, tuple[str, ...]] = {
	"Patient Encounter": ("get_clinical_notes",),
	"Patient Appointment": ("get_therapy_types",),
}

# ERPNext methods that read the record a (doctype, name) pair of arguments names with
# permissions off: the doctypes each may name there (another answers as a missing record;
# the record itself must be the user's, as every record argument). Arguments are looked
# for in the call and in its ``args``.
_VOUCHERS = ("Sales Invoice", "Payment Entry", "Journal Entry")
_CUSTOMER = {"party_type": ("Customer",)}
_TAXES = {"master_doctype": ("Sales Taxes and Charges Template",)}
_PAYMENT_ENTRY = "erpnext.accounts.doctype.payment_entry.payment_entry."
DOCTYPE_ARGUMENTS: dict[str, dict[str, tuple[str, ...]]] = {
	_PAYMENT_ENTRY + "get_payment_entry": {"dt": ("Sales Invoice",), **_CUSTOMER},
	_PAYMENT_ENTRY + "get_party_details": _CUSTOMER,
	_PAYMENT_ENTRY + "get_outstanding_reference_documents": _CUSTOMER,
	_PAYMENT_ENTRY + "get_reference_details": {"reference_doctype": _VOUCHERS, **_CUSTOMER},
	_PAYMENT_ENTRY + "get_party_and_account_balance": {"ptype": ("Customer",)},
	"erpnext.controllers.accounts_controller.get_taxes_and_charges": _TAXES,
	"erpnext.controllers.accounts_controller.get_default_taxes_and_charges": _TAXES,
	"erpnext.accounts.doctype.unreconcile_payment.unreconcile_payment.doc_has_references": {
		"doctype": _VOUCHERS
	},
}

# ERPNext's reports of a practice's own books (roles.BOOK_REPORTS, granted to the practice
# roles) run only with the ``company`` filter naming the books of a practice of the user's,
# and with every other filter that names a record of the books (an account, a cost center,
# a customer) naming one of the user's (gate._report). The filters that name such a record
# (a list or one name):
BOOK_REPORT_FILTERS: dict[str, str] = {
	"account": "Account",
	"party_account": "Account",
	"cost_center": "Cost Center",
	"customer": "Customer",
}

# Link queries that ``search_link``/``search_widget`` may run (``query=``)
LINK_QUERIES: tuple[str, ...] = (
	"medic_plus.api.desk.practitioner_query",
	"medic_plus.api.desk.patient_query",
	"medic_plus.clinical.codes.code_value_query",
	"medic_plus.api.healthcare.get_healthcare_service_units",
)

# Methods that ``upload_file`` may hand the upload to (``method=``)
UPLOAD_METHODS: tuple[str, ...] = ()

# --- website users and guests ----------------------------------------------------------

PUBLIC: dict[str, tuple[str, ...]] = {
	"session": (
		"login",
		"frappe.ping",
		"frappe.auth.get_logged_user",
		"frappe.handler.logout",
		"frappe.handler.web_logout",
		"frappe.www.login.login_via_token",
		"frappe.core.doctype.user.user.sign_up",
		"frappe.core.doctype.user.user.reset_password",
		"frappe.core.doctype.user.user.update_password",
		"frappe.core.doctype.user.user.test_password_strength",
		"frappe.realtime.get_user_info",
		"frappe.translate.get_all_languages",
		"frappe.translate.get_app_translations",
		"frappe.geo.country_info.get_country_timezone_info",
		"frappe.client.get_time_zone",
	),
	"website": (
		"frappe.website.doctype.web_page_view.web_page_view.make_view_log",
		"frappe.website.doctype.website_settings.website_settings.get_auto_account_deletion",
	),
	# the booking portal (/book)
	"booking": (
		"medic_plus.api.booking.get_practice_info",
		"medic_plus.api.booking.get_practice_practitioners",
		"medic_plus.api.booking.get_availability",
		"medic_plus.api.booking.get_form_token",
		"medic_plus.api.booking.request_booking_otp",
		"medic_plus.api.booking.verify_and_book",
		"medic_plus.api.booking.get_booking",
		"medic_plus.api.booking.cancel_booking",
		"medic_plus.api.booking.get_reschedule_times",
		"medic_plus.api.booking.reschedule_booking",
	),
	# a video visit's page (/visit), by the visit's manage link: the consent, the waiting room
	"video": (
		"medic_plus.api.video.get_visit",
		"medic_plus.api.video.give_consent",
		"medic_plus.api.video.join",
	),
	# a patient signs in to the patient portal (/patient)
	"portal_sign_in": (
		"medic_plus.api.portal.request_code",
		"medic_plus.api.portal.sign_in",
	),
	# a new practice's doctor sets their password (/activate)
	"onboarding": (
		"medic_plus.api.onboarding.activate",
		"medic_plus.api.signup.check_slug",
		"medic_plus.api.signup.request_signup_code",
		"medic_plus.api.signup.register",
	),
}

# --- a patient signed in to the portal: this class only -------------------------------

PORTAL: dict[str, tuple[str, ...]] = {
	"session": (
		"frappe.ping",
		"frappe.auth.get_logged_user",
		"frappe.handler.logout",
		"frappe.handler.web_logout",
		"frappe.translate.get_all_languages",
		"frappe.website.doctype.web_page_view.web_page_view.make_view_log",
	),
	"portal": (
		"medic_plus.api.portal.get_home",
		"medic_plus.api.portal.manage_link",
		"medic_plus.api.portal.get_document",
		"medic_plus.api.portal.withdraw_consent",
		"medic_plus.api.portal.download_my_data",
		"medic_plus.api.portal.book_follow_up",
	),
	# booking (/book) and a visit's manage link, as for anyone: the patient books, moves and
	# cancels under the practice's rules
	"booking": PUBLIC["booking"],
	"video": PUBLIC["video"],
}

# A plan invoice paid online (Medic Plus Settings > Payment Gateway Account): the payments
# app's checkout of that one gateway is open to everyone (the practice's admin pays, signed
# in or not) while it is the gateway set up, and only for a Payment Request; the other
# gateways' stay closed.
_PAY = "payments.payment_gateways.doctype"
CHECKOUT: dict[str, tuple[str, ...]] = {
	"Razorpay": ("payments.templates.pages.razorpay_checkout.make_payment",),
	"Stripe": ("payments.templates.pages.stripe_checkout.make_payment",),
	"Braintree": ("payments.templates.pages.braintree_checkout.make_payment",),
	"GoCardless": (
		"payments.templates.pages.gocardless_checkout.check_mandate",
		"payments.templates.pages.gocardless_confirmation.confirm_payment",
	),
	"PayPal": (
		f"{_PAY}.paypal_settings.paypal_settings.get_express_checkout_details",
		f"{_PAY}.paypal_settings.paypal_settings.confirm_payment",
	),
}
# the only record a checkout may be asked to pay
CHECKOUT_PAYS = "Payment Request"

# Why the Frappe functions of each group are safe to run for a practice user (the app's
# own functions need no reason). A group that holds Frappe functions must have one.
REASONS: dict[str, str] = {
	"healthcare_direct": "each reads the one patient or appointment it is given (the gate checks "
	"the patient or appointment_name argument against the tenancy first), or a shared master "
	"(Medication, the list of history doctypes)",
	"session": "act on the session user's own session, settings or password; touch no record",
	"realtime": "can_subscribe_doc asks has_permission for the one document named",
	"workspace": "the user's own workspaces, cards and charts; values come through get_list "
	"(charts through the app's wrapper, never Frappe's shared cache)",
	"notifications": "the session user's own notification log and settings",
	"list": "list, count, stats and exports are built by get_list with the permission hooks",
	"form": "every one loads the named document with its permission check; the gate checks "
	"the (doctype, name) arguments against the tenancy first",
	"save": "get_doc + check_permission or get_list; a document sent as JSON is judged by "
	"what is stored (gate); mappers are judged on the mapper (MAPPERS)",
	"search": "search_link/search_widget list through get_list (the gate turns "
	"ignore_user_permissions off for scoped doctypes and judges query= on LINK_QUERIES)",
	"print": "the named document is loaded with the load guard and its print permission",
	"report": "dispatchers: judged on the report they run (the app's own, Report Builder, or "
	"one of roles.BOOK_REPORTS held to the user's own company)",
	"attachments": "upload_file checks write permission on the named document and is judged "
	"on its method (UPLOAD_METHODS); the file picker's settings are the site's public client ids",
	"comments": "comments and e-mails on a document the gate has checked against the tenancy",
	"assignments": "assignments, shares and tags of a document the gate has checked; shares "
	"stay within the practice (sharing.py)",
	"website": "public website settings and page-view counters",
	"erpnext": "the fiscal year of a date and company: a master, no practice data",
	"books": "settings and metadata (accounting dimensions, rounding, stock UOM editing, exchange "
	"rates), or what one company, price list or customer holds: the gate holds each company, "
	"price list and customer argument (also inside args) to the user's own books",
	"payments": "what one invoice, customer, account, company or tax template of the books holds, "
	"each read by the records it is given: the gate holds every company, customer, account, "
	"cost center and voucher argument (also inside args) to the user's own books and each "
	"doctype argument to DOCTYPE_ARGUMENTS",
	"checkout": "a payment gateway's checkout: it settles a Payment Request only after the "
	"gateway confirms the payment; open only for the gateway the platform set up, and the "
	"gate refuses any reference but a Payment Request",
}


@cache
def desk_methods() -> frozenset[str]:
	"""What a practice user may run: the Desk groups, and what the website offers anyone."""
	return frozenset(m for groups in (DESK, PUBLIC) for group in groups.values() for m in group)


@cache
def checkout_methods() -> frozenset[str]:
	return frozenset(m for group in CHECKOUT.values() for m in group)


@cache
def public_methods() -> frozenset[str]:
	return frozenset(m for group in PUBLIC.values() for m in group)


@cache
def portal_methods() -> frozenset[str]:
	"""What a patient signed in to the portal may run: the portal's class, nothing else."""
	return frozenset(m for group in PORTAL.values() for m in group)


def reviewed() -> dict[str, str]:
	"""Every entry that is not the app's own, with the reason it may run."""
	out: dict[str, str] = {}
	for groups in (DESK, PUBLIC, PORTAL):
		for group, methods in groups.items():
			for method in methods:
				if not method.startswith("medic_plus.") and method != "login":
					out[method] = REASONS.get(group, "")
	for methods in CHECKOUT.values():
		out |= dict.fromkeys(methods, REASONS["checkout"])
	return out
