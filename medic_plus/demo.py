"""Demo data: two practices with doctors, schedules, patients and appointments.

``bench --site <site> medic-plus-demo`` (idempotent). On a site where the setup wizard
never ran it first completes it with demo values, and it creates what the practices
need that such a site lacks (holiday list, department, formulary); it never changes a
value a site already has. The ``ensure_*`` helpers are also the factories of the
integration tests.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import date, time, timedelta

import frappe
from frappe.utils import add_days, getdate, nowdate

from medic_plus.billing.books import default_company
from medic_plus.medic_plus.doctype.patient_consent import patient_consent as consent

DEMO_PASSWORD = "Demo-Pass-2026!"
APPOINTMENT_TYPE = "Consultation"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
DEPARTMENT = "General Practice"

# the setup wizard's answers, used only on a site where it never ran
WIZARD = {
	"language": "English",
	"country": "Germany",
	"timezone": "Europe/Berlin",
	"currency": "EUR",
	"company_name": "Medic Plus Demo",
	"company_abbr": "MPD",
	"chart_of_accounts": "Standard",
}

# a small formulary: (medication, class, strength in mg, dosage form, dosage, duration)
FORMULARY = (
	("Amoxicillin 500 mg", "Antibiotics", 500, "Capsule", "1-1-1", "1 Week"),
	("Ibuprofen 400 mg", "Analgesics", 400, "Tablet", "1-0-1", "3 Day"),
	("Paracetamol 500 mg", "Analgesics", 500, "Tablet", "1-1-1", "3 Day"),
	("Ramipril 5 mg", "Antihypertensives", 5, "Tablet", "1-0-0", "1 Month"),
	("Metformin 500 mg", "Antidiabetics", 500, "Tablet", "1-0-1", "1 Month"),
)


def ensure_site_setup() -> list[str]:
	"""Complete the setup wizard with demo values where it never ran; returns what to tell."""
	if frappe.is_setup_complete():
		return []
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	year = getdate().year
	# ERPNext makes the company only where there is none. The wizard's stages print what
	# they skip (a root item group Healthcare made first, dashboards): kept off the screen
	# unless the setup fails.
	output = io.StringIO()
	try:
		with redirect_stdout(output):
			setup_complete({**WIZARD, "fy_start_date": f"{year}-01-01", "fy_end_date": f"{year}-12-31"})
	except Exception:
		print(output.getvalue())
		raise
	frappe.clear_cache()
	return [
		"The setup wizard had not run: it was completed with demo values ({country}, {currency}, "
		"{timezone}, company {company}); change them in System Settings and Company.".format(
			company=default_company(), **WIZARD
		)
	]


def ensure_holiday_list(company: str) -> None:
	"""Weekends off, this year and next, for the demo's own company (a site's company
	keeps its holidays, or its lack of them: it decides when its practices open)."""
	if company != WIZARD["company_name"] or frappe.db.get_value("Company", company, "default_holiday_list"):
		return
	year = getdate().year
	name = f"{company} Weekends"
	if not frappe.db.exists("Holiday List", name):
		start, end = date(year, 1, 1), date(year + 1, 12, 31)
		days = (start + timedelta(days=i) for i in range((end - start).days + 1))
		frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": name,
				"from_date": start,
				"to_date": end,
				"holidays": [
					{"holiday_date": d, "description": d.strftime("%A"), "weekly_off": 1}
					for d in days
					if d.weekday() >= 5
				],
			}
		).insert(ignore_permissions=True)
	frappe.db.set_value("Company", company, "default_holiday_list", name)


def ensure_department(name: str = DEPARTMENT) -> str:
	if not frappe.db.exists("Medical Department", name):
		frappe.get_doc({"doctype": "Medical Department", "department": name}).insert(ignore_permissions=True)
	return name


# a child's daily limit (mg per kg), where the drug has one
CHILD_LIMITS = {"Amoxicillin 500 mg": 90, "Ibuprofen 400 mg": 30, "Paracetamol 500 mg": 60}

# the platform's interaction rules the demo needs (a real site loads its own)
INTERACTIONS = (
	(
		"Ibuprofen 400 mg",
		"Ramipril 5 mg",
		"Blocking",
		"NSAIDs weaken ACE inhibitors and, together, can harm the kidneys",
	),
)


def ensure_formulary() -> list[str]:
	"""The demo's medications, each with its billable item."""
	price_list = frappe.db.get_single_value("Selling Settings", "selling_price_list") or frappe.db.get_value(
		"Price List", {"selling": 1, "enabled": 1}
	)
	item_group = frappe.db.exists("Item Group", "Drug") or frappe.db.get_value("Item Group", {"is_group": 0})
	uom = frappe.db.exists("UOM", "Milligram") or frappe.db.exists("UOM", "mg")
	names = []
	for medication, drug_class, strength, form, dosage, duration in FORMULARY:
		names.append(medication)
		if frappe.db.exists("Medication", medication):
			if CHILD_LIMITS.get(medication) and not frappe.db.get_value(
				"Medication", medication, "custom_max_mg_per_kg_day"
			):
				frappe.db.set_value(
					"Medication", medication, "custom_max_mg_per_kg_day", CHILD_LIMITS[medication]
				)
			continue
		if not frappe.db.exists("Medication Class", drug_class):
			frappe.get_doc({"doctype": "Medication Class", "medication_class": drug_class}).insert(
				ignore_permissions=True
			)
		code = medication.upper().replace(" ", "-")
		frappe.get_doc(
			{
				"doctype": "Medication",
				"generic_name": medication,
				"medication_class": drug_class,
				"strength": strength,
				"strength_uom": uom,
				"dosage_form": form if frappe.db.exists("Dosage Form", form) else None,
				"default_prescription_dosage": frappe.db.exists("Prescription Dosage", dosage),
				"default_prescription_duration": frappe.db.exists("Prescription Duration", duration),
				"custom_max_mg_per_kg_day": CHILD_LIMITS.get(medication),
				"price_list": price_list,
				"linked_items": [
					{
						"item_code": code,
						"item_group": item_group,
						"stock_uom": frappe.db.get_single_value("Stock Settings", "stock_uom") or "Nos",
						"is_billable": 1,
						"description": medication,
					}
				],
			}
		).insert(ignore_permissions=True)
	return names


