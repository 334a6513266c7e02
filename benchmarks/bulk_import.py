"""Importing patients from FHIR NDJSON: patients a second, and a second run of the same file
that doubles nothing.

A file of ``--patients`` Patient resources (50,000 by default), each with an e-mail address,
a mobile number and a birth date, is imported into the practice "Bench Import" (the dry
run, then the run, in-process, as the job runs them); then imported again.

Targets: at least 500 patients a second; the second run creates nothing.

Run by hand on a bench (--cleanup removes the practice's patients and imports):

    cd ~/frappe-bench/sites
    ../env/bin/python ../apps/medic_plus/benchmarks/bulk_import.py --site test_site --patients 2000
"""

from __future__ import annotations

import json
import time
from unittest.mock import patch

import frappe
from common import on_site

PRACTICE = ("Bench Import", "bench-import", "BIMP")


def ndjson(patients: int) -> bytes:
	lines = []
	for n in range(patients):
		lines.append(
			json.dumps(
				{
					"resourceType": "Patient",
					"id": f"src-{n}",
					"name": [{"family": f"Importee{n}", "given": ["Bench"]}],
					"gender": "female" if n % 2 else "male",
					"birthDate": f"19{50 + n % 50:02d}-0{1 + n % 9}-1{n % 9}",
					"telecom": [
						{"system": "email", "value": f"bench-import-{n}@example.com"},
						{"system": "phone", "use": "mobile", "value": f"+2782{n:07d}"},
					],
				}
			)
		)
	return "\n".join(lines).encode()


def imported(practice: str, content: bytes) -> tuple[float, float, dict]:
	"""(seconds of the dry run, seconds of the run, the run's figures)."""
	from medic_plus.fhir import imports

	file = frappe.get_doc(
		{"doctype": "File", "file_name": "bench-import.ndjson", "is_private": 1, "content": content}
	).insert(ignore_permissions=True)
	doc = frappe.get_doc(
		{"doctype": "FHIR Import", "practice": practice, "source_file": file.file_url}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	started = time.perf_counter()
	imports.check(doc.name)
	checked = time.perf_counter() - started
	with patch.object(frappe, "enqueue"):
		imports.start(doc.name)
	started = time.perf_counter()
	imports.run(doc.name)
	ran = time.perf_counter() - started
	doc.reload()
	return checked, ran, {"created": doc.to_create, "matched": doc.to_match, "refused": doc.refused}


def run(args) -> None:
	from medic_plus import demo

	practice = demo.ensure_practice(*PRACTICE, company=demo.default_company())
	cleanup_practice(practice)
	content = ndjson(args.patients)
	checked, ran, first = imported(practice, content)
	print(
		f"first import of {args.patients:,} patients: dry run {checked:.1f} s, run {ran:.1f} s: "
		f"{args.patients / ran:,.0f} patients a second (target >= 500); {first}"
	)
	checked, ran, second = imported(practice, content)
	count = frappe.db.count("Patient", {"custom_practice": practice})
	print(
		f"second import of the same file: run {ran:.1f} s; {second}; patients of the practice: "
		f"{count:,} (doubles: {count - args.patients})"
	)


def cleanup_practice(practice: str) -> None:
	for doctype, field in (
		("FHIR Import Link", "practice"),
		("FHIR Import", "practice"),
		("Patient", "custom_practice"),
	):
		frappe.db.delete(doctype, {field: practice})
	frappe.db.commit()


def cleanup() -> None:
	name = frappe.db.get_value("Practice", {"slug": PRACTICE[1]})
	if name:
		cleanup_practice(name)


def main() -> None:
	on_site(
		__doc__,
		1,
		cleanup,
		run,
		lambda parser: parser.add_argument("--patients", type=int, default=50_000),
	)


if __name__ == "__main__":
	main()
