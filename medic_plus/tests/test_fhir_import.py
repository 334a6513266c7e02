"""FHIR import into a practice: the dry run, the run, a second run that doubles nothing, a
file that names another practice's records, and the round trip: practice A exported with
$export, the files imported into a new practice C, A and C compared resource by resource."""

from __future__ import annotations

import io
import json
import zipfile
from unittest.mock import patch

import frappe

from medic_plus import demo
from medic_plus.core import fhir_read
from medic_plus.core.fhir_map import fhir_id as fid
from medic_plus.fhir import bulk, imports
from medic_plus.tenancy import context
from medic_plus.tests.compat import TenancyFixtureTestCase

# what may differ between a record and its import: ids, the practice, what only this
# platform's own naming gives (identifiers, a booking reference) and the references
VOLATILE = {"id", "identifier", "managingOrganization", "serviceProvider", "meta", "custodian"}


def comparable(resource: dict) -> str:
	"""A resource without what names it or its practice, references reduced to their type."""

	def strip(value):
		if isinstance(value, dict):
			if set(value) == {"reference"}:
				return value["reference"].split("/")[0]
			return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
		if isinstance(value, list):
			return [strip(v) for v in value]
		return value

	return json.dumps(strip(resource), sort_keys=True)


SOURCE = ("ISO Round Trip Source", "iso-round-trip-source", "ISORS")
TARGET = ("ISO Round Trip Target", "iso-round-trip-target", "ISORT")
CLEARED = (
	("Drug Prescription", None),
	("Patient Appointment", "custom_practice"),
	("Patient Encounter", "custom_practice"),
	("Vital Signs", "custom_practice"),
	("Patient Allergy", "practice"),
	("Patient Problem", "practice"),
	("Patient Consent", "practice"),
	("Patient Medical Record", "custom_practice"),
	("FHIR Import Link", "practice"),
	("FHIR Import", "practice"),
	("FHIR Bulk Export", "practice"),
	("Patient", "custom_practice"),
)


def clear(practice: str) -> None:
	"""Every record of the test's practices (the export and the import commit theirs)."""
	encounters = frappe.get_all("Patient Encounter", {"custom_practice": practice}, pluck="name")
	for doctype, field in CLEARED:
		if doctype == "Drug Prescription":
			if encounters:
				frappe.db.delete(doctype, {"parent": ("in", encounters), "parenttype": "Patient Encounter"})
			continue
		if doctype == "FHIR Bulk Export":
			for name in frappe.get_all(doctype, {field: practice}, pluck="name"):
				bulk.remove_files(name)
		frappe.db.delete(doctype, {field: practice})
	frappe.db.commit()  # nosemgrep: the practices' committed records are gone


def source_record(practice: str, practitioner: str) -> None:
	"""A small practice's record: two patients, a visit with its encounter (a prescription),
	an allergy, a chronic problem (ICD-10), vital signs."""
	from medic_plus.clinical.codes import load_shipped

	load_shipped()
	demo.ensure_formulary()
	appointment_type = demo.ensure_appointment_type()
	company = frappe.db.get_value("Practice", practice, "company") or demo.default_company()
	mia = demo.ensure_patient(practice, "Mia", "Roundtrip", "mia.roundtrip@example.com")
	noah = demo.ensure_patient(practice, "Noah", "Roundtrip", "noah.roundtrip@example.com", sex="Male")
	frappe.db.set_value("Patient", noah, {"dob": "2020-02-29", "mobile": "+27821234567"})
	visit = frappe.get_doc(
		{
			"doctype": "Patient Appointment",
			"patient": mia,
			"practitioner": practitioner,
			"appointment_type": appointment_type,
			"appointment_date": "2026-03-04",
			"appointment_time": "09:20:00",
			"duration": 20,
			"status": "Closed",
			"company": company,
			"custom_practice": practice,
		}
	)
	visit.flags.ignore_permissions = True
	visit.db_insert()
	encounter = demo.new_encounter(mia, practitioner, ["Amoxicillin 500 mg"], "2026-03-04")
	encounter.appointment = visit.name
	encounter.encounter_time = "09:25:00"
	encounter.flags.ignore_permissions = True
	encounter.insert().submit()
	frappe.get_doc(
		{
			"doctype": "Patient Allergy",
			"patient": mia,
			"substance": "Penicillin",
			"criticality": "high",
			"category": "medication",
			"reaction": "hives",
			"recorded_on": "2026-03-04",
		}
	).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Patient Problem",
			"patient": noah,
			"diagnosis": "J45.9-ICD-10",
			"chronic": 1,
			"onset": "2025-06-01",
			"recorded_on": "2026-03-04",
		}
	).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Vital Signs",
			"patient": noah,
			"signs_date": "2026-03-04",
			"signs_time": "10:00:00",
			"weight": 18.5,
			"bp_systolic": "100",
			"bp_diastolic": "65",
		}
	).insert(ignore_permissions=True).submit()
	frappe.db.commit()  # nosemgrep: the export job reads it


