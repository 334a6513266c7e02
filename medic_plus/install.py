"""Install, migrate and uninstall: roles, the practice field on the scoped Healthcare
doctypes, and the practice roles' permissions. Every step is idempotent."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.custom.doctype.property_setter.property_setter import make_property_setter
from frappe.utils import cstr

from medic_plus.medic_plus.doctype.medical_aid_scheme.medical_aid_scheme import ensure_schemes
from medic_plus.onboarding import plans
from medic_plus.portal import identity as portal_identity
from medic_plus.tenancy import uid
from medic_plus.tenancy.desk import ensure_practice_module_profile, remove_practice_module_profile
from medic_plus.tenancy.records import clear_scope_cache
from medic_plus.tenancy.roles import apply_role_permissions, create_roles, remove_role_permissions
from medic_plus.tenancy.scope import PRACTICE_FIELD, SCOPES


def after_install():
	setup()


def after_migrate():
	setup()


def setup():
	create_roles()
	portal_identity.ensure_role()
	create_practice_fields()
	uid.setup()
	apply_role_permissions()
	clear_scope_cache()
	stamp_from_patients()
	sync_letter_heads()
	load_shipped_codes()
	ensure_wall_indexes()
	ensure_setup_block()
	plans.ensure_rows()
	ensure_schemes()
	ensure_practice_module_profile()
	show_names_in_links()
	run_healthcare_status_job(False)


# Healthcare's daily job re-saves every appointment not closed, cancelled or confirmed
# to set its status by the server's date: a Checked Out visit became a No Show, a
# practice west of the server had its evening visits marked missed, and the whole table
# is saved every night. medic_plus.tasks.mark_no_shows does it by each practice's clock.
HEALTHCARE_STATUS_JOB = (
	"healthcare.healthcare.doctype.patient_appointment.patient_appointment.update_appointment_status"
)


def run_healthcare_status_job(run: bool) -> None:
	if name := frappe.db.exists("Scheduled Job Type", {"method": HEALTHCARE_STATUS_JOB}):
		frappe.db.set_value("Scheduled Job Type", name, "stopped", 0 if run else 1)


SETUP_BLOCK = "Practice Setup"
SETUP_HTML = '<div class="mp-setup"></div>'
SETUP_STYLE = """
.mp-setup h4 { margin: 0 0 8px; font-size: var(--text-lg); }
.mp-setup ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 8px 24px; }
.mp-setup a { color: var(--text-color); text-decoration: none; }
.mp-setup .mp-done a { color: var(--text-muted); text-decoration: line-through; }
.mp-setup .mp-mark { display: inline-block; width: 1.4em; color: var(--green-600); }
"""
SETUP_SCRIPT = """
frappe.call({ method: "medic_plus.api.context.get_setup_checklist", type: "GET" }).then((r) => {
	const data = r.message || {};
	const box = root_element.querySelector(".mp-setup");
	if (!data.show) {
		root_element.host.closest(".widget")?.classList.add("hidden");
		return;
	}
	const esc = frappe.utils.escape_html;
	box.innerHTML =
		`<h4>${esc(__("Set up your practice"))}</h4><ul>` +
		data.items
			.map(
				(i) =>
					`<li class="${i.done ? "mp-done" : ""}"><a href="${esc(i.route)}"${i.key === "booking_page" ? ' target="_blank"' : ""}>` +
					`<span class="mp-mark" aria-hidden="true">${i.done ? "✓" : "○"}</span>${esc(i.label)}` +
					`<span class="sr-only">${esc(i.done ? __("done") : __("to do"))}</span></a></li>`,
			)
			.join("") +
		"</ul>";
});
"""


def ensure_setup_block() -> None:
	"""The My Practice workspace's setup checklist (a Custom HTML Block it shows): its
	items come from medic_plus.api.context.get_setup_checklist and tick themselves."""
	if not frappe.db.exists("DocType", "Custom HTML Block"):
		return
	values = {"html": SETUP_HTML, "script": SETUP_SCRIPT.strip(), "style": SETUP_STYLE.strip(), "private": 0}
	if frappe.db.exists("Custom HTML Block", SETUP_BLOCK):
		frappe.db.set_value("Custom HTML Block", SETUP_BLOCK, values)
		return
	doc = frappe.new_doc("Custom HTML Block")
	doc.update(values)
	doc.flags.ignore_permissions = True
	doc.insert(set_name=SETUP_BLOCK)


def load_shipped_codes():
	"""ICD-10's common primary-care codes, so the diagnosis picker works from the start
	(``medic-plus-load-codes`` loads the full list)."""
	from medic_plus.clinical.codes import load_shipped

	load_shipped()
	if frappe.db.exists("DocType", "Code Value"):
		frappe.db.add_index("Code Value", ["code_system", "code_value"], "code_system_code_value_index")


def ensure_wall_indexes() -> list[tuple[str, str]]:
	"""An index on every column the wall's conditions look rows up by (scope.wall_indexes),
	and on those a person's records are found by (scope.LOOKUPS), that no index starts with
	yet; returns those it added. A doctype's practice, patient or company link then finds a
	practice's rows among every practice's, and a verified address its person's records."""
	from medic_plus.tenancy.scope import indexed_columns

	added = []
	for doctype, column in indexed_columns():
		if not frappe.db.table_exists(doctype) or not frappe.db.has_column(doctype, column):
			continue
		leading = frappe.db.sql(
			f"show index from `tab{doctype}` where Column_name = %s and Seq_in_index = 1", column
		)
		if not leading:
			frappe.db.add_index(doctype, [column])
			added.append((doctype, column))
	return added


