"""Cost of the tenant wall on a practice's lists, at scale.

By default 200,000 Patients over 500 practices, and for each patient one row of each
clinical doctype of every kind of scope: stamped with their practice (Vital Signs,
Patient Encounter, Patient Appointment), scoped through their patient (Observation,
Clinical Note, Medication Request) and the app's own (Patient Allergy).
``--practices``, ``--patients`` and ``--per-patient`` (rows of each doctype a patient)
change the scale. Times, as a practice receptionist (doctor for the clinical lists)
against the same query run as Administrator with the equivalent explicit filter: each
list's first page (20 rows) and its count, a patient link search, the Practice
Appointments report and an FHIR search (a practice's token against the platform's search
by ``organization``). Prints the ratios (target at most 1.3x, and the practice user's
first page under 50 ms), and the query plan of any list that misses a target.

Run by hand on a bench (the data is kept for re-runs; --cleanup removes it):

    cd ~/frappe-bench/sites
    ../env/bin/python ../apps/medic_plus/benchmarks/isolation_overhead.py --site test_site
    ../env/bin/python ../apps/medic_plus/benchmarks/isolation_overhead.py --site test_site \\
        --practices 5000 --patients 1000000
"""

from __future__ import annotations

import time

import frappe
from common import on_site, paired

from medic_plus import demo
from medic_plus.tenancy.scope import get_scope

PREFIX = "BENCH-ISO"
RECEPTIONIST = "bench-iso-recep@example.com"
DOCTOR = "bench-iso-doctor@example.com"
PRACTITIONER = "Bench Iso Doctor"
BATCH = 10_000
TARGET_RATIO, TARGET_PAGE_MS = 1.3, 50

# the clinical doctypes seeded, each: (code in the row names, the list's columns, the
# seeded row's own columns and values: (patient, practice, day, time, doctor) -> dict)
CLINICAL = {
	"Vital Signs": (
		"VS",
		["name", "patient", "signs_date"],
		lambda pat, prac, day, at, doctor: {
			"patient": pat,
			"custom_practice": prac,
			"signs_date": day,
			"signs_time": at,
			"temperature": "37.0",
			"docstatus": 1,
		},
	),
	"Patient Encounter": (
		"ENC",
		["name", "patient", "encounter_date"],
		lambda pat, prac, day, at, doctor: {
			"patient": pat,
			"custom_practice": prac,
			"practitioner": doctor,
			"encounter_date": day,
			"encounter_time": at,
			"docstatus": 1,
		},
	),
	"Patient Appointment": (
		"APT",
		["name", "patient", "appointment_date", "status"],
		lambda pat, prac, day, at, doctor: {
			"patient": pat,
			"custom_practice": prac,
			"practitioner": doctor,
			"appointment_date": day,
			"appointment_time": at,
			"duration": 15,
			"status": "Scheduled",
		},
	),
	"Observation": (
		"OBS",
		["name", "patient", "status"],
		lambda pat, prac, day, at, doctor: {"patient": pat, "status": "Final"},
	),
	"Clinical Note": (
		"CN",
		["name", "patient", "posting_date"],
		lambda pat, prac, day, at, doctor: {"patient": pat, "posting_date": day, "note": "Seen."},
	),
	"Medication Request": (
		"MR",
		["name", "patient", "status"],
		lambda pat, prac, day, at, doctor: {
			"patient": pat,
			"order_date": day,
			"status": "draft-Request Status",
		},
	),
	"Patient Allergy": (
		"ALG",
		["name", "patient", "substance"],
		lambda pat, prac, day, at, doctor: {
			"patient": pat,
			"practice": prac,
			"substance": "Penicillin",
			"status": "active",
		},
	),
}


def options(parser) -> None:
	parser.add_argument("--practices", type=int, default=500)
	parser.add_argument("--patients", type=int, default=200_000)
	parser.add_argument("--per-patient", type=int, default=1, help="rows of each clinical doctype a patient")


