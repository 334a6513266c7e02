"""A practice's FHIR Bulk $export: resources written a second and the job's peak memory.

The practice "Bench Bulk" gets ``--patients`` patients (200,000 by default), each with 3
appointments, 3 encounters (one prescription each), an allergy and a problem: 12
resources a patient (2,400,000 in all at the default size). The export job then runs in a
process of its own, once over the first quarter of the patients' data
and once over all of it, so that its peak memory can be compared as the practice grows.

Targets: at least 5,000 resources a second on this machine; a peak of at most 300 MB that
stays flat as the practice grows.

Run by hand on a bench (the data is kept for re-runs; --cleanup removes it):

    cd ~/frappe-bench/sites
    ../env/bin/python ../apps/medic_plus/benchmarks/bulk_export.py --site test_site
    ../env/bin/python ../apps/medic_plus/benchmarks/bulk_export.py --site test_site --patients 20000
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, timedelta

import frappe
from common import on_site

PRACTICE = ("Bench Bulk", "bench-bulk", "BBLK")
PREFIX = "BBLK"
TYPES = "Patient,Appointment,Encounter,AllergyIntolerance,Condition,MedicationRequest"
BATCH = 5000
# (doctype, its practice field, its patient field): what a practice's patients' data is
MOVED = (
	("Patient", "custom_practice", "name"),
	("Patient Appointment", "custom_practice", "patient"),
	("Patient Encounter", "custom_practice", "patient"),
	("Patient Allergy", "practice", "patient"),
	("Patient Problem", "practice", "patient"),
)
# the export job in a process of its own, which prints its peak memory (kB) when done
CHILD = """
import resource, sys
import frappe
frappe.init(site=sys.argv[1], sites_path=".")
frappe.connect()
from medic_plus.fhir import bulk
bulk.run(sys.argv[2])
frappe.db.commit()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def seed(patients: int, practice: str, practitioner: str, company: str) -> None:
	"""Raw rows (written past their controllers, as a migration would), in batches."""
	have = frappe.db.count("Patient", {"custom_practice": practice})
	if have >= patients:
		return
	start = date(2020, 1, 1)
	now = frappe.utils.now()
	for first in range(have, patients, BATCH):
		numbers = range(first, min(first + BATCH, patients))
		base = {"creation": now, "modified": now, "owner": "Administrator", "modified_by": "Administrator"}
		frappe.db.bulk_insert(
			"Patient",
			[
				*base,
				"name",
				"first_name",
				"last_name",
				"patient_name",
				"sex",
				"status",
				"custom_practice",
				"email",
			],
			[
				(
					*base.values(),
					f"{PREFIX}-P{n:07d}",
					"Bulk",
					f"Patient{n}",
					f"Bulk Patient{n}",
					"Female",
					"Active",
					practice,
					f"bulk{n}@example.com",
				)
				for n in numbers
			],
		)
		appointments, encounters, drugs, allergies, problems = [], [], [], [], []
		for n in numbers:
			for k in range(3):
				day = start + timedelta(days=(n * 3 + k) % 2000)
				appointments.append(
					(
						*base.values(),
						f"{PREFIX}-A{n:07d}-{k}",
						f"{PREFIX}-P{n:07d}",
						practitioner,
						day,
						"09:00:00",
						15,
						"Closed",
						company,
						practice,
						"Practitioner",
					)
				)
				encounters.append(
					(
						*base.values(),
						f"{PREFIX}-E{n:07d}-{k}",
						f"{PREFIX}-P{n:07d}",
						practitioner,
						day,
						"09:05:00",
						1,
						company,
						practice,
					)
				)
				drugs.append(
					(
						*base.values(),
						f"{PREFIX}-E{n:07d}-{k}-rx",
						f"{PREFIX}-E{n:07d}-{k}",
						"Patient Encounter",
						"drug_prescription",
						1,
						"Amoxicillin 500 mg",
						"1-1-1",
					)
				)
			allergies.append(
				(
					*base.values(),
					f"{PREFIX}-AL{n:07d}",
					f"{PREFIX}-P{n:07d}",
					practice,
					"active",
					"high",
					"Penicillin",
					"2024-01-01",
				)
			)
			problems.append(
				(
					*base.values(),
					f"{PREFIX}-PR{n:07d}",
					f"{PREFIX}-P{n:07d}",
					practice,
					"active",
					"J45.9",
					"Asthma",
					"2024-01-01",
				)
			)
		frappe.db.bulk_insert(
			"Patient Appointment",
			[
				*base,
				"name",
				"patient",
				"practitioner",
				"appointment_date",
				"appointment_time",
				"duration",
				"status",
				"company",
				"custom_practice",
				"appointment_for",
			],
			appointments,
		)
		frappe.db.bulk_insert(
			"Patient Encounter",
			[
				*base,
				"name",
				"patient",
				"practitioner",
				"encounter_date",
				"encounter_time",
				"docstatus",
				"company",
				"custom_practice",
			],
			encounters,
		)
		frappe.db.bulk_insert(
			"Drug Prescription",
			[*base, "name", "parent", "parenttype", "parentfield", "idx", "drug_name", "dosage"],
			drugs,
		)
		frappe.db.bulk_insert(
			"Patient Allergy",
			[*base, "name", "patient", "practice", "status", "criticality", "substance", "recorded_on"],
			allergies,
		)
		frappe.db.bulk_insert(
			"Patient Problem",
			[*base, "name", "patient", "practice", "status", "code", "condition_name", "recorded_on"],
			problems,
		)
		frappe.db.commit()
		print(f"  seeded {numbers.stop:,} patients", flush=True)