def stamp_from_patients() -> int:
	"""Records kept before their doctype was scoped (or before their patient joined a
	practice) take the practice of their patient. Touches only rows with no practice yet,
	so a second run changes nothing. Returns how many rows were stamped."""
	patient = frappe.qb.DocType("Patient")
	stamped = 0
	for scope in SCOPES:
		if not scope.stamp or not scope.patient_field or not frappe.db.has_column(scope.doctype, scope.field):
			continue
		table = frappe.qb.DocType(scope.doctype)
		unstamped = (table[scope.field].isnull()) | (table[scope.field] == "")
		rows = (
			frappe.qb.from_(table)
			.join(patient)
			.on(patient.name == table[scope.patient_field])
			.select(table.name, patient[PRACTICE_FIELD])
			.where(unstamped & patient[PRACTICE_FIELD].isnotnull() & (patient[PRACTICE_FIELD] != ""))
			.run()
		)
		by_practice: dict[str, list[str]] = {}
		for name, practice in rows:
			by_practice.setdefault(practice, []).append(name)
		for practice, names in by_practice.items():
			for start in range(0, len(names), 1000):
				chunk = names[start : start + 1000]
				frappe.qb.update(table).set(table[scope.field], practice).where(table.name.isin(chunk)).run()
		stamped += len(rows)
	return stamped


# the records a person looks for by name: a link to one shows its title (the patient's
# name, the doctor's, "Mia Schulz with Dr Berg"), the record ID stays its reference
NAMED_IN_LINKS = ("Patient", "Healthcare Practitioner", "Patient Appointment", "Patient Encounter")


def show_names_in_links() -> None:
	"""Frappe's ``show_title_field_in_link`` on each, unless the site has set it itself."""
	for doctype in NAMED_IN_LINKS:
		if frappe.db.exists(
			"Property Setter",
			{"doc_type": doctype, "property": "show_title_field_in_link", "doctype_or_field": "DocType"},
		):
			continue
		make_property_setter(
			doctype,
			None,
			"show_title_field_in_link",
			1,
			"Check",
			for_doctype=True,
			validate_fields_for_doctype=False,
		)
		frappe.clear_cache(doctype=doctype)


def sync_letter_heads():
	"""Practices created before letter heads existed get theirs."""
	for name in frappe.get_all("Practice", filters={"letter_head": ("is", "not set")}, pluck="name"):
		frappe.get_doc("Practice", name).sync_letter_head()


def practice_fields() -> dict[str, list[dict]]:
	return {
		scope.doctype: [
			{
				"fieldname": PRACTICE_FIELD,
				"label": "Practice",
				"fieldtype": "Link",
				"options": "Practice",
				"insert_after": scope.insert_after,
				"search_index": 1,
				"in_standard_filter": 1,
				"set_only_once": 1,
				"no_copy": 1,
				"description": "Set when the record is created: the practice of its patient, else your active practice.",
			}
		]
		for scope in SCOPES
		if scope.custom_field and frappe.db.exists("DocType", scope.doctype)
	}


def _prescribing_checks(insert_after: str, description: str) -> list[dict]:
	"""The section that keeps a prescription's findings and overrides (Prescription Check)."""
	return [
		{
			"fieldname": "custom_prescribing_section",
			"label": "Prescribing Checks",
			"fieldtype": "Section Break",
			"insert_after": insert_after,
			"depends_on": "eval:(doc.custom_prescription_checks || []).length",
		},
		{
			"fieldname": "custom_prescription_checks",
			"label": "Findings",
			"fieldtype": "Table",
			"options": "Prescription Check",
			"insert_after": "custom_prescribing_section",
			"no_copy": 1,
			"description": description,
		},
	]


