"""The two-practice fixture shared by the integration tests.

::

                     Practice A  (slug iso-alpha, ISOA)     Practice B  (slug iso-beta, ISOB)
    Admin            iso-a-admin@example.com                 iso-b-admin@example.com
    Doctor           iso-a-doctor@example.com  -> ISO Doc A  iso-b-doctor@example.com -> ISO Doc B
    Receptionist     iso-a-recep@example.com                 iso-b-recep@example.com
    in both          iso-both@example.com: Doctor in A (-> ISO Doc Both), Receptionist in B
    in none          iso-nobody@example.com: Healthcare's "Physician" role, no practice
    platform admin   iso-platform@example.com: Healthcare Administrator

    Records: one Patient per practice, and for every other scoped doctype one row in A
    and one in B (ISO-A-<CODE> / ISO-B-<CODE>) pointing at that practice's patient.

Built once, idempotently, and committed, so that requests served on other threads or
processes (the HTTP tests) see it too. Tests that change data roll back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

import frappe

from medic_plus import demo
from medic_plus.demo import ensure_member, ensure_practice, ensure_practitioner
from medic_plus.tenancy.scope import get_scope

PASSWORD = "Iso-Test-Pass-2026!"
SECRET = "iso-api-secret-2026"

# the encounter's child tables, Healthcare's and the app's: one row each in the fixture
ENCOUNTER_CHILDREN = (
	("Drug Prescription", "drug_prescription"),
	("Examination Finding", "custom_examination_findings"),
	("Assessment Diagnosis", "custom_diagnoses"),
	("Prescription Check", "custom_prescription_checks"),
)

# doctype -> short code used in the fixed names of the fixture rows
RECORD_CODES = {
	"Patient Appointment": "APPT",
	"Patient Encounter": "ENC",
	"Inpatient Record": "IPR",
	"Vital Signs": "VS",
	"Lab Test": "LAB",
	"Clinical Procedure": "CP",
	"Patient Medical Record": "PMR",
	"Practitioner Schedule": "SCHED",
	"Fee Validity": "FV",
	"Sick Note": "SN",
	"Patient Allergy": "ALG",
	"Patient Problem": "PRB",
	"Patient Consent": "CNS",
	"Patient Medical Aid": "MAID",
	"Insurance Claim": "CLM",
	"AI Inference Log": "AIL",
	"Practice AI Settings": "AIS",
}

# records of each practice's books (scope.BOOKS): doctype -> short code of the fixture row
BOOK_CODES = {"Customer": "CUST", "Sales Invoice": "SINV", "Payment Entry": "PE", "Journal Entry": "JV"}


@dataclass
class Side:
	key: str
	practice: str = ""
	slug: str = ""
	admin: str = ""
	doctor: str = ""
	recep: str = ""
	practitioner: str = ""
	patient: str = ""
	records: dict[str, str] = field(default_factory=dict)  # doctype -> name


@dataclass
class Fixture:
	a: Side
	b: Side
	both: str
	both_practitioner: str
	nobody: str
	platform: str

	def record(self, side: str, doctype: str) -> str:
		s = self.a if side == "a" else self.b
		return s.patient if doctype == "Patient" else s.records[doctype]


def email(local: str) -> str:
	return f"{local}@example.com"


def get_fixture() -> Fixture:
	if not getattr(frappe.local, "medic_plus_fixture", None) or not frappe.db.exists(
		"Practice", frappe.local.medic_plus_fixture.a.practice
	):
		frappe.local.medic_plus_fixture = _build()
	return frappe.local.medic_plus_fixture


def ensure_drug_item(code: str = "ISO-AMOX-500", name: str = "Amoxicillin 500 mg") -> str:
	"""An item to prescribe (Drug Prescription's drug code)."""
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": name,
				"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name") or "All Item Groups",
				"stock_uom": "Nos",
				"is_stock_item": 0,
			}
		).insert(ignore_permissions=True)
	return code


def prescription(doctor: str, practitioner: str, patient: str, comment: str | None = None):
	"""A draft encounter of ``patient`` by ``doctor`` (a user) prescribing the drug item."""
	ensure_drug_item()
	frappe.set_user(doctor)
	return frappe.get_doc(
		{
			"doctype": "Patient Encounter",
			"patient": patient,
			"practitioner": practitioner,
			"encounter_date": frappe.utils.today(),
			"company": demo.default_company(),
			"drug_prescription": [
				{
					"drug_code": "ISO-AMOX-500",
					"drug_name": "Amoxicillin 500 mg",
					"dosage": frappe.db.get_value("Prescription Dosage", {}, "name"),
					"period": frappe.db.get_value("Prescription Duration", {}, "name"),
					"dosage_form": frappe.db.get_value("Dosage Form", {}, "name"),
					"comment": comment,
				}
			],
		}
	).insert()


