"""Safe prescribing on a heavy chart: the checks one save of an encounter runs.

A patient with 20 active allergies and 30 current medications (three submitted
encounters of ten drugs each), 5,000 interaction rules on the site, and an encounter of
10 drug rows: times ``medic_plus.clinical.prescribing.check_encounter`` (what every save
of an encounter runs) and counts its queries. Target: median at most 50 ms, at most 10
queries.

Run by hand on a bench (the data is kept for re-runs; --cleanup removes it):

    cd ~/frappe-bench/sites
    ../env/bin/python ../apps/medic_plus/benchmarks/prescribing_checks.py --site test_site
"""

from __future__ import annotations

import frappe
from common import QueryCounter, on_site, timed
from frappe.utils import add_days, today

SLUG = "bench-rx"
SOURCE = "bench-rx"  # marks the benchmark's interaction rules
RULES = 5000
ALLERGIES = 20
DRUGS = 40  # 10 prescribed, 30 current
COLUMNS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"term_a",
	"term_b",
	"severity",
	"description",
	"source",
)


def seed() -> tuple[str, str]:
	from medic_plus import demo
	from medic_plus.clinical.prescribing import forget_rules

	company = demo.default_company()
	practice = demo.ensure_practice("Bench Prescribing", SLUG, "BRX01", company=company)
	practitioner = demo.ensure_practitioner("Bench Rx Doc")
	demo.ensure_member(
		practice, demo.ensure_user("bench-rx-doc@example.com", "Bench Rx"), "Doctor", practitioner
	)
	patient = demo.ensure_patient(practice, "Bench", "Chart", "bench-rx-chart@example.com")
	medications = [ensure_medication(i) for i in range(DRUGS)]
	if frappe.db.count("Patient Allergy", {"patient": patient}) < ALLERGIES:
		for i in range(ALLERGIES):
			substance = "BRX Class 3" if i == 0 else f"BRX Substance {i}"
			frappe.get_doc(
				{
					"doctype": "Patient Allergy",
					"patient": patient,
					"substance": substance,
					"criticality": "high",
				}
			).insert()
	if frappe.db.count("Drug Interaction Rule", {"source": SOURCE}) < RULES:
		frappe.db.delete("Drug Interaction Rule", {"source": SOURCE})
		now = frappe.utils.now()
		stamp = ("Administrator", "Administrator")
		pairs = [(f"BRX Term {i}", f"BRX Term {i + 1}", "Warning") for i in range(RULES - 2)]
		pairs += [("BRX Class 1", "BRX Class 2", "Blocking"), (medications[0], medications[20], "Blocking")]
		frappe.db.bulk_insert(
			"Drug Interaction Rule",
			COLUMNS,
			[
				(frappe.generate_hash(length=10), now, now, *stamp, *pair, "benchmark rule", SOURCE)
				for pair in pairs
			],
		)
		forget_rules()
	current = frappe.db.count("Patient Encounter", {"patient": patient, "docstatus": 1})
	for batch in range(current, 3):
		encounter(
			patient, practitioner, medications[10 + 10 * batch : 20 + 10 * batch], add_days(today(), -5)
		).submit()
	frappe.db.commit()  # nosemgrep: benchmark data, kept for re-runs
	return patient, practitioner


def ensure_medication(i: int) -> str:
	name = f"BRX Drug {i:02d}"
	if not frappe.db.exists("Medication", name):
		frappe.get_doc(
			{
				"doctype": "Medication",
				"generic_name": name,
				# the current drugs' classes differ from the prescribed ones': the seed's
				# own encounters raise nothing
				"medication_class": ensure_class(f"BRX {'Class' if i < 10 else 'Current Class'} {i % 8}"),
				"strength": 100,
				"strength_uom": frappe.db.exists("UOM", "Milligram"),
				"dosage_form": frappe.db.exists("Dosage Form", "Tablet"),
				"price_list": frappe.db.get_value("Price List", {"selling": 1}),
				"linked_items": [
					{
						"item_code": f"BRX-DRUG-{i:02d}",
						"item_group": frappe.db.exists("Item Group", "Drug")
						or frappe.db.get_value("Item Group", {"is_group": 0}),
						"stock_uom": "Nos",
						"is_billable": 1,
					}
				],
			}
		).insert()
	return name


def ensure_class(name: str) -> str:
	if not frappe.db.exists("Medication Class", name):
		frappe.get_doc({"doctype": "Medication Class", "medication_class": name}).insert()
	return name


def encounter(patient: str, practitioner: str, medications: list[str], day=None):
	from medic_plus.demo import new_encounter

	return new_encounter(patient, practitioner, medications, day).insert()


def cleanup() -> None:
	patient = frappe.db.get_value("Patient", {"email": "bench-rx-chart@example.com"})
	frappe.db.delete("Drug Interaction Rule", {"source": SOURCE})
	if patient:
		for name in frappe.get_all("Patient Encounter", {"patient": patient, "docstatus": 1}, pluck="name"):
			for request in frappe.get_all(
				"Medication Request", {"order_group": name, "docstatus": 1}, pluck="name"
			):
				frappe.get_doc("Medication Request", request).cancel()
			frappe.get_doc("Patient Encounter", name).cancel()
		for doctype in ("Medication Request", "Patient Encounter", "Patient Allergy"):
			for name in frappe.get_all(doctype, {"patient": patient}, pluck="name"):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	frappe.db.commit()  # nosemgrep


def main() -> None:
	on_site(__doc__, 30, cleanup, run)


def run(args) -> None:
	patient, practitioner = seed()
	from medic_plus.clinical.prescribing import check_encounter
	from medic_plus.demo import new_encounter

	meds = [f"BRX Drug {i:02d}" for i in range(10)]
	doc = new_encounter(patient, practitioner, meds)
	check_encounter(doc)  # warm the rule cache, as on a running site
	with QueryCounter() as queries:
		check_encounter(doc)
	median = timed(lambda: check_encounter(doc), args.runs)
	findings = {(r.kind, r.severity) for r in doc.custom_prescription_checks}
	print(f"encounter of {len(meds)} drugs, {ALLERGIES} allergies, 30 current drugs, {RULES} rules")
	print(f"findings: {len(doc.custom_prescription_checks)} {sorted(findings)}")
	print(f"check_encounter: median {median * 1000:.1f} ms over {args.runs} runs, {queries.count} queries")
	print(
		f"target: median <= 50 ms ({'met' if median <= 0.05 else 'NOT met'}), "
		f"<= 10 queries ({'met' if queries.count <= 10 else 'NOT met'})"
	)


if __name__ == "__main__":
	main()
