from medic_plus.tenancy.scope import (
	CLINICAL_DOCTYPES,
	CUSTOM_FIELD_DOCTYPES,
	GUARDED_BOOKS,
	LINKED_BY_DOCTYPE,
	STAMPED_DOCTYPES,
)

app_name = "medic_plus"
app_title = "Medic Plus"
app_publisher = "medic_plus contributors"
app_description = "Multi-tenant medical practices on one Frappe + ERPNext + Healthcare site"
app_email = "dev@medic-plus.invalid"
app_license = "mit"

required_apps = ["erpnext", "healthcare"]

# Whitelisted methods of this app must carry type annotations.
require_type_annotated_api_methods = True

# Install / migrate
# -----------------
after_install = "medic_plus.install.after_install"
after_migrate = "medic_plus.install.after_migrate"
before_uninstall = "medic_plus.install.before_uninstall"
before_tests = "medic_plus.tests.utils.before_tests"

# The FHIR R4 API at /fhir/R4 (see medic_plus/fhir/server.py)
# the client's IP from the trusted proxies of the site config first, before anything counts it
# (and tracebacks hidden from practice users, website users and guests)
# the access log's entries into the durable queue (or the request fails closed), and the
# retry hint of a 503 (medic_plus/outage.py)
after_request = ["medic_plus.privacy.access_log.queue", "medic_plus.outage.add_retry_after"]
# the access log names the records it saw and outlives them: it never holds a delete up
ignore_links_on_delete = ["Patient Access Log"]
before_request = [
	"medic_plus.booking.guard.set_request_ip",
	"medic_plus.gate.gate.hide_tracebacks",
	"medic_plus.fhir.server.intercept",
	# a guest's calendar that is in the cache is answered here, before routing (api/booking.py)
	"medic_plus.api.booking.serve_cached_calendar",
]

# Desk
# ----
app_include_js = "/assets/medic_plus/js/medic_plus.js"
doctype_js = {
	"Patient Appointment": "public/js/patient_appointment.js",
	"Patient Encounter": "public/js/patient_encounter.js",
	"Sales Invoice": "public/js/sales_invoice.js",
}
doctype_list_js = {"Patient Appointment": "public/js/patient_appointment_list.js"}
doctype_calendar_js = {"Patient Appointment": "public/js/patient_appointment_calendar.js"}

# Print formats of the clinical documents
jinja = {
	"methods": [
		"medic_plus.clinical.printing.clinical_print_context",
		"medic_plus.billing.statement.patient_statement",
	]
}
boot_session = "medic_plus.api.context.boot_session"

# Tenancy: see medic_plus/tenancy/scope.py
# -----------------------------------------
# "*" so that child tables of scoped doctypes are scoped through their parent too.
permission_query_conditions = {"*": "medic_plus.tenancy.permissions.get_permission_query_conditions"}
has_permission = {"*": "medic_plus.tenancy.permissions.has_permission"}

override_doctype_class = {
	doctype: "medic_plus.tenancy.overrides." + doctype.replace(" ", "")
	for doctype in (*CUSTOM_FIELD_DOCTYPES, *LINKED_BY_DOCTYPE, *GUARDED_BOOKS)
}
# a master every practice reads loads its rows of the user's own books only (its accounts)
override_doctype_class["Mode of Payment"] = "medic_plus.tenancy.overrides.ModeOfPayment"

doc_events = {
	**{
		doctype: {
			"before_insert": "medic_plus.tenancy.stamping.stamp_practice",
			"before_validate": "medic_plus.tenancy.stamping.validate_child_rows_are_own",
			"validate": "medic_plus.tenancy.stamping.validate_tenancy",
			"on_change": "medic_plus.gate.realtime.notify_members",
		}
		for doctype in STAMPED_DOCTYPES
	},
	# scoped through their patient: links stay inside its practice
	**{
		doctype: {
			"before_validate": "medic_plus.tenancy.stamping.validate_child_rows_are_own",
			"validate": "medic_plus.tenancy.stamping.validate_tenancy",
		}
		for doctype in LINKED_BY_DOCTYPE
	},
	"DocShare": {"validate": "medic_plus.tenancy.sharing.validate_share"},
	# any other record a practice user saves links no record of another practice
	"*": {"validate": "medic_plus.tenancy.stamping.validate_links_are_visible"},
	# a practice's patient's Customer, Contact and Address are named after the patient record
	**{
		doctype: {"autoname": "medic_plus.tenancy.overrides.name_patient_records"}
		for doctype in ("Customer", "Contact", "Address")
	},
}