def admin_notes() -> list[str]:
	"""What only a real admin can decide, one line each."""
	notes = []
	if not frappe.db.exists("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}):
		notes.append(
			"No outgoing e-mail account: booking codes and confirmations wait in the Email Queue "
			"until one is set up (Email Account, Default Outgoing)."
		)
	if not frappe.db.get_single_value("SMS Settings", "sms_gateway_url"):
		notes.append("No SMS gateway: practices that send codes by SMS need SMS Settings first.")
	return notes


def ensure_practice(practice_name: str, slug: str, short_code: str, **values) -> str:
	if name := frappe.db.get_value("Practice", {"slug": slug}):
		return name
	doc = frappe.get_doc(
		{
			"doctype": "Practice",
			"practice_name": practice_name,
			"slug": slug,
			"short_code": short_code,
			"email": f"{slug}@example.com",
			"timezone": frappe.utils.get_system_timezone(),
			"company": default_company(),
			**values,
		}
	).insert(ignore_permissions=True)
	return doc.name


def ensure_user(
	email: str, full_name: str, roles: tuple[str, ...] = (), password: str = DEMO_PASSWORD
) -> str:
	if not frappe.db.exists("User", email):
		first, _, last = full_name.partition(" ")
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first,
				"last_name": last,
				"send_welcome_email": 0,
				"new_password": password,
			}
		)
		user.flags.ignore_password_policy = True
		user.insert(ignore_permissions=True)
	if roles:
		user = frappe.get_doc("User", email)
		missing = [r for r in roles if r not in {d.role for d in user.roles}]
		if missing:
			user.flags.ignore_permissions = True
			user.add_roles(*missing)
	return email


