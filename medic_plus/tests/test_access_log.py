"""The access log over HTTP: each read, print or change of a patient's record by a
practice user is one entry with the right patient and practice, once the request has
succeeded; a refused request writes none; entries are the practice admins' to read, no
one's to change, and a batch survives a job that dies half-way."""

from __future__ import annotations

import json

import frappe

from medic_plus import durable
from medic_plus.privacy import access_log
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import api_token, ensure_outbox
from medic_plus.tests.http import request


class TestAccessLog(TenancyFixtureTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		access_log.flush()  # what earlier tests queued
		frappe.db.delete("Patient Access Log")
		frappe.db.commit()  # nosemgrep: the requests below run on other connections

	def tearDown(self):
		frappe.set_user("Administrator")
		access_log.flush()
		frappe.db.delete("Patient Access Log")
		frappe.db.commit()  # nosemgrep: as above
		super().tearDown()

	def get(self, user: str, path: str, **kwargs):
		return request("GET", path, headers={"Authorization": api_token(user)}, **kwargs)

	def entries(self):
		access_log.flush()
		return frappe.get_all(
			"Patient Access Log",
			fields=[
				"user",
				"action",
				"patient",
				"practice",
				"reference_doctype",
				"reference_name",
				"client_ip",
			],
			order_by="accessed_on asc, name asc",
		)

	def test_each_read_path_writes_one_entry_with_its_patient(self):
		fx = self.fx
		encounter = fx.a.records["Patient Encounter"]
		self.assertEqual(self.get(fx.a.doctor, f"/api/resource/Patient/{fx.a.patient}").status_code, 200)
		self.assertEqual(
			self.get(
				fx.a.doctor,
				"/api/method/frappe.desk.form.load.getdoc",
				query_string={"doctype": "Patient Encounter", "name": encounter},
			).status_code,
			200,
		)
		self.assertEqual(
			self.get(
				fx.a.doctor, "/printview", query_string={"doctype": "Patient", "name": fx.a.patient}
			).status_code,
			200,
		)
		allergy = fx.a.records["Patient Allergy"]
		self.assertEqual(
			self.get(fx.a.doctor, f"/api/v2/document/Patient Allergy/{allergy}").status_code, 200
		)
		rows = self.entries()
		self.assertEqual(
			[(r.user, r.action, r.patient, r.practice, r.reference_doctype, r.reference_name) for r in rows],
			[
				(fx.a.doctor, "read", fx.a.patient, fx.a.practice, "Patient", fx.a.patient),
				(fx.a.doctor, "read", fx.a.patient, fx.a.practice, "Patient Encounter", encounter),
				(fx.a.doctor, "print", fx.a.patient, fx.a.practice, "Patient", fx.a.patient),
				(fx.a.doctor, "read", fx.a.patient, fx.a.practice, "Patient Allergy", allergy),
			],
		)
		self.assertTrue(all(r.client_ip for r in rows))

	def test_a_download_of_an_attachment_and_a_save_are_logged(self):
		fx = self.fx
		frappe.set_user("Administrator")
		attachment = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"iso-log-{frappe.generate_hash(length=6)}.txt",
				"content": b"lab result",
				"is_private": 1,
				"attached_to_doctype": "Patient",
				"attached_to_name": fx.a.patient,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: the requests run on other connections
		try:
			self.assertEqual(self.get(fx.a.doctor, attachment.file_url).status_code, 200)
			patient = frappe.get_doc("Patient", fx.a.patient).as_dict()
			saved = request(
				"POST",
				"/api/method/frappe.desk.form.save.savedocs",
				headers={"Authorization": api_token(fx.a.recep)},
				data={"doc": frappe.as_json(patient), "action": "Save"},
			)
			self.assertEqual(saved.status_code, 200, saved.get_data(as_text=True)[:500])
			rows = self.entries()
			self.assertEqual(
				[(r.user, r.action, r.patient, r.reference_doctype) for r in rows],
				[
					(fx.a.doctor, "download", fx.a.patient, "Patient"),
					(fx.a.recep, "update", fx.a.patient, "Patient"),
				],
			)
		finally:
			frappe.set_user("Administrator")
			frappe.delete_doc("File", attachment.name, force=True, ignore_permissions=True)
			frappe.db.commit()  # nosemgrep: as above

	def test_a_refused_request_writes_nothing_and_a_list_one_entry(self):
		fx = self.fx
		self.assertEqual(self.get(fx.a.doctor, f"/api/resource/Patient/{fx.b.patient}").status_code, 404)
		encounter = fx.a.records["Patient Encounter"]
		self.assertEqual(
			self.get(fx.a.recep, f"/api/resource/Patient Encounter/{encounter}").status_code, 403
		)
		self.assertEqual(self.entries(), [])
		listed = self.get(fx.a.doctor, "/api/resource/Patient", query_string={"limit_page_length": 50})
		self.assertEqual(listed.status_code, 200)
		self.assertGreater(len(listed.json["data"]), 0)
		rows = self.entries()
		self.assertEqual(
			[(r.user, r.action, r.patient, r.practice, r.reference_doctype, r.reference_name) for r in rows],
			[(fx.a.doctor, "read", None, fx.a.practice, "Patient", None)],
		)

	def test_entries_past_the_retention_go(self):
		from frappe.utils import add_years, now_datetime

		entry = {
			"id": "mp-test-old",
			"user": self.fx.a.doctor,
			"doctype": "Patient",
			"name": self.fx.a.patient,
			"action": "read",
		}
		access_log._write(
			[
				{**entry, "at": add_years(now_datetime(), -7).isoformat()},
				{**entry, "id": "mp-test-recent", "at": add_years(now_datetime(), -5).isoformat()},
			]
		)
		self.assertEqual(access_log.purge(), 1)  # six years by default
		self.assertEqual(
			frappe.get_all("Patient Access Log", filters={"name": ("like", "mp-test-%")}, pluck="name"),
			["mp-test-recent"],
		)

	def test_entries_are_the_practice_admins_to_read_and_no_ones_to_change(self):
		fx = self.fx
		self.get(fx.a.doctor, f"/api/resource/Patient/{fx.a.patient}")
		self.get(fx.b.admin, f"/api/resource/Patient/{fx.b.patient}")
		self.assertEqual(len(self.entries()), 2)
		frappe.set_user(fx.a.admin)
		mine = frappe.get_list("Patient Access Log", fields=["patient", "name"])
		self.assertEqual([r.patient for r in mine], [fx.a.patient])
		other = frappe.get_all("Patient Access Log", filters={"patient": fx.b.patient}, pluck="name")[0]
		with self.assertRaises(frappe.DoesNotExistError):
			frappe.get_doc("Patient Access Log", other)
		entry = frappe.get_doc("Patient Access Log", mine[0].name)
		entry.action = "print"
		with self.assertRaises(frappe.PermissionError):
			entry.save()
		with self.assertRaises(frappe.PermissionError):
			frappe.delete_doc("Patient Access Log", entry.name)
		frappe.set_user(fx.a.doctor)  # doctors do not read the log
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list("Patient Access Log")
		self.assertEqual(
			self.get(fx.a.admin, "/api/resource/Patient Access Log").json["data"], [{"name": entry.name}]
		)

	def test_an_application_reading_over_fhir_is_logged_with_its_token(self):
		from medic_plus.core.fhir_map import fhir_id
		from medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token import issue_token

		fx = self.fx
		frappe.set_user(fx.a.admin)
		token = issue_token(fx.a.practice, "ISO access log")
		frappe.set_user("Administrator")
		frappe.db.commit()  # nosemgrep: the requests run on other connections
		try:
			auth = {"Authorization": f"Bearer {token['token']}"}
			patient = fhir_id(fx.a.patient)
			for path in (
				f"/fhir/R4/Patient/{patient}",
				f"/fhir/R4/Patient/{patient}/$everything",
				f"/fhir/R4/AllergyIntolerance?patient=Patient/{patient}",
				f"/fhir/R4/Patient/{fhir_id(fx.b.patient)}",  # another practice's: 404, not logged
			):
				request("GET", path, headers=auth)
			access_log.flush()
			rows = frappe.get_all(
				"Patient Access Log",
				fields=[
					"user",
					"fhir_token",
					"action",
					"patient",
					"practice",
					"reference_doctype",
					"reference_name",
				],
				order_by="accessed_on asc, name asc",
			)
			self.assertEqual(
				[
					(
						r.user,
						r.fhir_token,
						r.action,
						r.patient,
						r.practice,
						r.reference_doctype,
						r.reference_name,
					)
					for r in rows
				],
				[
					(None, token["name"], "read", fx.a.patient, fx.a.practice, "Patient", fx.a.patient),
					(None, token["name"], "export", fx.a.patient, fx.a.practice, "Patient", fx.a.patient),
					(None, token["name"], "read", fx.a.patient, fx.a.practice, "Patient Allergy", None),
				],
			)
		finally:
			frappe.db.delete("FHIR Access Token", {"label": "ISO access log"})
			frappe.db.commit()  # nosemgrep: as above

	def test_the_unusual_access_report_names_the_curious_user_to_their_practice_only(self):
		from frappe.utils import add_days, getdate, today

		from medic_plus.medic_plus.report.unusual_patient_access import unusual_patient_access as report

		fx = self.fx
		day = getdate(add_days(today(), -1))
		entries = []
		for k in range(1, 11):  # a usual day: five patients
			for i in range(5):
				entries.append((add_days(day, -k), f"ISO-USUAL-{i}"))
		entries += [(day, f"ISO-CURIOUS-{i}") for i in range(25)]
		access_log._write(
			[
				{
					"id": f"mp-test-unusual-{n}",
					"at": f"{at} 10:00:00",
					"user": fx.a.doctor,
					"doctype": "Patient",
					"name": fx.a.patient,
					"action": "read",
				}
				for n, (at, _patient) in enumerate(entries)
			]
		)
		# the rows name the fixture's patient; give each its own patient, as the log would
		for n, (_at, patient) in enumerate(entries):
			frappe.db.set_value("Patient Access Log", f"mp-test-unusual-{n}", "patient", patient)
		frappe.set_user(fx.a.admin)
		_columns, data = report.execute({"date": str(day)})
		self.assertEqual(
			[(r["user"], r["patients"], r["usual"], r["strangers"]) for r in data],
			[(fx.a.doctor, 25, 5.0, 25)],
		)
		frappe.set_user(fx.b.admin)
		self.assertEqual(report.execute({"date": str(day)})[1], [])

		# the daily mail: to the practice's admins, about their practice only
		frappe.set_user("Administrator")
		ensure_outbox()
		frappe.db.delete("Email Queue", {"reference_doctype": "Practice"})
		sent = report.send_daily()
		self.assertEqual(sent.get(fx.a.practice), 1)
		self.assertNotIn(fx.b.practice, sent)
		mails = frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": "Practice", "reference_name": fx.a.practice},
			pluck="name",
		)
		self.assertEqual(len(mails), 1)
		recipients = frappe.get_all("Email Queue Recipient", {"parent": mails[0]}, pluck="recipient")
		self.assertIn(fx.a.admin, recipients)
		self.assertNotIn(fx.b.admin, recipients)
		message = frappe.get_doc("Email Queue", mails[0]).message
		self.assertIn(fx.a.doctor, message)
		self.assertIn("Unusual access to patient records", message)

	def test_a_patient_reading_their_own_record_in_the_portal_is_no_unusual_access(self):
		"""25 records in a day by a portal user (actor Patient) are left out of the report;
		the same day by a practice user is reported."""
		from frappe.utils import add_days, getdate, today

		from medic_plus.medic_plus.report.unusual_patient_access import unusual_patient_access as report

		fx = self.fx
		day = getdate(add_days(today(), -1))
		for who, actor in (("portal-reader@patients.medic-plus.invalid", "Patient"), (fx.a.recep, None)):
			access_log._write(
				[
					{
						"id": f"mp-test-actor-{who}-{i}",
						"at": f"{day} 10:00:00",
						"user": who,
						"doctype": "Patient",
						"name": fx.a.patient,
						"action": "read",
						"actor": actor,
					}
					for i in range(25)
				]
			)
			for i in range(25):
				frappe.db.set_value(
					"Patient Access Log", f"mp-test-actor-{who}-{i}", "patient", f"ISO-ACTOR-{i}"
				)
		self.assertEqual(
			frappe.db.count("Patient Access Log", {"user": fx.a.recep, "actor": "Practice User"}), 25
		)
		frappe.set_user(fx.a.admin)
		_columns, data = report.execute({"date": str(day)})
		self.assertEqual([r["user"] for r in data], [fx.a.recep])

	def test_a_query_report_run_and_export_are_logged_as_lists(self):
		fx = self.fx
		report = {"report_name": "Practice Appointments", "filters": "{}"}
		ran = self.get(fx.a.admin, "/api/method/frappe.desk.query_report.run", query_string=report)
		self.assertEqual(ran.status_code, 200)
		exported = request(
			"POST",
			"/api/method/frappe.desk.query_report.export_query",
			headers={"Authorization": api_token(fx.a.admin)},
			data={**report, "file_format_type": "CSV", "visible_idx": "[]", "include_indentation": 0},
		)
		self.assertEqual(exported.status_code, 200, exported.get_data(as_text=True)[:300])
		rows = self.entries()
		self.assertEqual(
			[(r.user, r.action, r.patient, r.practice, r.reference_doctype, r.reference_name) for r in rows],
			[
				(fx.a.admin, "read", None, fx.a.practice, "Patient Appointment", None),
				(fx.a.admin, "export", None, fx.a.practice, "Patient Appointment", None),
			],
		)

	def test_the_log_holds_no_delete_up(self):
		fx = self.fx
		frappe.set_user(fx.a.doctor)
		draft = frappe.get_doc(
			{"doctype": "Patient Encounter", "patient": fx.a.patient, "practitioner": fx.a.practitioner}
		).insert()
		frappe.db.commit()  # nosemgrep: the request runs on another connection
		try:
			self.assertEqual(
				self.get(fx.a.doctor, f"/api/resource/Patient Encounter/{draft.name}").status_code, 200
			)
			self.assertEqual(len(self.entries()), 1)
			frappe.set_user(fx.a.admin)
			frappe.delete_doc("Patient Encounter", draft.name)  # a draft, opened once: it may go
			self.assertFalse(frappe.db.exists("Patient Encounter", draft.name))
			frappe.set_user("Administrator")
			self.assertEqual(len(self.entries()), 1)  # and the log keeps that it was opened
		finally:
			frappe.set_user("Administrator")
			frappe.delete_doc(
				"Patient Encounter", draft.name, force=True, ignore_permissions=True, ignore_missing=True
			)
			frappe.db.commit()  # nosemgrep: as above

	def test_a_batch_survives_a_job_that_died_before_it_was_done(self):
		entry = {
			"id": "mp-test-entry-1",
			"at": "2026-11-29T10:00:00",
			"user": self.fx.a.doctor,
			"doctype": "Patient",
			"name": self.fx.a.patient,
			"action": "read",
			"ip": "10.0.0.1",
			"agent": "test",
		}
		# the job took the batch and wrote it, then died before removing it
		durable.conn().rpush(durable.key(access_log.PROCESSING), json.dumps(entry))
		access_log._write([entry])
		frappe.db.commit()  # nosemgrep: as the dead job did
		self.assertEqual(access_log.flush(), 1)  # taken again, written once
		self.assertEqual(frappe.db.count("Patient Access Log", {"name": "mp-test-entry-1"}), 1)
		self.assertEqual(durable.conn().llen(durable.key(access_log.PROCESSING)), 0)