def _ro(fieldname: str, label: str, fieldtype: str, insert_after: str, **extra) -> dict:
	"""A read-only field the app fills in, never copied to a new or amended record."""
	return {
		"fieldname": fieldname,
		"label": label,
		"fieldtype": fieldtype,
		"insert_after": insert_after,
		"read_only": 1,
		"no_copy": 1,
		**extra,
	}


# a visit's bill (billing/visit.py): the invoice names its visit, each line its codes
BILLING_FIELDS = {
	"Customer": [
		_ro(
			"custom_company",
			"Practice Books",
			"Link",
			"customer_group",
			options="Company",
			no_copy=0,
			search_index=1,
			description="The practice whose books this customer (a patient or a medical aid) is billed in.",
		),
		_ro(
			"custom_medical_aid_scheme",
			"Medical Aid Scheme",
			"Link",
			"custom_company",
			options="Medical Aid Scheme",
			no_copy=0,
		),
	],
	"Price List": [
		_ro(
			"custom_company",
			"Practice Books",
			"Link",
			"currency",
			options="Company",
			no_copy=0,
			search_index=1,
			description="The practice whose prices these are (set when the list is made).",
		),
	],
	"Item Price": [
		_ro(
			"custom_company",
			"Practice Books",
			"Link",
			"price_list",
			options="Company",
			no_copy=0,
			search_index=1,
			description="The practice of the price list.",
		),
	],
	"Sales Invoice": [
		_ro(
			"custom_patient_encounter",
			"Patient Encounter",
			"Link",
			"patient",
			options="Patient Encounter",
			search_index=1,
		),
		_ro(
			"custom_patient_appointment",
			"Patient Appointment",
			"Link",
			"custom_patient_encounter",
			options="Patient Appointment",
			search_index=1,
		),
		_ro(
			"custom_medical_aid",
			"Medical Aid",
			"Link",
			"custom_patient_appointment",
			options="Patient Medical Aid",
		),
		_ro(
			"custom_bill_to",
			"Bill To",
			"Select",
			"custom_medical_aid",
			options="\nPatient\nMedical Aid\nPatient Portion",
			in_standard_filter=1,
		),
		_ro("custom_claim", "Claim", "Link", "custom_bill_to", options="Insurance Claim"),
	],
	"Sales Invoice Item": [
		_ro("custom_tariff_code", "Tariff Code", "Link", "item_code", options="Tariff Code", no_copy=0),
		_ro("custom_icd10_codes", "ICD-10 Codes", "Data", "custom_tariff_code", no_copy=0),
		_ro("custom_service_date", "Date of Service", "Date", "custom_icd10_codes", no_copy=0),
	],
	"Patient Encounter": [
		_ro(
			"custom_sales_invoice",
			"Sales Invoice",
			"Link",
			"custom_diagnoses",
			options="Sales Invoice",
			allow_on_submit=1,
		),
	],
	"Clinical Procedure Template": [
		{
			"fieldname": "custom_tariff_code",
			"label": "Tariff Code",
			"fieldtype": "Link",
			"options": "Tariff Code",
			"insert_after": "item_code",
			"description": "The procedure code a visit with this procedure is billed and claimed with.",
		},
	],
	"Medication": [
		{
			"fieldname": "custom_tariff_code",
			"label": "Tariff Code",
			"fieldtype": "Link",
			"options": "Tariff Code",
			"insert_after": "medication_class",
			"description": "The NAPPI-coded medicine a dispensed prescription of this medication is billed with.",
		},
	],
}


