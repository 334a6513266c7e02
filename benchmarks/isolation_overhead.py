"""Cost of the tenant wall on the Patient list.

200,000 Patients over 500 practices. Times ``frappe.get_list("Patient")`` (the first
page, and the count) as a practice receptionist, against the same query run as
Administrator with an explicit ``custom_practice`` filter, and prints the ratios.
Target: at most 1.3x.

Run by hand on a bench (the data is kept for re-runs; --cleanup removes it):

    cd ~/frappe-bench/sites
    ../env/bin/python ../apps/medic_plus/benchmarks/isolation_overhead.py --site test_site
"""

from __future__ import annotations

import time

import frappe
from common import on_site, timed

PRACTICES = 500
PATIENTS = 200_000
PREFIX = "BENCH-ISO"
USER = "bench-iso-recep@example.com"


def seed() -> str:
	"""500 practices, 200,000 patients, one receptionist in practice 0. Idempotent."""
	existing = frappe.db.count("Patient", {"name": ("like", f"{PREFIX}-PAT-%")})
	practices = [f"{PREFIX}-P{i:03d}" for i in range(PRACTICES)]
	if not frappe.db.exists("Practice", practices[0]):
		now = frappe.utils.now()
		frappe.db.bulk_insert(
			"Practice",
			[
				"name",
				"practice_name",
				"slug",
				"short_code",
				"status",
				"subscription_plan",
				"creation",
				"modified",
				"owner",
				"modified_by",
			],
			[
				(
					p,
					f"Bench Practice {i}",
					f"bench-iso-{i:03d}",
					f"BI{i:03d}",
					"Active",
					"Basic",
					now,
					now,
					"Administrator",
					"Administrator",
				)
				for i, p in enumerate(practices)
			],
		)
	if existing < PATIENTS:
		fields = [
			"name",
			"first_name",
			"patient_name",
			"sex",
			"status",
			"custom_practice",
			"creation",
			"modified",
			"owner",
			"modified_by",
		]
		batch = []
		base = time.time()
		for i in range(existing, PATIENTS):
			stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base - (PATIENTS - i)))
			batch.append(
				(
					f"{PREFIX}-PAT-{i:06d}",
					f"Bench{i}",
					f"Bench{i} Patient",
					"Female",
					"Active",
					practices[i % PRACTICES],
					stamp,
					stamp,
					"Administrator",
					"Administrator",
				)
			)
			if len(batch) == 10_000:
				frappe.db.bulk_insert("Patient", fields, batch, ignore_duplicates=True)
				batch = []
		if batch:
			frappe.db.bulk_insert("Patient", fields, batch, ignore_duplicates=True)
	if not frappe.db.exists("User", USER):
		frappe.get_doc(
			{"doctype": "User", "email": USER, "first_name": "Bench", "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Practice Member", {"user": USER}):
		frappe.get_doc(
			{"doctype": "Practice Member", "practice": practices[0], "user": USER, "role": "Receptionist"}
		).insert(ignore_permissions=True)
	frappe.db.commit()  # nosemgrep: benchmark data, outside any request
	return practices[0]


def cleanup() -> None:
	frappe.db.delete("Practice Member", {"user": USER})
	frappe.db.delete("Patient", {"name": ("like", f"{PREFIX}-PAT-%")})
	frappe.db.delete("Practice", {"name": ("like", f"{PREFIX}-P%")})
	frappe.delete_doc("User", USER, ignore_missing=True, force=True)
	frappe.db.commit()  # nosemgrep


def main() -> None:
	on_site(__doc__, 30, cleanup, run)


def run(args) -> None:
	practice = seed()
	order = "`tabPatient`.`creation` desc"
	fields = ["name", "patient_name", "sex", "status"]

	def page_as_user():
		frappe.set_user(USER)
		return frappe.get_list("Patient", fields=fields, order_by=order, limit_page_length=20)

	def page_as_admin():
		frappe.set_user("Administrator")
		return frappe.get_list(
			"Patient",
			fields=fields,
			filters={"custom_practice": practice},
			order_by=order,
			limit_page_length=20,
		)

	def count_as_user():
		frappe.set_user(USER)
		return frappe.get_list("Patient", fields=["count(*) as n"])[0].n

	def count_as_admin():
		frappe.set_user("Administrator")
		return frappe.get_list("Patient", fields=["count(*) as n"], filters={"custom_practice": practice})[
			0
		].n

	assert [r.name for r in page_as_user()] == [r.name for r in page_as_admin()], "the two queries differ"
	assert count_as_user() == count_as_admin() == PATIENTS // PRACTICES

	total = frappe.db.count("Patient")
	print(f"Patients on site: {total:,}; practices: {frappe.db.count('Practice'):,}; runs: {args.runs}")
	for label, user_fn, admin_fn in (
		("first page (20 rows)", page_as_user, page_as_admin),
		("count", count_as_user, count_as_admin),
	):
		user_t, admin_t = timed(user_fn, args.runs), timed(admin_fn, args.runs)
		print(
			f"{label:22s} practice user {user_t * 1000:7.2f} ms | Administrator + filter "
			f"{admin_t * 1000:7.2f} ms | ratio {user_t / admin_t:4.2f}x (target <= 1.30x)"
		)


if __name__ == "__main__":
	main()