def ensure_fiscal_years() -> None:
	"""The books open from today to a year ahead, as on a running site (ERPNext makes the
	next fiscal year days before the current one ends; the tests bill on days ahead),
	whatever month the site's fiscal year starts in: a missing year follows the last one."""
	from frappe.utils import add_days, add_years, getdate

	today = getdate()
	for day in (today, add_years(today, 1)):
		for _year in range(3):  # a few years at most, never forever
			if frappe.db.exists(
				"Fiscal Year", {"year_start_date": ("<=", day), "year_end_date": (">=", day), "disabled": 0}
			):
				break
			last = frappe.get_all(
				"Fiscal Year",
				filters={"year_end_date": ("<", day), "disabled": 0},
				pluck="year_end_date",
				order_by="year_end_date desc",
				limit=1,
			)
			start = add_days(last[0], 1) if last else getdate(f"{day.year}-01-01")
			end = add_days(add_years(start, 1), -1)
			frappe.get_doc(
				{
					"doctype": "Fiscal Year",
					"year": str(start.year) if start.month == 1 else f"{start.year}-{end.year}",
					"year_start_date": start,
					"year_end_date": end,
				}
			).insert(ignore_if_duplicate=True)


def _build() -> Fixture:
	frappe.set_user("Administrator")
	ensure_fiscal_years()
	a = _side("a", "ISO Alpha Practice", "iso-alpha", "ISOA")
	b = _side("b", "ISO Beta Practice", "iso-beta", "ISOB")

	both = ensure_user(email("iso-both"), "Iso Both")
	both_practitioner = ensure_practitioner("ISO Doc Both")
	ensure_member(a.practice, both, "Doctor", both_practitioner)
	ensure_member(b.practice, both, "Receptionist")

	nobody = ensure_user(email("iso-nobody"), "Iso Nobody", roles=("Physician",))
	platform = ensure_user(email("iso-platform"), "Iso Platform", roles=("Healthcare Administrator",))
	demo.ensure_appointment_type()

	for side in (a, b):
		side.patient = ensure_patient(
			side.practice, f"Iso{side.key.upper()}", email(f"iso-patient-{side.key}")
		)
		for doctype, code in RECORD_CODES.items():
			side.records[doctype] = ensure_raw_row(doctype, f"ISO-{side.key.upper()}-{code}", side)
		for child, parentfield in ENCOUNTER_CHILDREN:
			ensure_child_row(child, side.records["Patient Encounter"], "Patient Encounter", parentfield)
		for doctype, code in BOOK_CODES.items():
			side.records[doctype] = ensure_book_row(doctype, f"ISO-{side.key.upper()}-{code}", side)

	frappe.db.commit()  # nosemgrep: test fixture, outside any request
	return Fixture(a, b, both, both_practitioner, nobody, platform)


def _side(key: str, name: str, slug: str, code: str) -> Side:
	side = Side(key)
	side.practice = ensure_practice(name, slug, code)
	side.slug = slug
	side.admin = ensure_user(email(f"iso-{key}-admin"), f"Iso {key.upper()} Admin")
	side.doctor = ensure_user(email(f"iso-{key}-doctor"), f"Iso {key.upper()} Doctor")
	side.recep = ensure_user(email(f"iso-{key}-recep"), f"Iso {key.upper()} Receptionist")
	side.practitioner = ensure_practitioner(f"ISO Doc {key.upper()}")
	ensure_member(side.practice, side.admin, "Admin")
	ensure_member(side.practice, side.doctor, "Doctor", side.practitioner)
	ensure_member(side.practice, side.recep, "Receptionist")
	return side


def ensure_user(user_email: str, full_name: str, roles: tuple[str, ...] = ()) -> str:
	"""A test user with a known password and API key (secret SECRET)."""
	demo.ensure_user(user_email, full_name, roles, password=PASSWORD)
	if not frappe.db.get_value("User", user_email, "api_key"):
		user = frappe.get_doc("User", user_email)
		user.api_key = frappe.generate_hash(length=15)
		user.api_secret = SECRET
		user.flags.ignore_permissions = True
		user.save()
	return user_email


def api_token(user: str) -> str:
	return f"token {frappe.db.get_value('User', user, 'api_key')}:{SECRET}"


def ensure_patient(practice: str, first_name: str, patient_email: str) -> str:
	return demo.ensure_patient(practice, first_name, "Patient", patient_email)