def by(stamp: str) -> tuple[str, str, str, str]:
	"""creation, modified, owner, modified_by of a seeded row."""
	return (stamp, stamp, "Administrator", "Administrator")


def _stamp(base: float, i: int, n: int) -> str:
	return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base - (n - i)))


def _bulk(doctype: str, fields: list[str], rows) -> None:
	batch = []
	for row in rows:
		batch.append(row)
		if len(batch) == BATCH:
			frappe.db.bulk_insert(doctype, fields, batch, ignore_duplicates=True)
			frappe.db.commit()  # nosemgrep: benchmark data, outside any request
			batch = []
	if batch:
		frappe.db.bulk_insert(doctype, fields, batch, ignore_duplicates=True)
		frappe.db.commit()  # nosemgrep: benchmark data, outside any request


def seed(args) -> tuple[str, dict[str, tuple[int, float]]]:
	"""The practices, patients and clinical rows, and a receptionist and a doctor in
	practice 0. Idempotent for one scale. Returns practice 0 and, by doctype, the rows
	seeded now and the seconds it took."""
	meta = ["creation", "modified", "owner", "modified_by"]
	seeded: dict[str, tuple[int, float]] = {}
	practices = [f"{PREFIX}-P{i:05d}" for i in range(args.practices)]
	started = time.perf_counter()
	existing = frappe.db.count("Practice", {"name": ("like", f"{PREFIX}-P%")})
	if existing < args.practices:
		now = frappe.utils.now()
		letter_head = bench_letter_head()
		fields = [
			"name",
			"practice_name",
			"slug",
			"short_code",
			"status",
			"subscription_plan",
			"letter_head",
			*meta,
		]
		_bulk(
			"Practice",
			fields,
			(
				(
					p,
					f"Bench Practice {i}",
					f"bench-iso-{i:05d}",
					f"BI{i:05d}",
					"Active",
					"Basic",
					letter_head,
					*by(now),
				)
				for i, p in enumerate(practices)
			),
		)
		seeded["Practice"] = (args.practices - existing, time.perf_counter() - started)
	doctor = demo.ensure_practitioner(PRACTITIONER)
	base = time.time()
	n = args.patients
	started = time.perf_counter()
	existing = frappe.db.count("Patient", {"name": ("like", f"{PREFIX}-PAT-%")})
	if existing < n:
		fields = ["name", "first_name", "patient_name", "sex", "status", "custom_practice", *meta]
		_bulk(
			"Patient",
			fields,
			(
				(
					f"{PREFIX}-PAT-{i:07d}",
					f"Bench{i}",
					f"Bench{i} Patient",
					"Female",
					"Active",
					practices[i % args.practices],
					*by(_stamp(base, i, n)),
				)
				for i in range(existing, n)
			),
		)
		seeded["Patient"] = (n - existing, time.perf_counter() - started)
	rows = n * args.per_patient
	for doctype, (code, _columns, values) in CLINICAL.items():
		started = time.perf_counter()
		existing = frappe.db.count(doctype, {"name": ("like", f"{PREFIX}-{code}-%")})
		if existing >= rows:
			continue
		fields = ["name", *values("", "", "", "", ""), *meta]

		def generate(code=code, values=values, existing=existing):
			for i in range(existing, rows):
				stamp = _stamp(base, i, rows)
				yield (
					f"{PREFIX}-{code}-{i:08d}",
					*values(
						f"{PREFIX}-PAT-{i % n:07d}",
						practices[i % n % args.practices],
						stamp[:10],
						stamp[11:],
						doctor,
					).values(),
					*by(stamp),
				)

		_bulk(doctype, fields, generate())
		seeded[doctype] = (rows - existing, time.perf_counter() - started)
	for user, role in ((RECEPTIONIST, "Receptionist"), (DOCTOR, "Doctor")):
		if not frappe.db.exists("User", user):
			frappe.get_doc(
				{"doctype": "User", "email": user, "first_name": "Bench", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		if not frappe.db.exists("Practice Member", {"user": user}):
			member = {"doctype": "Practice Member", "practice": practices[0], "user": user, "role": role}
			if role == "Doctor":
				member["practitioner"] = doctor
			frappe.get_doc(member).insert(ignore_permissions=True)
	frappe.db.commit()  # nosemgrep: benchmark data, outside any request
	return practices[0], seeded


def bench_letter_head() -> str:
	"""One letter head the seeded practices share (a migrate makes one for each practice
	that has none, as it does once for practices older than letter heads)."""
	name = f"{PREFIX} Letter Head"
	if not frappe.db.exists("Letter Head", name):
		frappe.get_doc(
			{"doctype": "Letter Head", "letter_head_name": name, "source": "HTML", "content": "<p></p>"}
		).insert(ignore_permissions=True)
		frappe.db.set_value("Letter Head", name, "is_default", 0)
	return name


def cleanup() -> None:
	for doctype, (code, _columns, _values) in CLINICAL.items():
		frappe.db.delete(doctype, {"name": ("like", f"{PREFIX}-{code}-%")})
		frappe.db.commit()  # nosemgrep
	frappe.db.delete("Patient", {"name": ("like", f"{PREFIX}-PAT-%")})
	for user in (RECEPTIONIST, DOCTOR):
		frappe.db.delete("Practice Member", {"user": user})
		frappe.delete_doc("User", user, ignore_missing=True, force=True)
	frappe.db.delete("Practice", {"name": ("like", f"{PREFIX}-P%")})
	frappe.delete_doc("Letter Head", f"{PREFIX} Letter Head", ignore_missing=True, force=True)
	frappe.db.commit()  # nosemgrep


def main() -> None:
	on_site(__doc__, 100, cleanup, run, options)


def _plan(doctype: str, user: str, **kwargs) -> None:
	frappe.set_user(user)
	query = frappe.get_list(doctype, run=0, **kwargs)
	frappe.set_user("Administrator")
	for row in frappe.db.sql(f"explain {query}", as_dict=True):
		print(
			f"    {row.get('table')!s:28s} {row.get('type')!s:8s} key={row.get('key')} rows={row.get('rows')} {row.get('Extra') or ''}"
		)


def explicit_filter(doctype: str, practice: str, patients: list[str]) -> dict:
	"""What Administrator adds to see one practice's rows: the practice's column, or its
	patients for a doctype scoped through its patient."""
	scope = get_scope(doctype)
	if scope:
		return {scope.field: practice}
	return {"patient": ("in", patients)}


def lists(doctype: str, user: str, fields: list[str], explicit: dict):
	order = f"`tab{doctype}`.`creation` desc"

	def page_as_user():
		frappe.set_user(user)
		return frappe.get_list(doctype, fields=fields, order_by=order, limit_page_length=20)

	def page_as_admin():
		frappe.set_user("Administrator")
		return frappe.get_list(doctype, fields=fields, filters=explicit, order_by=order, limit_page_length=20)

	def count_as_user():
		frappe.set_user(user)
		return frappe.get_list(doctype, fields=["count(*) as n"])[0].n

	def count_as_admin():
		frappe.set_user("Administrator")
		return frappe.get_list(doctype, fields=["count(*) as n"], filters=explicit)[0].n

	assert [r.name for r in page_as_user()] == [r.name for r in page_as_admin()], doctype
	assert count_as_user() == count_as_admin(), doctype
	return (
		(f"{doctype}: first page", page_as_user, page_as_admin, True),
		(f"{doctype}: count", count_as_user, count_as_admin, False),
	)


def search_as(user: str, explicit: dict | None):
	from frappe.desk.search import search_widget

	def search():
		frappe.set_user(user)
		return search_widget("Patient", "Bench1", filters=explicit, page_length=10)

	return search


def report_as(user: str, filters: dict):
	"""The Practice Appointments report over the seeded days."""
	from frappe.desk.query_report import run

	def report():
		frappe.set_user(user)
		return run("Practice Appointments", filters)

	return report


def fhir_search(practice: str, platform: bool):
	"""``Patient?name=Bench1`` with a practice's token, or the platform's search narrowed
	to the practice by ``organization``: the same rows."""
	from werkzeug.datastructures import MultiDict

	from medic_plus.core import fhir_map
	from medic_plus.fhir import router

	args = {"name": "Bench1", "_count": "20"}
	if platform:
		caller = router.Caller(None)
		args["organization"] = f"Organization/{fhir_map.fhir_id(practice)}"
	else:
		caller = router.Caller([practice], token="benchmark")

	def search():
		frappe.set_user("Administrator")
		return fhir_map.to_json(router.search(caller, "Patient", MultiDict(args)))

	return search


def run(args) -> None:
	practice, seeded = seed(args)
	patients = frappe.get_all("Patient", filters={"custom_practice": practice}, pluck="name")
	days = frappe.get_all(
		"Patient Appointment",
		filters={"custom_practice": practice},
		fields=["min(appointment_date) as first", "max(appointment_date) as last"],
	)[0]
	checks = [
		*lists(
			"Patient", RECEPTIONIST, ["name", "patient_name", "sex", "status"], {"custom_practice": practice}
		)
	]
	for doctype, (_code, columns, _values) in CLINICAL.items():
		user = RECEPTIONIST if doctype == "Patient Appointment" else DOCTOR
		checks += lists(doctype, user, columns, explicit_filter(doctype, practice, patients))
	window = {"from_date": str(days.first), "to_date": str(days.last)}
	checks += [
		(
			"Patient: link search",
			search_as(RECEPTIONIST, None),
			search_as("Administrator", {"custom_practice": practice}),
			False,
		),
		(
			"Practice Appointments report",
			report_as(RECEPTIONIST, window),
			report_as("Administrator", {**window, "custom_practice": practice}),
			False,
		),
		("FHIR Patient search", fhir_search(practice, False), fhir_search(practice, True), False),
	]
	counts = {dt: frappe.db.count(dt) for dt in ("Practice", "Patient", *CLINICAL)}
	print(", ".join(f"{n:,} {dt}" for dt, n in counts.items()) + f" on the site; runs: {args.runs}")
	if seeded:
		size = frappe.db.sql(
			"select sum(data_length + index_length) from information_schema.tables where table_schema = %s",
			frappe.conf.db_name,
		)[0][0]
		print(
			"seeded now: "
			+ ", ".join(f"{rows:,} {dt} in {secs:.0f} s" for dt, (rows, secs) in seeded.items())
			+ f"; the database is {int(size or 0) / 2**30:.1f} GiB"
		)
	for label, user_fn, admin_fn, is_page in checks:
		user_t, admin_t = paired(user_fn, admin_fn, args.runs)
		ratio = user_t / admin_t
		missed = ratio > TARGET_RATIO or (is_page and user_t * 1000 > TARGET_PAGE_MS)
		print(
			f"{label:34s} practice user {user_t * 1000:8.2f} ms | Administrator + filter "
			f"{admin_t * 1000:8.2f} ms | ratio {ratio:4.2f}x{'  MISSED' if missed else ''}"
		)
		if missed and label.endswith(("first page", "count")):
			doctype = label.split(":")[0]
			user = RECEPTIONIST if doctype in ("Patient", "Patient Appointment") else DOCTOR
			_plan(
				doctype,
				user,
				fields=["name"],
				order_by=f"`tab{doctype}`.`creation` desc",
				limit_page_length=20,
			)
	print(f"targets: ratio <= {TARGET_RATIO}x; a practice user's first page <= {TARGET_PAGE_MS} ms")


if __name__ == "__main__":
	main()
