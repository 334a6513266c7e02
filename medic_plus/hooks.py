from medic_plus.tenancy.scope import CUSTOM_FIELD_DOCTYPES, STAMPED_DOCTYPES

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

# The read-only FHIR R4 API at /fhir/R4 (see medic_plus/fhir/router.py)
before_request = ["medic_plus.fhir.router.intercept"]

# Desk
# ----
app_include_js = "/assets/medic_plus/js/medic_plus.js"
doctype_js = {
	"Patient Appointment": "public/js/patient_appointment.js",
	"Patient Encounter": "public/js/patient_encounter.js",
}

# Print formats of the clinical documents
jinja = {"methods": ["medic_plus.clinical.printing.clinical_print_context"]}
boot_session = "medic_plus.api.context.boot_session"

# Tenancy: see medic_plus/tenancy/scope.py
# -----------------------------------------
# "*" so that child tables of scoped doctypes are scoped through their parent too.
permission_query_conditions = {"*": "medic_plus.tenancy.permissions.get_permission_query_conditions"}
has_permission = {"*": "medic_plus.tenancy.permissions.has_permission"}

override_doctype_class = {
	doctype: "medic_plus.tenancy.overrides." + doctype.replace(" ", "") for doctype in CUSTOM_FIELD_DOCTYPES
}

doc_events = {
	**{
		doctype: {
			"before_insert": "medic_plus.tenancy.stamping.stamp_practice",
			"validate": "medic_plus.tenancy.stamping.validate_tenancy",
		}
		for doctype in STAMPED_DOCTYPES
	},
	"DocShare": {"validate": "medic_plus.tenancy.sharing.validate_share"},
}

# link search for practitioners: the members of the user's practices only
standard_queries = {"Healthcare Practitioner": "medic_plus.tenancy.whitelisted.practitioner_query"}

# arguments of whitelisted methods that name another practice's record answer "not found"
auth_hooks = ["medic_plus.tenancy.endpoint_guard.check_method_arguments"]

override_whitelisted_methods = {
	"frappe.desk.doctype.dashboard_chart.dashboard_chart.get": "medic_plus.tenancy.whitelisted.get_dashboard_chart",
	"frappe.client.get_count": "medic_plus.tenancy.whitelisted.get_count",
	"frappe.client.validate_link": "medic_plus.tenancy.whitelisted.validate_link",
	"frappe.utils.global_search.search": "medic_plus.tenancy.whitelisted.global_search",
	"healthcare.healthcare.doctype.patient_appointment.patient_appointment.get_events": "medic_plus.tenancy.whitelisted.get_appointment_events",
	"frappe.desk.listview.get_group_by_count": "medic_plus.tenancy.whitelisted.get_group_by_count",
}

# Scheduler
# ---------
scheduler_events = {
	"hourly": ["medic_plus.tasks.send_reminders"],
	"cron": {"*/15 * * * *": ["medic_plus.tasks.mark_no_shows"]},
	"daily": ["medic_plus.tasks.housekeeping"],
}