EXTRA_FIELDS = {
	"Appointment Type": [
		{
			"fieldname": "custom_tariff_code",
			"label": "Tariff Code",
			"fieldtype": "Link",
			"options": "Tariff Code",
			"insert_after": "default_duration",
			"description": "The consultation code a visit of this type is billed and claimed with.",
		},
		{
			"fieldname": "custom_video_visit",
			"label": "Video Visit",
			"fieldtype": "Check",
			"insert_after": "custom_tariff_code",
			"description": "A visit of this type takes place on the practice's Jitsi Meet server: the "
			"patient joins from the link in the confirmation, the doctor from the appointment.",
		},
	],
	"Healthcare Practitioner": [
		{
			"fieldname": "custom_registration_number",
			"label": "Registration No.",
			"fieldtype": "Data",
			"insert_after": "practitioner_type",
			"description": "Printed on sick notes and prescriptions.",
		}
	],
	"Patient Appointment": [
		{
			"fieldname": "custom_medical_aid",
			"label": "Medical Aid",
			"fieldtype": "Link",
			"options": "Patient Medical Aid",
			"insert_after": "patient_name",
			"read_only": 1,
			"no_copy": 1,
			"description": "The patient's medical aid on the day of the appointment (Patient Medical Aid).",
		},
		{
			"fieldname": "custom_booking_section",
			"label": "Online Booking",
			"fieldtype": "Section Break",
			"insert_after": "notes",
			"collapsible": 1,
			"depends_on": "eval:doc.custom_booked_online",
		},
		{
			"fieldname": "custom_booking_reference",
			"label": "Booking Reference",
			"fieldtype": "Data",
			"insert_after": "custom_booking_section",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"in_standard_filter": 1,
		},
		{
			"fieldname": "custom_booked_online",
			"label": "Booked Online",
			"fieldtype": "Check",
			"insert_after": "custom_booking_reference",
			"read_only": 1,
			"no_copy": 1,
		},
		{
			"fieldname": "custom_awaiting_approval",
			"label": "Awaiting Approval",
			"fieldtype": "Check",
			"insert_after": "custom_booked_online",
			"read_only": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
		},
		{
			"fieldname": "custom_reminder_sent",
			"label": "Reminder Sent",
			"fieldtype": "Check",
			"insert_after": "custom_awaiting_approval",
			"read_only": 1,
			"no_copy": 1,
		},
		{
			"fieldname": "custom_video_section",
			"label": "Video Visit",
			"fieldtype": "Section Break",
			"insert_after": "custom_manage_token_hash",
			"collapsible": 1,
			"depends_on": "eval:doc.custom_video_room",
		},
		_ro("custom_video_room", "Room", "Data", "custom_video_section"),
		_ro("custom_video_doctor_joined_on", "Doctor Joined On", "Datetime", "custom_video_room"),
		{
			"fieldname": "custom_manage_token_hash",
			"label": "Manage Token Hash",
			"fieldtype": "Data",
			"insert_after": "custom_awaiting_approval",
			"hidden": 1,
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"permlevel": 1,
		},
	],
	# safe prescribing: the limit a child's daily dose is checked against
	"Medication": [
		{
			"fieldname": "custom_max_mg_per_kg_day",
			"label": "Children: Most mg per kg a Day",
			"fieldtype": "Float",
			"insert_after": "strength_uom",
			"non_negative": 1,
			"description": "A prescription for a patient under 18 is checked against it, with the latest weight.",
		}
	],
	# retention: the daily job flags a record past its retention end for review
	"Patient": [
		{
			"fieldname": "custom_retention_review",
			"label": "Past Retention",
			"fieldtype": "Check",
			"insert_after": "status",
			"read_only": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
			"description": "The record is past the time the law keeps it: the practice may review it.",
		},
		# the patient's rights: a restricted, archived or erased record (privacy/rights.py)
		{
			"fieldname": "custom_record_status",
			"label": "Record Status",
			"fieldtype": "Select",
			"options": "Active\nRestricted\nArchived\nErased",
			"default": "Active",
			"insert_after": "custom_retention_review",
			"read_only": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
			"description": "Set from Privacy: a record that is not Active takes no new entries, edits or messages.",
		},
		{
			"fieldname": "custom_record_status_on",
			"label": "Record Status Since",
			"fieldtype": "Date",
			"insert_after": "custom_record_status",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.custom_record_status && doc.custom_record_status != 'Active'",
		},
		{
			"fieldname": "custom_record_status_by",
			"label": "Record Status Set By",
			"fieldtype": "Link",
			"options": "User",
			"insert_after": "custom_record_status_on",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.custom_record_status && doc.custom_record_status != 'Active'",
		},
		{
			"fieldname": "custom_restriction_reason",
			"label": "Restriction Requested",
			"fieldtype": "Small Text",
			"insert_after": "custom_record_status_by",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.custom_record_status == 'Restricted'",
		},
	],
	"Medication Request": _prescribing_checks(
		"total_dispensable_quantity",
		"Checked on every save like an encounter's prescription; a request ordered "
		"from an encounter keeps the overrides recorded there.",
	),
	"Patient Encounter": [
		# the structured note: subjective, objective (with examination findings), assessment
		# (with ICD-10 diagnoses that can go onto the problem list), plan
		{
			"fieldname": "custom_soap_section",
			"label": "Consultation Note",
			"fieldtype": "Section Break",
			"insert_after": "invoiced",
		},
		{
			"fieldname": "custom_subjective",
			"label": "Subjective",
			"fieldtype": "Small Text",
			"insert_after": "custom_soap_section",
			"description": "The patient's account: complaints, history, what they ask for.",
		},
		{
			"fieldname": "custom_soap_column",
			"fieldtype": "Column Break",
			"insert_after": "custom_subjective",
		},
		{
			"fieldname": "custom_objective",
			"label": "Objective",
			"fieldtype": "Small Text",
			"insert_after": "custom_soap_column",
			"description": "What was observed and measured; findings by system below.",
		},
		{
			"fieldname": "custom_examination_section",
			"label": "Examination Findings",
			"fieldtype": "Section Break",
			"insert_after": "custom_objective",
			"collapsible": 1,
			"collapsible_depends_on": "eval:(doc.custom_examination_findings || []).length",
		},
		{
			"fieldname": "custom_examination_findings",
			"label": "Findings",
			"fieldtype": "Table",
			"options": "Examination Finding",
			"insert_after": "custom_examination_section",
		},
		{
			"fieldname": "custom_assessment_section",
			"label": "Assessment",
			"fieldtype": "Section Break",
			"insert_after": "custom_examination_findings",
		},
		{
			"fieldname": "custom_assessment",
			"label": "Assessment",
			"fieldtype": "Small Text",
			"insert_after": "custom_assessment_section",
		},
		{
			"fieldname": "custom_diagnoses",
			"label": "Diagnoses (ICD-10)",
			"fieldtype": "Table",
			"options": "Assessment Diagnosis",
			"insert_after": "custom_assessment",
			"description": "Ticked diagnoses go onto the patient's problem list when the encounter is submitted.",
		},
		{
			"fieldname": "custom_plan_section",
			"label": "Plan",
			"fieldtype": "Section Break",
			"insert_after": "custom_diagnoses",
		},
		{
			"fieldname": "custom_plan",
			"label": "Plan",
			"fieldtype": "Small Text",
			"insert_after": "custom_plan_section",
			"description": "Treatment, advice, follow-up; prescriptions and orders below.",
		},
		{
			"fieldname": "custom_letters_section",
			"label": "Letters",
			"fieldtype": "Section Break",
			"insert_after": "custom_plan",
			"collapsible": 1,
			"collapsible_depends_on": "eval:doc.custom_patient_letter || doc.custom_referral_letter",
		},
		{
			"fieldname": "custom_patient_letter",
			"label": "Letter to the Patient",
			"fieldtype": "Text",
			"insert_after": "custom_letters_section",
		},
		{
			"fieldname": "custom_letters_column",
			"fieldtype": "Column Break",
			"insert_after": "custom_patient_letter",
		},
		{
			"fieldname": "custom_referral_letter",
			"label": "Referral Letter",
			"fieldtype": "Text",
			"insert_after": "custom_letters_column",
		},
		*_prescribing_checks(
			"drug_prescription",
			"Checked on every save against the patient's allergies, other medication and, "
			"for a child, weight. A blocking finding needs an override reason and a note before submitting.",
		),
	],
}