def _also(doctype: str, event: str, handler: str) -> None:
	"""Add ``handler`` after the handlers ``doc_events`` already holds for the event."""
	existing = doc_events.setdefault(doctype, {}).get(event)
	handlers = [] if not existing else [existing] if isinstance(existing, str) else list(existing)
	doc_events[doctype][event] = [*handlers, handler]


# the public calendar's cache forgets what a change touches (booking/calendar_cache.py)
for _doctype, _handler, _events in (
	("Patient Appointment", "on_appointment_change", ("on_update", "after_insert", "on_trash", "on_cancel")),
	("Healthcare Practitioner", "on_practitioner_change", ("on_update", "on_trash")),
	("Practitioner Schedule", "on_practice_record_change", ("on_update", "on_trash")),
	("Practice", "on_practice_record_change", ("on_update", "on_trash")),
	("Practice Member", "on_practice_record_change", ("on_update", "on_trash")),
	("Holiday List", "on_site_change", ("on_update", "on_trash")),
	("Company", "on_site_change", ("on_update",)),
	("Healthcare Service Unit", "on_site_change", ("on_update", "on_trash")),
):
	for _event in _events:
		_also(_doctype, _event, "medic_plus.booking.calendar_cache." + _handler)


def _also_each(module: str, rows: tuple[tuple[str, str, str], ...]) -> None:
	"""``_also`` for each (doctype, event, function of ``module``)."""
	for doctype, event, handler in rows:
		_also(doctype, event, f"{module}.{handler}")


# safe prescribing: every save of an encounter is checked (clinical/prescribing.py)
_also_each(
	"medic_plus.clinical.prescribing",
	(
		("Patient Encounter", "validate", "check_encounter"),
		("Medication Request", "validate", "check_medication_request"),
		("Drug Interaction Rule", "on_update", "forget_rules"),
		("Drug Interaction Rule", "on_trash", "forget_rules"),
	),
)

# billing a practice's plan (onboarding/billing.py): its use on the monthly invoice, the
# Payment Request where a gateway is set up, and the practice active again once paid
_also_each(
	"medic_plus.onboarding.billing",
	(
		("Sales Invoice", "before_validate", "add_usage_line"),
		("Sales Invoice", "after_insert", "record_usage_billed"),
		("Sales Invoice", "on_submit", "request_payment"),
		("Payment Entry", "on_submit", "reactivate_paid"),
	),
)

# a visit billed in the practice's books (billing/visit.py), and its claim sent to the medical
# aid when its invoice is submitted (billing/insurance.py)
_also_each(
	"medic_plus.billing.visit",
	(
		("Patient Encounter", "before_submit", "check_diagnosis"),
		("Patient Encounter", "on_submit", "bill_encounter"),
		("Patient Encounter", "on_cancel", "unbill_encounter"),
		("Patient Appointment", "on_update", "bill_checkout"),
		("Price List", "before_insert", "stamp_price_list"),
		("Item Price", "validate", "stamp_item_price"),
		("Sales Invoice", "before_validate", "credit_note"),
	),
)
_also_each(
	"medic_plus.billing.insurance",
	(
		("Sales Invoice", "before_submit", "check_invoice"),
		("Sales Invoice", "on_submit", "on_invoice_submit"),
		("Sales Invoice", "before_cancel", "on_invoice_cancel"),
		("Sales Invoice", "on_cancel", "release_visit"),
	),
)

# medical aids: an appointment names the patient's medical aid on its day (billing/medical_aid.py)
_also("Patient Appointment", "validate", "medic_plus.billing.medical_aid.set_on_appointment")
# a video visit's room (booking/video.py)
_also("Patient Appointment", "validate", "medic_plus.booking.video.set_room")
override_doctype_dashboards = {"Patient": "medic_plus.billing.medical_aid.patient_dashboard"}

# the problem list: an encounter's ticked ICD-10 diagnoses go onto it on submit
_also_each(
	"medic_plus.clinical.problems",
	(
		("Patient Encounter", "validate", "validate_diagnoses"),
		("Patient Encounter", "on_submit", "add_to_problem_list"),
		("Patient Encounter", "on_cancel", "remove_from_problem_list"),
	),
)

# retention: a patient's record is not deleted before its time (privacy/retention.py)
for _doctype in ("Patient", *CLINICAL_DOCTYPES):
	_also(_doctype, "on_trash", "medic_plus.privacy.retention.protect")

# the patient's rights: a restricted, archived or erased record takes no entries or edits
# (privacy/rights.py)
_also("Patient", "validate", "medic_plus.privacy.rights.guard_patient")
for _doctype in ("Patient Appointment", *CLINICAL_DOCTYPES):
	_also(_doctype, "validate", "medic_plus.privacy.rights.guard_record")