def ensure_practitioner(name: str, department: str | None = None) -> str:
	if existing := frappe.db.get_value("Healthcare Practitioner", {"practitioner_name": name}):
		if department and not frappe.db.get_value("Healthcare Practitioner", existing, "department"):
			frappe.db.set_value("Healthcare Practitioner", existing, "department", department)
		return existing
	first, _, last = name.partition(" ")
	return (
		frappe.get_doc(
			{
				"doctype": "Healthcare Practitioner",
				"first_name": first,
				"last_name": last,
				"status": "Active",
				"department": department,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def ensure_member(practice: str, user: str, role: str, practitioner: str | None = None) -> str:
	if name := frappe.db.get_value("Practice Member", {"practice": practice, "user": user}):
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "Practice Member",
				"practice": practice,
				"user": user,
				"role": role,
				"practitioner": practitioner,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def ensure_patient(practice: str, first_name: str, last_name: str, email: str, sex: str = "Female") -> str:
	if name := frappe.db.get_value("Patient", {"email": email, "custom_practice": practice}):
		return name
	doc = frappe.get_doc(
		{
			"doctype": "Patient",
			"first_name": first_name,
			"last_name": last_name,
			"sex": sex,
			"email": email,
			"invite_user": 0,
			"custom_practice": practice,
		}
	)
	return doc.insert(ignore_permissions=True).name


def ensure_appointment_type(name: str = APPOINTMENT_TYPE, duration: int = 20) -> str:
	if not frappe.db.exists("Appointment Type", name):
		frappe.get_doc(
			{
				"doctype": "Appointment Type",
				"appointment_type": name,
				"default_duration": duration,
				"allow_booking_for": "Practitioner",
			}
		).insert(ignore_permissions=True)
	return name


def ensure_online_types(practice: str, types: tuple[tuple[str, int], ...]) -> None:
	"""The practice's online appointment types, where it has none yet."""
	if not types or frappe.db.exists("Practice Appointment Type", {"parent": practice}):
		return
	doc = frappe.get_doc("Practice", practice)
	for name, duration in types:
		doc.append("appointment_types", {"appointment_type": ensure_appointment_type(name, duration)})
	doc.flags.ignore_permissions = True
	doc.save()


def ensure_service_unit(name: str, company: str, capacity: int = 1) -> str:
	"""A bookable room; ``capacity`` > 1 allows that many parallel appointments."""
	overlap = 1 if capacity > 1 else 0
	unit_type = "Group Room" if overlap else "Consultation Room"
	if not frappe.db.exists("Healthcare Service Unit Type", unit_type):
		frappe.get_doc(
			{
				"doctype": "Healthcare Service Unit Type",
				"service_unit_type": unit_type,
				"allow_appointments": 1,
				"overlap_appointments": overlap,
			}
		).insert(ignore_permissions=True)
	if existing := frappe.db.get_value("Healthcare Service Unit", {"healthcare_service_unit_name": name}):
		return existing
	root = frappe.db.get_value(
		"Healthcare Service Unit", {"is_group": 1, "company": company}, "name", order_by="lft asc"
	)
	return (
		frappe.get_doc(
			{
				"doctype": "Healthcare Service Unit",
				"healthcare_service_unit_name": name,
				"parent_healthcare_service_unit": root,
				"service_unit_type": unit_type,
				"company": company,
				"service_unit_capacity": capacity if overlap else 0,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def ensure_schedule(
	practice: str,
	practitioner: str,
	schedule_name: str,
	service_unit: str | None,
	slot_minutes: int = 20,
	hours: tuple[tuple[time, time], ...] = ((time(9), time(12)), (time(14), time(17))),
	days: tuple[str, ...] = WEEKDAYS,
) -> str:
	"""A weekly Practitioner Schedule of ``slot_minutes`` slots, linked to the practitioner."""
	if not frappe.db.exists("Practitioner Schedule", schedule_name):
		rows = []
		for day in days:
			for start, end in hours:
				t = timedelta(hours=start.hour, minutes=start.minute)
				stop = timedelta(hours=end.hour, minutes=end.minute)
				while t + timedelta(minutes=slot_minutes) <= stop:
					rows.append(
						{"day": day, "from_time": str(t), "to_time": str(t + timedelta(minutes=slot_minutes))}
					)
					t += timedelta(minutes=slot_minutes)
		frappe.get_doc(
			{
				"doctype": "Practitioner Schedule",
				"schedule_name": schedule_name,
				"custom_practice": practice,
				"time_slots": rows,
			}
		).insert(ignore_permissions=True)
	doc = frappe.get_doc("Healthcare Practitioner", practitioner)
	if schedule_name not in {r.schedule for r in doc.practitioner_schedules}:
		doc.append("practitioner_schedules", {"schedule": schedule_name, "service_unit": service_unit})
		doc.flags.ignore_permissions = True
		doc.save()
	return schedule_name


DEMO = (
	{
		"practice_name": "Harbour Family Practice",
		"slug": "harbour",
		"short_code": "HFP01",
		"brand_color": "#0E7C86",
		"phone": "+49 40 1234567",
		"address": "Hafenstraße 1\n20459 Hamburg",
		"people": (
			("admin@harbour.example.com", "Hanna Admin", "Admin", None),
			("reception@harbour.example.com", "Rita Reception", "Receptionist", None),
			("dr.berg@harbour.example.com", "Jonas Berg", "Doctor", "Jonas Berg"),
			("dr.kaya@harbour.example.com", "Elif Kaya", "Doctor", "Elif Kaya"),
		),
		"patients": (("Mia", "Schulz"), ("Noah", "Weber"), ("Emma", "Fischer")),
		# allergies, a child's weight, current medication and encounters that raise each
		# kind of prescribing finding
		"clinical": True,
		# what patients may book online, each with its length
		"appointment_types": ((APPOINTMENT_TYPE, 20), ("Check-up", 40)),
	},
	{
		"practice_name": "Lindenhof Clinic",
		"slug": "lindenhof",
		"short_code": "LIN01",
		"brand_color": "#7A3E9D",
		"phone": "+49 89 7654321",
		"address": "Lindenallee 7\n80331 München",
		"require_approval": 1,
		"people": (
			("admin@lindenhof.example.com", "Lukas Admin", "Admin", None),
			("reception@lindenhof.example.com", "Lea Reception", "Receptionist", None),
			("dr.roth@lindenhof.example.com", "Sophie Roth", "Doctor", "Sophie Roth"),
		),
		"patients": (("Ben", "Wagner"), ("Lina", "Becker")),
	},
)


def create() -> dict:
	"""Create (or complete) the demo; returns what to print."""
	notes = ensure_site_setup()
	company = default_company()
	ensure_holiday_list(company)
	department = ensure_department()
	formulary = ensure_formulary()
	appointment_type = ensure_appointment_type()
	out = []
	for spec in DEMO:
		extra = {k: spec[k] for k in ("brand_color", "phone", "address", "require_approval") if k in spec}
		practice = ensure_practice(spec["practice_name"], spec["slug"], spec["short_code"], **extra)
		ensure_online_types(practice, spec.get("appointment_types", ()))
		logins = []
		doctors = []
		for email, full_name, role, practitioner_name in spec["people"]:
			ensure_user(email, full_name)
			practitioner = ensure_practitioner(practitioner_name, department) if practitioner_name else None
			ensure_member(practice, email, role, practitioner)
			logins.append((email, role))
			if practitioner:
				doctors.append(practitioner)
		for i, practitioner in enumerate(doctors):
			unit = ensure_service_unit(f"{spec['short_code']} Room {i + 1}", company)
			ensure_schedule(practice, practitioner, f"{spec['short_code']} {practitioner} Weekdays", unit)
		patients = [
			ensure_patient(
				practice, first, last, f"{first.lower()}.{last.lower()}@{spec['slug']}.example.com"
			)
			for first, last in spec["patients"]
		]
		for patient in patients:  # given on paper at the front desk
			consent.record(patient, ("Treatment", "E-mail"), "Paper")
		_demo_appointments(practice, doctors, patients, appointment_type, company)
		if spec.get("clinical"):
			_demo_billing_setup(practice, doctors[0])
			_demo_clinical(practice, doctors[0], patients)
			_demo_billing(practice, doctors[0], patients)
		out.append({"practice": spec["practice_name"], "slug": spec["slug"], "logins": logins})
	return {
		"practices": out,
		"password": DEMO_PASSWORD,
		"company": company,
		"formulary": formulary,
		"notes": notes + admin_notes(),
	}


def _demo_appointments(practice, doctors, patients, appointment_type, company) -> None:
	if not doctors or frappe.db.exists("Patient Appointment", {"custom_practice": practice}):
		return
	day = getdate(add_days(nowdate(), 1))
	while day.strftime("%A") not in WEEKDAYS:
		day = getdate(add_days(day, 1))
	for i, patient in enumerate(patients):
		doc = frappe.get_doc(
			{
				"doctype": "Patient Appointment",
				"patient": patient,
				"practitioner": doctors[i % len(doctors)],
				"appointment_type": appointment_type,
				"appointment_date": day,
				"appointment_time": f"{9 + i:02d}:00:00",
				"duration": 20,
				"company": company,
				"custom_practice": practice,
			}
		)
		doc.flags.ignore_permissions = True
		doc.insert()


def ensure_interaction_rules() -> None:
	for a, b, severity, description in INTERACTIONS:
		if not frappe.db.exists("Drug Interaction Rule", {"term_a": a, "term_b": b}):
			frappe.get_doc(
				{
					"doctype": "Drug Interaction Rule",
					"term_a": a,
					"term_b": b,
					"severity": severity,
					"description": description,
					"source": "Medic Plus demo",
				}
			).insert(ignore_permissions=True)


def _demo_clinical(practice: str, doctor: str, patients: list[str]) -> None:
	"""Mia is allergic to antibiotics, Noah is a two-year-old of 12 kg with asthma, Emma
	takes ramipril since a consultation last week that put her hypertension on the problem
	list: each one's draft encounter raises an allergy, a dose and an interaction finding
	for the doctor to resolve."""
	from medic_plus.clinical.codes import load_shipped

	ensure_interaction_rules()
	load_shipped()
	if frappe.db.exists("Patient Encounter", {"custom_practice": practice}):
		return
	mia, noah, emma = patients[:3]
	frappe.get_doc(
		{
			"doctype": "Patient Allergy",
			"patient": mia,
			"substance": "Antibiotics",
			"criticality": "high",
			"reaction": "hives and swelling",
		}
	).insert(ignore_permissions=True)
	if not frappe.db.get_value("Patient", noah, "dob"):
		frappe.db.set_value("Patient", noah, "dob", add_days(nowdate(), -2 * 365 - 30))
	frappe.get_doc({"doctype": "Vital Signs", "patient": noah, "signs_date": nowdate(), "weight": 12}).insert(
		ignore_permissions=True
	).submit()
	frappe.get_doc(
		{
			"doctype": "Patient Problem",
			"patient": noah,
			"diagnosis": "J45.9-ICD-10",
			"chronic": 1,
			"onset": add_days(nowdate(), -200),
		}
	).insert(ignore_permissions=True)
	consultation = new_encounter(emma, doctor, ["Ramipril 5 mg"], add_days(nowdate(), -7))
	consultation.update(
		{
			"custom_subjective": "Headaches for three weeks; home readings around 160/95.",
			"custom_objective": "BP 158/96 sitting, 154/94 after five minutes. Pulse 78, regular.",
			"custom_examination_findings": [
				{"body_system": "Cardiovascular", "finding": "Heart sounds normal, no murmur."},
				{"body_system": "Eyes", "finding": "Fundi: mild arteriolar narrowing.", "abnormal": 1},
			],
			"custom_assessment": "Essential hypertension, newly diagnosed.",
			"custom_diagnoses": [{"diagnosis": "I10-ICD-10", "add_to_problem_list": 1, "chronic": 1}],
			"custom_plan": "Ramipril 5 mg once a day; review in four weeks with a home blood pressure diary.",
		}
	)
	consultation.flags.ignore_permissions = True
	consultation.insert().submit()
	for patient, drug in (
		(mia, "Amoxicillin 500 mg"),
		(noah, "Amoxicillin 500 mg"),
		(emma, "Ibuprofen 400 mg"),
	):
		_demo_encounter(patient, doctor, drug)


def new_encounter(patient: str, practitioner: str, medications, day: str | None = None):
	"""An unsaved Patient Encounter prescribing ``medications`` for a month, each with its
	item, its default dosage (else three a day) and its dosage form."""
	rows = []
	for medication in medications:
		dosage, form = frappe.db.get_value(
			"Medication", medication, ["default_prescription_dosage", "dosage_form"]
		)
		rows.append(
			{
				"medication": medication,
				"drug_code": frappe.db.get_value("Medication Linked Item", {"parent": medication}, "item"),
				"dosage": dosage or "1-1-1",
				"period": "1 Month",
				"dosage_form": form,
			}
		)
	return frappe.get_doc(
		{
			"doctype": "Patient Encounter",
			"patient": patient,
			"practitioner": practitioner,
			"encounter_date": day or nowdate(),
			"drug_prescription": rows,
		}
	)


def _demo_encounter(patient: str, practitioner: str, medication: str, day: str | None = None):
	doc = new_encounter(patient, practitioner, [medication], day)
	doc.flags.ignore_permissions = True
	return doc.insert()


# what the demo practice charges (its private rate, and per scheme)
DEMO_TARIFF = ("0190", "General practitioner consultation", 520, {"Discovery Health Medical Scheme": 450})


def _demo_billing_setup(practice: str, doctor: str) -> None:
	"""The practice's number, the doctor's registration, the consultation's tariff code
	and the practice's prices: its visits are billed from here on."""
	from medic_plus.billing import visit
	from medic_plus.medic_plus.doctype.medical_aid_scheme.medical_aid_scheme import ensure_schemes

	ensure_schemes()
	code, description, private, by_scheme = DEMO_TARIFF
	if not frappe.db.exists("Tariff Code", code):
		frappe.get_doc({"doctype": "Tariff Code", "code": code, "description": description}).insert(
			ignore_permissions=True
		)
	if not frappe.db.get_value("Appointment Type", APPOINTMENT_TYPE, "custom_tariff_code"):
		frappe.db.set_value("Appointment Type", APPOINTMENT_TYPE, "custom_tariff_code", code)
	if not frappe.db.get_value("Practice", practice, "practice_number"):
		frappe.db.set_value("Practice", practice, "practice_number", "0123456")
	if not frappe.db.get_value("Healthcare Practitioner", doctor, "custom_registration_number"):
		frappe.db.set_value("Healthcare Practitioner", doctor, "custom_registration_number", "MP0123456")
	company = frappe.db.get_value("Practice", practice, "company")
	visit.set_price(company, code, private)
	for scheme, rate in by_scheme.items():
		visit.set_price(company, code, rate, scheme=scheme)


def _demo_billing(practice: str, doctor: str, patients: list[str]) -> None:
	"""Emma pays her consultation at the desk; Mia's scheme pays her claim, less than the
	practice charges (the shortfall goes to her account); Noah's claim is rejected, with the
	scheme's reason, to correct and send again."""
	from medic_plus.billing import insurance, visit
	from medic_plus.core import claims
	from medic_plus.tenancy.context import system_scope

	if frappe.db.exists("Insurance Claim", {"practice": practice}):
		return
	mia, noah, emma = patients[:3]
	scheme = next(iter(DEMO_TARIFF[3]))
	with system_scope():
		for patient, member, dependant, principal in (
			(mia, "912345678", "00", "Mia Schulz"),
			(noah, "DHMS00412", "02", "Anna Weber"),
		):
			if not frappe.db.exists("Patient Medical Aid", {"patient": patient}):
				frappe.get_doc(
					{
						"doctype": "Patient Medical Aid",
						"patient": patient,
						"scheme": scheme,
						"member_number": member,
						"dependant_code": dependant,
						"principal_member_name": principal,
						"valid_from": add_days(nowdate(), -365),
					}
				).insert(ignore_permissions=True)
		# Emma's consultation last week was billed when it was submitted: she pays at the desk
		for invoice in frappe.get_all(
			"Sales Invoice",
			filters={"patient": emma, "docstatus": 0, "custom_bill_to": visit.PATIENT},
			pluck="name",
		):
			si = frappe.get_doc("Sales Invoice", invoice)
			si.flags.ignore_permissions = True
			si.submit()
			insurance._payment_entry(
				si, si.outstanding_amount, getdate(nowdate()), "Cash", "Paid at the desk", "Cash"
			)
		for patient, answer in ((mia, "paid"), (noah, "rejected")):
			encounter = frappe.get_doc(
				{
					"doctype": "Patient Encounter",
					"patient": patient,
					"practitioner": doctor,
					"appointment_type": APPOINTMENT_TYPE,
					"encounter_date": add_days(nowdate(), -2),
					"custom_assessment": "Acute upper respiratory infection.",
					"custom_diagnoses": [{"diagnosis": "J06.9-ICD-10", "code": "J06.9"}],
				}
			)
			encounter.flags.ignore_permissions = True
			encounter.insert().submit()
			for invoice in frappe.get_all(
				"Sales Invoice",
				filters={"custom_patient_encounter": encounter.name, "docstatus": 0},
				pluck="name",
			):
				si = frappe.get_doc("Sales Invoice", invoice)
				si.flags.ignore_permissions = True
				si.submit()
			claim_name = frappe.db.get_value(
				"Sales Invoice",
				{"custom_patient_encounter": encounter.name, "custom_bill_to": visit.MEDICAL_AID},
				"custom_claim",
			)
			if not claim_name:
				continue
			claim = frappe.get_doc("Insurance Claim", claim_name)
			core = insurance.to_core(claim)
			if answer == "paid":
				paid = claims.money(420)
				result = claims.Answer(
					core.key,
					"complete",
					lines=(claims.LineResult(1, core.lines[0].amount, paid, "paid at the scheme's rate"),),
					payment=claims.Payment(core.key, paid, getdate(nowdate()), "EFT-DEMO-0001"),
				)
			else:
				result = claims.Answer(
					core.key, "error", reasons=("Member number not found for this dependant",)
				)
			insurance.apply_answer(claim, result)


FOOTPRINT = (
	"Company",
	"Fiscal Year",
	"Holiday List",
	"Medical Department",
	"Medication",
	"Item",
	"Appointment Type",
	"Practice",
	"Practice Member",
	"Practice Appointment Type",
	"User",
	"Healthcare Practitioner",
	"Practitioner Schedule",
	"Healthcare Service Unit",
	"Patient",
	"Patient Appointment",
	"Letter Head",
	"Patient Allergy",
	"Patient Problem",
	"Patient Consent",
	"Code Value",
	"Drug Interaction Rule",
	"Patient Encounter",
	"Vital Signs",
	"Tariff Code",
	"Patient Medical Aid",
	"Sales Invoice",
	"Insurance Claim",
	"Payment Entry",
	"Journal Entry",
)


def footprint() -> dict[str, int]:
	"""How many records of each kind the demo touches (the same after a second run)."""
	return {doctype: frappe.db.count(doctype) for doctype in FOOTPRINT}