class TestFHIRImport(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		company = demo.default_company()
		cls.source = demo.ensure_practice(*SOURCE, company=company)
		cls.practice_c = demo.ensure_practice(*TARGET, company=company)
		clear(cls.source)
		clear(cls.practice_c)
		doctor = demo.ensure_user("iso-round-trip-doctor@example.com", "Iso Round Trip Doctor")
		cls.practitioner = demo.ensure_practitioner("ISO Round Trip Doc")
		demo.ensure_member(cls.source, doctor, "Doctor", cls.practitioner)
		with context.system_scope():
			source_record(cls.source, cls.practitioner)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		clear(cls.source)
		clear(cls.practice_c)
		super().tearDownClass()

	def setUp(self):
		super().setUp()
		frappe.set_user("Administrator")
		clear(self.practice_c)

	def attach(self, content: bytes, name: str) -> str:
		file = frappe.get_doc(
			{"doctype": "File", "file_name": name, "is_private": 1, "content": content}
		).insert(ignore_permissions=True)
		return file.file_url

	def new_import(self, content: bytes, name: str, practice: str | None = None):
		return frappe.get_doc(
			{
				"doctype": "FHIR Import",
				"practice": practice or self.practice_c,
				"source_file": self.attach(content, name),
			}
		).insert(ignore_permissions=True)

	def run_import(self, doc) -> dict:
		imports.start(doc.name)
		imports.run(doc.name)
		doc.reload()
		self.assertEqual(doc.status, "Completed", doc.error)
		return json.loads(doc.report)

	def export_of(self, practice: str) -> bytes:
		"""The practice's $export as a Bulk Data client gets it over HTTP (its token, the
		kick-off, the status polled until the manifest, each file downloaded), zipped; the
		job runs here, as a worker would."""
		from medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token import new_token
		from medic_plus.tests.http import request

		token = new_token(practice, "ISO round trip", frappe.utils.add_days(frappe.utils.now_datetime(), 1))
		frappe.db.commit()  # nosemgrep: the requests run on another thread
		auth = {"Authorization": f"Bearer {token}"}
		types = ",".join(t for t in bulk.SUPPORTED if t != "DocumentReference")
		with patch.object(bulk, "enqueue") as enqueue:
			kickoff = request(
				"GET",
				f"/fhir/R4/Group/{fid(practice)}/$export?_type={types}",
				{**auth, "Prefer": "respond-async"},
			)
		self.assertEqual(kickoff.status_code, 202, kickoff.get_data(as_text=True))
		status_path = kickoff.headers["Content-Location"].split("/fhir/R4", 1)[1]
		self.assertEqual(request("GET", f"/fhir/R4{status_path}", auth).status_code, 202)
		bulk.run(enqueue.call_args.args[0])
		done = request("GET", f"/fhir/R4{status_path}", auth)
		self.assertEqual(done.status_code, 200)
		buffer = io.BytesIO()
		with zipfile.ZipFile(buffer, "w") as archive:
			for item in json.loads(done.get_data(as_text=True))["output"]:
				file = request("GET", "/fhir/R4" + item["url"].split("/fhir/R4", 1)[1], auth)
				self.assertEqual(file.status_code, 200)
				archive.writestr(item["url"].rsplit("/", 1)[1], file.get_data())
		self.assertEqual(request("DELETE", f"/fhir/R4{status_path}", auth).status_code, 202)
		return buffer.getvalue()

	def resources(self, content: bytes) -> dict[str, list[dict]]:
		out: dict[str, list[dict]] = {}
		with zipfile.ZipFile(io.BytesIO(content)) as archive:
			for member in archive.namelist():
				for line in archive.read(member).decode().splitlines():
					resource = json.loads(line)
					out.setdefault(resource["resourceType"], []).append(resource)
		return out

	def test_the_round_trip_keeps_every_resource(self):
		exported = self.export_of(self.source)
		doc = self.new_import(exported, "practice-a.zip")
		with patch.object(frappe, "enqueue"):
			checked = imports.check(doc.name)
		doc.reload()
		self.assertEqual(doc.status, "Checked")
		self.assertEqual(frappe.db.count("Patient", {"custom_practice": self.practice_c}), 0)  # a dry run
		self.assertGreater(checked["create"], 0)
		with patch.object(frappe, "enqueue"):
			report = self.run_import(doc)
		self.assertEqual(report["refused"], [], report["refused"][:5])
		again = self.resources(self.export_of(self.practice_c))
		before = self.resources(exported)
		kept = set(fhir_read.ORDER) - {"Practitioner"}  # (a practitioner is shared: matched, not made)
		self.assertLessEqual(kept, set(before), "the source practice has a record of each kind")
		for rtype in sorted(kept):
			with self.subTest(rtype=rtype):
				self.assertEqual(
					sorted(comparable(r) for r in before.get(rtype, [])),
					sorted(comparable(r) for r in again.get(rtype, [])),
				)
		# C's records are C's, and nothing of C names the source practice
		self.assertEqual(
			frappe.db.count("Patient", {"custom_practice": self.practice_c}),
			frappe.db.count("Patient", {"custom_practice": self.source}),
		)
		self.assertNotIn(fid(self.source), json.dumps(again))

		# run twice: nothing doubled
		second = self.new_import(exported, "practice-a-again.zip")
		with patch.object(frappe, "enqueue"):
			imports.check(second.name)
			self.run_import(second)
		second.reload()
		self.assertEqual(second.to_create, 0)
		self.assertEqual(
			frappe.db.count("Patient", {"custom_practice": self.practice_c}),
			frappe.db.count("Patient", {"custom_practice": self.source}),
		)
		self.assertEqual(
			frappe.db.count(
				"Drug Prescription",
				{
					"parent": (
						"in",
						frappe.get_all(
							"Patient Encounter", {"custom_practice": self.practice_c}, pluck="name"
						),
					)
				},
			),
			len(before["MedicationRequest"]),
		)

	def test_a_file_never_writes_into_another_practice(self):
		fx = self.fx
		lines = [
			# names practice B's patient as its subject, and B as its organization
			{
				"resourceType": "AllergyIntolerance",
				"id": "x1",
				"patient": {"reference": f"Patient/{fid(fx.b.patient)}"},
				"code": {"text": "Latex"},
			},
			# claims to be B's patient by this platform's identifier: a new patient of C
			{
				"resourceType": "Patient",
				"id": "p1",
				"identifier": [{"system": "urn:medic-plus/patient", "value": fx.b.patient}],
				"name": [{"family": "Import", "given": ["Isolde"]}],
				"managingOrganization": {"reference": f"Organization/{fid(fx.b.practice)}"},
			},
			{"resourceType": "Claim", "id": "c1"},
			"not json",
		]
		lines.append(lines[1])  # the same patient twice in the file: one patient
		content = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines).encode()
		doc = self.new_import(content, "mixed.ndjson")
		b_allergies = frappe.db.count("Patient Allergy", {"practice": fx.b.practice})
		with patch.object(frappe, "enqueue"):
			imports.check(doc.name)
			report = self.run_import(doc)
		reasons = {r["line"]: r["reason"] for r in report["refused"]}
		self.assertEqual(set(reasons), {1, 3, 4}, report)
		self.assertIn(1, reasons)  # B's patient is not C's to write to
		self.assertIn("neither in the file nor imported before", reasons[1])
		self.assertIn(3, reasons)
		self.assertIn(4, reasons)
		self.assertEqual(frappe.db.count("Patient Allergy", {"practice": fx.b.practice}), b_allergies)
		created = frappe.get_all(
			"Patient", {"custom_practice": self.practice_c, "first_name": "Isolde"}, pluck="name"
		)
		self.assertEqual(len(created), 1)
		self.assertNotEqual(created[0], fx.b.patient)

	def test_a_csv_of_patients_checked_imported_and_imported_again(self):
		content = (
			b"First Name,Last Name,Sex,Date of Birth,Email,Mobile\n"
			b"Carla,Csvimport,F,1985-02-03,carla.csv@example.org,+27821112222\n"
			b"Bad,Date,M,03/02/1985,,\n"
			b"Conrad,Csvimport,M,1979-11-30,,+27823334444\n"
		)
		doc = self.new_import(content, "patients.csv")
		imports.check(doc.name)
		doc.reload()
		self.assertEqual((doc.to_create, doc.to_match, doc.refused), (2, 0, 1))
		self.assertEqual([r["line"] for r in json.loads(doc.report)["refused"]], [3])
		with patch.object(frappe, "enqueue"):
			self.run_import(doc)
		made = frappe.get_all(
			"Patient",
			filters={"custom_practice": self.practice_c, "last_name": "Csvimport"},
			fields=["first_name", "sex", "dob", "email", "mobile"],
			order_by="first_name",
		)
		self.assertEqual(
			[(p.first_name, p.sex, str(p.dob), p.email, p.mobile) for p in made],
			[
				("Carla", "Female", "1985-02-03", "carla.csv@example.org", "+27821112222"),
				("Conrad", "Male", "1979-11-30", None, "+27823334444"),
			],
		)
		again = self.new_import(content, "patients-again.csv")
		with patch.object(frappe, "enqueue"):
			imports.check(again.name)
			self.run_import(again)
		again.reload()
		self.assertEqual((again.to_create, again.to_match), (0, 2))
		self.assertEqual(
			frappe.db.count("Patient", {"custom_practice": self.practice_c, "last_name": "Csvimport"}), 2
		)

	def test_only_the_practices_admins_import(self):
		from medic_plus.api import imports as api

		fx = self.fx
		frappe.set_user(fx.a.admin)
		doc = frappe.get_doc(
			{
				"doctype": "FHIR Import",
				"practice": fx.a.practice,
				"source_file": self.attach(b"\n", "empty.ndjson"),
			}
		).insert()
		frappe.set_user(fx.a.doctor)
		with self.assertRaises(frappe.PermissionError):
			api.check(doc.name)
		frappe.set_user(fx.b.admin)
		with self.assertRaises((frappe.PermissionError, frappe.DoesNotExistError)):
			api.check(doc.name)
		frappe.set_user(fx.a.admin)
		self.assertEqual(api.check(doc.name), {"create": 0, "match": 0, "refused": 0})