def export(practice: str, since: str | None) -> tuple[int, float, float]:
	"""(resources, seconds, peak MB) of one export job, in a process of its own."""
	doc = frappe.get_doc(
		{
			"doctype": "FHIR Bulk Export",
			"practice": practice,
			"level": "Group",
			"status": "Queued",
			"resource_types": TYPES,
			"since": since,
			"request_url": "benchmark",
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	started = time.perf_counter()
	child = subprocess.run(
		[sys.executable, "-c", CHILD, frappe.local.site, doc.name],
		check=True,
		cwd=os.getcwd(),
		capture_output=True,
		text=True,
	)
	seconds = time.perf_counter() - started
	peak = int(child.stdout.split()[-1]) / 1024  # the job's own process: kB -> MB
	doc.reload()
	if doc.status != "Completed":
		raise SystemExit(f"the export ended {doc.status}: {doc.error}")
	from medic_plus.fhir import bulk

	bulk.remove_files(doc.name)
	return doc.exported, seconds, peak


def run(args) -> None:
	from medic_plus import demo

	company = demo.default_company()
	practice = demo.ensure_practice(*PRACTICE, company=company)
	practitioner = demo.ensure_practitioner("Bench Bulk Doc")
	seed(args.patients, practice, practitioner, company)
	small = export_of_size(practice, args.patients // 4)
	full = export(practice, None)
	for label, (count, seconds, peak) in (("a quarter", small), ("all", full)):
		print(
			f"{label}: {count:,} resources in {seconds:.1f} s: {count / seconds:,.0f} a second "
			f"(target >= 5,000); peak {peak:.0f} MB (target <= 300)"
		)
	print(f"peak memory, all against a quarter: {full[2] / small[2]:.2f}x (flat: about 1)")


def export_of_size(practice: str, patients: int):
	"""The export of the practice's first ``patients`` patients' data, as a practice of its
	own would be: its rows moved into a second practice for the run, then moved back."""
	moved = f"{PREFIX}-P{patients:07d}"
	later = f"{practice}-later"
	for doctype, field, key in MOVED:
		frappe.db.sql(
			f"update `tab{doctype}` set `{field}` = %s where `{field}` = %s and `{key}` >= %s",
			(later, practice, moved),
		)
	frappe.db.commit()
	try:
		return export(practice, None)
	finally:
		for doctype, field, _key in MOVED:
			frappe.db.sql(f"update `tab{doctype}` set `{field}` = %s where `{field}` = %s", (practice, later))
		frappe.db.commit()


def cleanup() -> None:
	for doctype in (
		"Patient Appointment",
		"Patient Encounter",
		"Patient Allergy",
		"Patient Problem",
		"Patient",
	):
		frappe.db.delete(doctype, {"name": ("like", f"{PREFIX}-%")})
	frappe.db.delete("Drug Prescription", {"parent": ("like", f"{PREFIX}-E%")})
	frappe.db.commit()


def main() -> None:
	on_site(
		__doc__,
		1,
		cleanup,
		run,
		lambda parser: parser.add_argument("--patients", type=int, default=200_000),
	)


if __name__ == "__main__":
	main()
