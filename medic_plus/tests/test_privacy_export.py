"""Export Everything: the ZIP a practice admin hands a patient who asks for their data."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import frappe

from medic_plus.api.privacy import export_patient
from medic_plus.core.fhir_map import fhir_id
from medic_plus.privacy import access_log
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.server import running_server


class TestExportEverything(TenancyFixtureTestCase):
	def export(self, user: str, patient: str) -> zipfile.ZipFile:
		frappe.set_user(user)
		frappe.local.response = frappe._dict()
		export_patient(patient)
		self.assertEqual(frappe.local.response.type, "download")
		self.assertEqual(frappe.local.response.filename, f"{patient}-record.zip")
		return zipfile.ZipFile(io.BytesIO(frappe.local.response.filecontent))

	def test_the_export_holds_the_patients_data_and_nothing_of_anyone_else(self):
		from medic_plus import demo

		fx = self.fx
		frappe.set_user(fx.a.doctor)
		encounter = demo.new_encounter(fx.a.patient, fx.a.practitioner, [])
		encounter.custom_subjective = "Exported note."
		encounter.insert().submit()
		frappe.db.commit()  # nosemgrep: wkhtmltopdf loads the print's styles from a web server
		host = frappe.local.conf.host_name
		try:
			with running_server(workers=1) as url:
				frappe.local.conf.host_name = url
				archive = self.export(fx.a.admin, fx.a.patient)
		finally:
			frappe.local.conf.host_name = host
			frappe.set_user("Administrator")
			for request in frappe.get_all(
				"Medication Request", {"order_group": encounter.name}, pluck="name"
			):
				frappe.delete_doc("Medication Request", request, force=True, ignore_permissions=True)
			encounter.reload()
			encounter.cancel()
			frappe.delete_doc("Patient Encounter", encounter.name, force=True, ignore_permissions=True)
			frappe.db.commit()  # nosemgrep: remove what was committed
		pdf = archive.read(f"consultation-notes/{encounter.name}.pdf")
		self.assertTrue(pdf.startswith(b"%PDF"))
		self.assertIn("fhir-everything.json", archive.namelist())
		self.assertIn("access-log.csv", archive.namelist())
		bundle = json.loads(archive.read("fhir-everything.json"))
		resources = [e["resource"] for e in bundle["entry"]]
		self.assertEqual(bundle["total"], len(resources))
		types = {r["resourceType"] for r in resources}
		self.assertTrue(
			{"Patient", "Appointment", "Encounter", "AllergyIntolerance", "Condition"} <= types, types
		)
		text = json.dumps(bundle)
		self.assertNotIn(fhir_id(fx.b.patient), text)
		self.assertNotIn(fx.b.practice, text)
		patients = {r["id"] for r in resources if r["resourceType"] == "Patient"}
		self.assertEqual(patients, {fhir_id(fx.a.patient)})
		header = next(csv.reader(io.StringIO(archive.read("access-log.csv").decode())))
		self.assertEqual(header[:4], ["when", "user", "fhir_token", "action"])
		# the export is logged
		frappe.set_user("Administrator")
		access_log.flush()
		self.assertTrue(
			frappe.db.exists(
				"Patient Access Log", {"patient": fx.a.patient, "action": "export", "user": fx.a.admin}
			)
		)

	def test_over_http_it_is_a_zip_download(self):
		from medic_plus.tests.fixtures import api_token
		from medic_plus.tests.http import request

		fx = self.fx
		response = request(
			"GET",
			"/api/method/medic_plus.api.privacy.export_patient",
			headers={"Authorization": api_token(fx.a.admin)},
			query_string={"patient": fx.a.patient},
		)
		self.assertEqual(response.status_code, 200)
		self.assertIn(f"{fx.a.patient}-record.zip", response.headers["Content-Disposition"])
		self.assertIn("fhir-everything.json", zipfile.ZipFile(io.BytesIO(response.data)).namelist())
		denied = request(
			"GET",
			"/api/method/medic_plus.api.privacy.export_patient",
			headers={"Authorization": api_token(fx.b.admin)},
			query_string={"patient": fx.a.patient},
		)
		self.assertEqual(denied.status_code, 404)

	def test_only_the_patients_practice_admins_export(self):
		fx = self.fx
		with self.assertRaises(frappe.DoesNotExistError):
			self.export(fx.b.admin, fx.a.patient)
		with self.assertRaises(frappe.PermissionError):
			self.export(fx.a.doctor, fx.a.patient)
		with self.assertRaises(frappe.PermissionError):
			self.export(fx.a.recep, fx.a.patient)
