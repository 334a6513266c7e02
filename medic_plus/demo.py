"""Demo data: two practices with doctors, schedules, patients and appointments.

``bench --site <site> medic-plus-demo`` (idempotent). The ``ensure_*`` helpers are also
the factories of the integration tests.
"""

from __future__ import annotations

from datetime import time, timedelta

import frappe
from frappe.utils import add_days, getdate, nowdate

DEMO_PASSWORD = "Demo-Pass-2026!"
APPOINTMENT_TYPE = "Consultation"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


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


def default_company() -> str | None:
	return frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")


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


def create() -> list[dict]:
	"""Create (or complete) the demo; returns what to print."""
	company = default_company()
	appointment_type = ensure_appointment_type()
	out = []
	for spec in DEMO:
		extra = {k: spec[k] for k in ("brand_color", "phone", "address", "require_approval") if k in spec}
		practice = ensure_practice(spec["practice_name"], spec["slug"], spec["short_code"], **extra)
		logins = []
		doctors = []
		for email, full_name, role, practitioner_name in spec["people"]:
			ensure_user(email, full_name)
			practitioner = ensure_practitioner(practitioner_name) if practitioner_name else None
			ensure_member(practice, email, role, practitioner)
			logins.append((email, role))
			if practitioner:
				doctors.append(practitioner)
		for i, practitioner in enumerate(doctors):
			unit = ensure_service_unit(f"{spec['short_code']} Room {i + 1}", company) if company else None
			ensure_schedule(practice, practitioner, f"{spec['short_code']} {practitioner} Weekdays", unit)
		patients = [
			ensure_patient(
				practice, first, last, f"{first.lower()}.{last.lower()}@{spec['slug']}.example.com"
			)
			for first, last in spec["patients"]
		]
		_demo_appointments(practice, doctors, patients, appointment_type, company)
		out.append({"practice": spec["practice_name"], "slug": spec["slug"], "logins": logins})
	return out


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