def ensure_raw_row(doctype: str, name: str, side: Side) -> str:
	"""A bare row of ``doctype`` written past its controller: enough to probe the
	permission paths without the masters a real clinical record needs."""
	if frappe.db.exists(doctype, name):
		return name
	doc = frappe.new_doc(doctype)
	meta = frappe.get_meta(doctype)
	values = {get_scope(doctype).field: side.practice}
	if meta.has_field("patient"):
		values["patient"] = side.patient
	if meta.has_field("practitioner"):
		values["practitioner"] = side.practitioner
	if meta.has_field("schedule_name"):
		values["schedule_name"] = name
	doc.update(values)
	doc.name = name
	doc.db_insert()
	return name


def ensure_book_row(doctype: str, name: str, side: Side) -> str:
	"""A bare draft row of the practice's books, written past its controller."""
	if frappe.db.exists(doctype, name):
		return name
	company = frappe.db.get_value("Practice", side.practice, "company")
	doc = frappe.new_doc(doctype)
	values = {"company": company, "posting_date": frappe.utils.today()}
	if doctype == "Customer":
		values = {"customer_name": f"Iso {side.key.upper()} Debtor", "custom_company": company}
	elif doctype == "Sales Invoice":
		values |= {"customer": f"ISO-{side.key.upper()}-CUST", "patient": side.patient, "currency": "ZAR"}
	elif doctype == "Payment Entry":
		values |= {
			"payment_type": "Receive",
			"party_type": "Customer",
			"party": f"ISO-{side.key.upper()}-CUST",
		}
	doc.update(values)
	doc.name = name
	doc.db_insert()
	return name


def ensure_child_row(doctype: str, parent: str, parenttype: str, parentfield: str) -> str:
	name = f"{parent}-{parentfield}"
	if not frappe.db.exists(doctype, name):
		row = frappe.new_doc(doctype)
		row.update({"parent": parent, "parenttype": parenttype, "parentfield": parentfield, "idx": 1})
		row.name = name
		row.db_insert()
	return name


# --- the booking fixture -------------------------------------------------------------

BOOKING_TZ = "Europe/Berlin"
ALL_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class BookingFixture:
	practice: str
	slug: str
	doctor: str  # practitioner with a one-patient room
	group_doctor: str  # practitioner with a room that takes three at once
	doctor_user: str
	other_practice_doctor: str  # a doctor of practice A (iso-alpha), not of this one


def get_booking_fixture() -> BookingFixture:
	"""Practice iso-book: two doctors with 30-minute slots from 07:00 to 21:00 every
	day, no notice, 90 days ahead, booking codes by e-mail. Committed."""
	fx = get_fixture()
	frappe.set_user("Administrator")
	ensure_outbox()
	company = demo.default_company()
	practice = ensure_practice(
		"ISO Booking Practice",
		"iso-book",
		"ISOBK",
		timezone=BOOKING_TZ,
		company=company,
		min_notice_minutes=0,
		max_days_ahead=90,
		buffer_minutes=0,
		cancel_cutoff_minutes=60,
		brand_color="#0E7C86",
	)
	doctor_user = ensure_user(email("iso-book-doctor"), "Iso Book Doctor")
	group_user = ensure_user(email("iso-book-group"), "Iso Book Group")
	# Healthcare's slot picker in Desk asks for the doctor's department
	department = demo.ensure_department()
	doctor = ensure_practitioner("ISO Book Doc", department)
	group_doctor = ensure_practitioner("ISO Book Group Doc", department)
	ensure_member(practice, doctor_user, "Doctor", doctor)
	ensure_member(practice, group_user, "Doctor", group_doctor)
	ensure_member(practice, ensure_user(email("iso-book-admin"), "Iso Book Admin"), "Admin")
	room = demo.ensure_service_unit("ISOBK Room 1", company)
	group_room = demo.ensure_service_unit("ISOBK Group Room", company, capacity=3)
	hours = ((time(7), time(21)),)
	demo.ensure_schedule(practice, doctor, "ISOBK Doc Every Day", room, 30, hours, ALL_DAYS)
	demo.ensure_schedule(practice, group_doctor, "ISOBK Group Every Day", group_room, 30, hours, ALL_DAYS)
	frappe.db.commit()  # nosemgrep: test fixture, outside any request
	return BookingFixture(practice, "iso-book", doctor, group_doctor, doctor_user, fx.a.practitioner)


def ensure_outbox() -> str:
	"""A default outgoing e-mail account for the test site. Mail is only queued: no worker
	runs during the tests, and the SMTP address points nowhere."""
	name = "ISO Test Outbox"
	if not frappe.db.exists("Email Account", name):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": name,
				"email_id": "outbox@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "127.0.0.1",
				"smtp_port": 2525,
				"no_smtp_authentication": 1,
				"enable_incoming": 0,
			}
		).insert(ignore_permissions=True)
	return name
