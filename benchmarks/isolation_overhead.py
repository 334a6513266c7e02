"""Cost of the tenant wall on a practice's lists, at scale.

By default 200,000 Patients over 500 practices, with 5 Observations (a doctype scoped
through its patient) and 1 Patient Allergy (the app's own, with its practice) per
patient; ``--practices``, ``--patients`` and ``--per-patient`` change the scale. Times, as
a practice receptionist (doctor for the clinical lists) against the same query run as
Administrator with the equivalent explicit filter: each list's first page (20 rows) and
its count, and a patient link search. Prints the ratios (target at most 1.3x, and the
practice user's first page under 50 ms), and the query plan of any list that misses a
target.

Run by hand on a bench (the data is kept for re-runs; --cleanup removes it):

    cd ~/frappe-bench/sites
    ../env/bin/python ../apps/medic_plus/benchmarks/isolation_overhead.py --site test_site
    ../env/bin/python ../apps/medic_plus/benchmarks/isolation_overhead.py --site test_site \\
        --practices 5000 --patients 1000000 --per-patient 5
"""

from __future__ import annotations

import time

import frappe
from common import on_site, timed

from medic_plus import demo

PREFIX = "BENCH-ISO"
RECEPTIONIST = "bench-iso-recep@example.com"
DOCTOR = "bench-iso-doctor@example.com"
BATCH = 10_000
TARGET_RATIO, TARGET_PAGE_MS = 1.3, 50


def options(parser) -> None:
	parser.add_argument("--practices", type=int, default=500)
	parser.add_argument("--patients", type=int, default=200_000)
	parser.add_argument("--per-patient", type=int, default=5, help="Observations per patient")


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


def seed(args) -> str:
	"""The practices, patients, observations and allergies, and a receptionist and a
	doctor in practice 0. Idempotent for one scale."""
	meta = ["creation", "modified", "owner", "modified_by"]
	practices = [f"{PREFIX}-P{i:05d}" for i in range(args.practices)]
	if frappe.db.count("Practice", {"name": ("like", f"{PREFIX}-P%")}) < args.practices:
		now = frappe.utils.now()
		fields = ["name", "practice_name", "slug", "short_code", "status", "subscription_plan", *meta]
		_bulk(
			"Practice",
			fields,
			(
				(p, f"Bench Practice {i}", f"bench-iso-{i:05d}", f"BI{i:05d}", "Active", "Basic", *by(now))
				for i, p in enumerate(practices)
			),
		)
	base = time.time()
	n = args.patients
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
	rows = n * args.per_patient
	existing = frappe.db.count("Observation", {"name": ("like", f"{PREFIX}-OBS-%")})
	if existing < rows:
		fields = ["name", "patient", "status", "docstatus", *meta]
		_bulk(
			"Observation",
			fields,
			(
				(f"{PREFIX}-OBS-{i:08d}", f"{PREFIX}-PAT-{i % n:07d}", "Final", 0, *by(_stamp(base, i, rows)))
				for i in range(existing, rows)
			),
		)
	existing = frappe.db.count("Patient Allergy", {"name": ("like", f"{PREFIX}-ALG-%")})
	if existing < n:
		fields = ["name", "patient", "practice", "substance", "status", *meta]
		_bulk(
			"Patient Allergy",
			fields,
			(
				(
					f"{PREFIX}-ALG-{i:07d}",
					f"{PREFIX}-PAT-{i:07d}",
					practices[i % args.practices],
					"Penicillin",
					"active",
					*by(_stamp(base, i, n)),
				)
				for i in range(existing, n)
			),
		)
	for user, role in ((RECEPTIONIST, "Receptionist"), (DOCTOR, "Doctor")):
		if not frappe.db.exists("User", user):
			frappe.get_doc(
				{"doctype": "User", "email": user, "first_name": "Bench", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		if not frappe.db.exists("Practice Member", {"user": user}):
			member = {"doctype": "Practice Member", "practice": practices[0], "user": user, "role": role}
			if role == "Doctor":
				member["practitioner"] = demo.ensure_practitioner("Bench Iso Doctor")
			frappe.get_doc(member).insert(ignore_permissions=True)
	frappe.db.commit()  # nosemgrep: benchmark data, outside any request
	return practices[0]


def cleanup() -> None:
	for doctype, code in (("Observation", "OBS"), ("Patient Allergy", "ALG"), ("Patient", "PAT")):
		frappe.db.delete(doctype, {"name": ("like", f"{PREFIX}-{code}-%")})
		frappe.db.commit()  # nosemgrep
	for user in (RECEPTIONIST, DOCTOR):
		frappe.db.delete("Practice Member", {"user": user})
		frappe.delete_doc("User", user, ignore_missing=True, force=True)
	frappe.db.delete("Practice", {"name": ("like", f"{PREFIX}-P%")})
	frappe.db.commit()  # nosemgrep


def main() -> None:
	on_site(__doc__, 30, cleanup, run, options)


def _plan(doctype: str, user: str, **kwargs) -> None:
	frappe.set_user(user)
	query = frappe.get_list(doctype, run=0, **kwargs)
	frappe.set_user("Administrator")
	for row in frappe.db.sql(f"explain {query}", as_dict=True):
		print(
			f"    {row.get('table')!s:28s} {row.get('type')!s:8s} key={row.get('key')} rows={row.get('rows')} {row.get('Extra') or ''}"
		)


def run(args) -> None:
	started = time.perf_counter()
	practice = seed(args)
	seeded = time.perf_counter() - started
	patients = frappe.get_all("Patient", filters={"custom_practice": practice}, pluck="name")

	def lists(doctype: str, user: str, fields: list[str], explicit: dict):
		order = f"`tab{doctype}`.`creation` desc"

		def page_as_user():
			frappe.set_user(user)
			return frappe.get_list(doctype, fields=fields, order_by=order, limit_page_length=20)

		def page_as_admin():
			frappe.set_user("Administrator")
			return frappe.get_list(
				doctype, fields=fields, filters=explicit, order_by=order, limit_page_length=20
			)

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

	checks = (
		*lists(
			"Patient", RECEPTIONIST, ["name", "patient_name", "sex", "status"], {"custom_practice": practice}
		),
		*lists("Observation", DOCTOR, ["name", "patient", "status"], {"patient": ("in", patients)}),
		*lists("Patient Allergy", DOCTOR, ["name", "patient", "substance"], {"practice": practice}),
		(
			"Patient: link search",
			search_as(RECEPTIONIST, None),
			search_as("Administrator", {"custom_practice": practice}),
			False,
		),
	)
	print(
		f"{frappe.db.count('Practice'):,} practices, {frappe.db.count('Patient'):,} patients, "
		f"{frappe.db.count('Observation'):,} observations, {frappe.db.count('Patient Allergy'):,} "
		f"allergies on the site; seeded in {seeded:.0f} s; runs: {args.runs}"
	)
	for label, user_fn, admin_fn, is_page in checks:
		user_t, admin_t = timed(user_fn, args.runs), timed(admin_fn, args.runs)
		ratio = user_t / admin_t
		missed = ratio > TARGET_RATIO or (is_page and user_t * 1000 > TARGET_PAGE_MS)
		print(
			f"{label:28s} practice user {user_t * 1000:8.2f} ms | Administrator + filter "
			f"{admin_t * 1000:8.2f} ms | ratio {ratio:4.2f}x{'  MISSED' if missed else ''}"
		)
		if missed and ":" in label and "search" not in label:
			doctype = label.split(":")[0]
			user = RECEPTIONIST if doctype == "Patient" else DOCTOR
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