# link search for practitioners: the members of the user's practices only; for patients:
# each with its practice, for a user who sees several
standard_queries = {
	"Healthcare Practitioner": "medic_plus.api.desk.practitioner_query",
	"Patient": "medic_plus.api.desk.patient_query",
	"Code Value": "medic_plus.clinical.codes.code_value_query",
}

# The request gate: practice users, website users and guests run only what
# medic_plus/gate/allowlist.py names (an auth hook: it knows the API-key and OAuth user too)
auth_hooks = ["medic_plus.gate.gate.enforce"]

_HC = "healthcare.healthcare.doctype."
override_whitelisted_methods = {
	# Healthcare methods the practice roles need, behind the tenant wall (api/healthcare.py)
	**{
		original: "medic_plus.api.healthcare." + original.rsplit(".", 1)[1]
		for original in (
			_HC + "patient_appointment.patient_appointment.get_availability_data",
			_HC + "patient_appointment.patient_appointment.update_status",
			_HC + "patient_appointment.patient_appointment.make_encounter",
			_HC + "patient_appointment.patient_appointment.update_fee_validity",
			_HC + "patient_appointment.patient_appointment.invoice_appointment",
			_HC + "patient_encounter.patient_encounter.get_encounter_details",
			_HC + "patient_encounter.patient_encounter.create_service_request",
			_HC + "patient_encounter.patient_encounter.create_medication_request",
			_HC + "fee_validity.fee_validity.check_fee_validity",
			"healthcare.healthcare.utils.get_appointment_billing_item_and_rate",
			"healthcare.healthcare.page.patient_history.patient_history.get_feed",
			"healthcare.healthcare.page.patient_history.patient_history.get_feed_for_dt",
			"healthcare.controllers.queries.get_healthcare_service_units",
		)
	},
	"frappe.realtime.can_subscribe_doctype": "medic_plus.gate.realtime.can_subscribe_doctype",
	"frappe.desk.notifications.get_open_count": "medic_plus.api.desk.get_open_count",
	"frappe.desk.doctype.event.event.get_events": "medic_plus.api.desk.get_events",
	"frappe.desk.doctype.dashboard_chart.dashboard_chart.get": "medic_plus.api.desk.get_dashboard_chart",
	"frappe.client.get_count": "medic_plus.api.desk.get_count",
	"frappe.desk.doctype.number_card.number_card.get_result": "medic_plus.api.desk.get_number_card_result",
	"frappe.desk.doctype.number_card.number_card.get_percentage_difference": "medic_plus.api.desk.get_number_card_difference",
	"frappe.client.validate_link": "medic_plus.api.desk.validate_link",
	"frappe.utils.global_search.search": "medic_plus.api.desk.global_search",
	"healthcare.healthcare.doctype.patient_appointment.patient_appointment.get_events": "medic_plus.api.desk.get_appointment_events",
	"frappe.desk.listview.get_group_by_count": "medic_plus.api.desk.get_group_by_count",
	"frappe.desk.search.get_names_for_mentions": "medic_plus.api.desk.get_names_for_mentions",
	"frappe.desk.form.load.get_user_info_for_viewers": "medic_plus.api.desk.get_user_info_for_viewers",
}

# Scheduler
# ---------
scheduler_events = {
	"hourly": ["medic_plus.tasks.send_reminders", "medic_plus.fhir.bulk.expire"],
	"cron": {
		"*/15 * * * *": ["medic_plus.tasks.mark_no_shows"],
		# the access log's queued entries (privacy/access_log.py)
		# practice registrations whose provisioning failed (onboarding/provisioning.py)
		# FHIR bulk exports whose worker died (fhir/bulk.py)
		"*/5 * * * *": ["medic_plus.onboarding.provisioning.retry_failed", "medic_plus.fhir.bulk.recover"],
		# claims to medical aids: the queue, and the switches' remittances (billing/insurance.py)
		"* * * * *": ["medic_plus.privacy.access_log.flush", "medic_plus.billing.insurance.send_due"],
		"17 * * * *": ["medic_plus.billing.insurance.fetch_remittances"],
	},
	"daily": [
		"medic_plus.tasks.housekeeping",
		"medic_plus.privacy.access_log.purge",
		"medic_plus.medic_plus.report.unusual_patient_access.unusual_patient_access.send_daily",
		"medic_plus.medic_plus.doctype.patient_consent.patient_consent.expire",
		"medic_plus.privacy.retention.flag_for_review",
		"medic_plus.onboarding.usage.meter",
		"medic_plus.onboarding.billing.enforce_payment",
		"medic_plus.onboarding.offboarding.erase_due",
	],
}

# a FHIR bulk export written (fhir/bulk.py): a leaving practice's manifest goes to its admins
medic_plus_export_completed = ["medic_plus.onboarding.offboarding.exported"]