def create_practice_fields():
	for fields in (practice_fields(), EXTRA_FIELDS, BILLING_FIELDS):
		if changed := _missing_or_changed(fields):
			create_custom_fields(changed, ignore_validate=True, update=True)


def _missing_or_changed(fields: dict[str, list[dict]]) -> dict[str, list[dict]]:
	"""The custom fields that do not exist yet or differ from their definition: a migrate
	that finds them as defined writes nothing."""
	columns = set(frappe.db.get_table_columns("Custom Field"))
	out: dict[str, list[dict]] = {}
	for doctype, dfs in fields.items():
		for df in dfs:
			keys = [k for k in df if k in columns]
			stored = frappe.db.get_value(
				"Custom Field", {"dt": doctype, "fieldname": df["fieldname"]}, keys, as_dict=True
			)
			if not stored or any(cstr(stored.get(k)) != cstr(df[k]) for k in keys):
				out.setdefault(doctype, []).append(df)
	return out


def before_uninstall():
	fields = [(doctype, PRACTICE_FIELD) for doctype in practice_fields()]
	fields += [
		(doctype, df["fieldname"])
		for extra in (EXTRA_FIELDS, BILLING_FIELDS)
		for doctype, dfs in extra.items()
		for df in dfs
	]
	for doctype, fieldname in fields:
		if name := frappe.db.exists("Custom Field", {"dt": doctype, "fieldname": fieldname}):
			frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
	remove_role_permissions()
	remove_practice_module_profile()
	run_healthcare_status_job(True)
	clear_scope_cache()
