"""FHIR Bulk Data $export over HTTP (in-process WSGI requests on another thread): the
kick-off, the status, the manifest, the files, the refusals and the job's recovery."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from unittest.mock import patch

import frappe
from fhir.resources.R4B import get_fhir_model_class
from frappe.utils import add_to_date, now_datetime

from medic_plus.core.fhir_map import fhir_id as fid
from medic_plus.fhir import bulk
from medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token import issue_token
from medic_plus.privacy import access_log
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import PASSWORD
from medic_plus.tests.http import new_client, request
from medic_plus.tests.server import running_server

BASE = "/fhir/R4"
LABEL = "ISO bulk export"
ASYNC = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


def signed_in(user: str, paths: list[str]) -> list:
	"""GET each path with ``Prefer: respond-async`` in one session of ``user``."""
	client, site, out = new_client(), frappe.local.site, []

	def run():
		with patch("frappe.app.get_site_name", return_value=site):
			client.post("/api/method/login", data={"usr": user, "pwd": PASSWORD})
			out.extend(client.get(path, headers=ASYNC) for path in paths)

	thread = threading.Thread(target=run)
	thread.start()
	thread.join()
	return out


def outcome(response):
	body = json.loads(response.get_data(as_text=True))
	assert body["resourceType"] == "OperationOutcome", body
	return body["issue"][0]


class TestBulkExport(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fx = cls.fx
		frappe.set_user(fx.a.admin)
		cls.token_a = issue_token(fx.a.practice, LABEL)["token"]
		frappe.set_user(fx.b.admin)
		cls.token_b = issue_token(fx.b.practice, LABEL)["token"]
		frappe.set_user("Administrator")
		frappe.db.commit()  # nosemgrep: requests on other threads must see them

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in frappe.get_all(bulk.DOCTYPE, pluck="name"):
			frappe.delete_doc(bulk.DOCTYPE, name, force=True, ignore_permissions=True)
		frappe.db.delete("FHIR Access Token", {"label": LABEL})
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def setUp(self):
		self.queued = []
		patcher = patch.object(bulk, "enqueue", side_effect=self.queued.append)
		patcher.start()
		self.addCleanup(patcher.stop)

	def auth(self, token=None, **more):
		return {"Authorization": f"Bearer {token or self.token_a}", **more}

	def kickoff(self, path=None, token=None, headers=None):
		path = path or f"/Group/{fid(self.fx.a.practice)}/$export"
		return request("GET", BASE + path, headers if headers is not None else self.auth(token, **ASYNC))

	def started(self, path=None, token=None) -> str:
		response = self.kickoff(path, token)
		self.assertEqual(response.status_code, 202, response.get_data(as_text=True))
		location = response.headers["Content-Location"]
		self.assertIn(f"{BASE}/$export-status/", location)
		name = location.rsplit("/", 1)[1]
		self.assertEqual(self.queued[-1], name)
		return name

	def status(self, name, token=None, method="GET"):
		return request(method, f"{BASE}/$export-status/{name}", self.auth(token))

	def finished(self, path=None, token=None) -> tuple[str, dict]:
		name = self.started(path, token)
		bulk.run(name)
		response = self.status(name, token)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		self.assertEqual(response.headers["Content-Type"], "application/json")
		self.assertIn("Expires", response.headers)
		return name, json.loads(response.get_data(as_text=True))

	def fetch(self, url, token=None):
		return request("GET", url[url.index(BASE) :], self.auth(token))

	def resources(self, manifest, token=None) -> list[dict]:
		out = []
		for item in manifest["output"]:
			response = self.fetch(item["url"], token)
			self.assertEqual(response.status_code, 200)
			self.assertEqual(response.headers["Content-Type"], "application/fhir+ndjson")
			lines = response.get_data(as_text=True).splitlines()
			self.assertEqual(len(lines), item["count"])
			for line in lines:
				resource = json.loads(line)
				self.assertEqual(resource["resourceType"], item["type"])
				get_fhir_model_class(item["type"]).model_validate(resource)  # valid FHIR
				out.append(resource)
		return out

	# --- the whole round ------------------------------------------------------------------

	def test_a_group_export_holds_the_practice_and_nothing_of_another(self):
		fx = self.fx
		name = self.started()
		waiting = self.status(name)
		self.assertEqual(waiting.status_code, 202)
		self.assertIn("X-Progress", waiting.headers)
		self.assertTrue(int(waiting.headers["Retry-After"]) >= 1)
		bulk.run(name)
		response = self.status(name)
		manifest = json.loads(response.get_data(as_text=True))
		self.assertTrue(manifest["requiresAccessToken"])
		self.assertTrue(manifest["request"].endswith(f"/Group/{fid(fx.a.practice)}/$export"))
		# (a document that cannot be printed here, with no web server for its styles, is an error
		# entry: test_a_document_that_does_not_print_is_an_error_not_the_end)
		self.assertTrue(all(e["type"] == "OperationOutcome" for e in manifest["error"]))
		resources = self.resources(manifest)
		by_type = {}
		for r in resources:
			by_type.setdefault(r["resourceType"], set()).add(r["id"])
		self.assertIn(fid(fx.a.patient), by_type["Patient"])
		self.assertEqual(by_type["Organization"], {fid(fx.a.practice)})
		self.assertIn(fid(fx.a.practitioner), by_type["Practitioner"])
		for rtype in ("Appointment", "Encounter", "AllergyIntolerance", "Condition", "MedicationRequest"):
			self.assertIn(rtype, by_type)
		text = json.dumps(resources)
		for other in (fx.b.patient, fx.b.practice, fx.b.practitioner, fx.b.records["Patient Encounter"]):
			self.assertNotIn(fid(other), text)
		# the manifest and files of A are not B's to read
		self.assertEqual(self.status(name, self.token_b).status_code, 404)
		self.assertEqual(self.fetch(manifest["output"][0]["url"], self.token_b).status_code, 404)
		# a group export is logged once, as a list of the practice's patients
		access_log.flush()
		self.assertTrue(
			frappe.db.exists(
				"Patient Access Log",
				{"practice": fx.a.practice, "action": "export", "reference_name": ("is", "not set")},
			)
		)

	def test_type_and_since_narrow_the_export(self):
		_name, manifest = self.finished(f"/Group/{fid(self.fx.a.practice)}/$export?_type=Patient,Condition")
		self.assertEqual({o["type"] for o in manifest["output"]}, {"Patient", "Condition"})
		later = add_to_date(now_datetime(), days=1).strftime("%Y-%m-%dT%H:%M:%S+02:00")
		_name, manifest = self.finished(
			f"/Group/{fid(self.fx.a.practice)}/$export?_type=Patient&_since={later.replace('+', '%2B')}"
		)
		self.assertEqual(manifest["output"], [])

	def test_a_patient_level_export_logs_each_patient(self):
		fx = self.fx
		_name, manifest = self.finished(
			"/Patient/$export?_type=Patient&_outputFormat=application/fhir%2Bndjson"
		)
		ids = {r["id"] for r in self.resources(manifest)}
		self.assertIn(fid(fx.a.patient), ids)
		self.assertNotIn(fid(fx.b.patient), ids)
		access_log.flush()
		self.assertTrue(
			frappe.db.exists(
				"Patient Access Log",
				{"patient": fx.a.patient, "action": "export", "fhir_token": ("is", "set")},
			)
		)

	def test_a_printed_sick_note_comes_as_a_document_reference_with_its_pdf(self):
		fx = self.fx
		note = self.submitted_sick_note()
		frappe.db.commit()  # nosemgrep: wkhtmltopdf loads the print's styles from a web server
		self.addCleanup(self.drop, "Sick Note", note.name)
		attached = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "iso-bulk-lab-results.txt",
				"is_private": 1,
				"content": "Lab results: normal.",
				"attached_to_doctype": "Patient",
				"attached_to_name": fx.a.patient,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: the export job reads it
		self.addCleanup(self.drop_file, attached.name)
		host = frappe.local.conf.host_name
		try:
			with running_server(workers=1) as url:
				frappe.local.conf.host_name = url
				_name, manifest = self.finished(
					f"/Group/{fid(fx.a.practice)}/$export?_type=DocumentReference"
				)
		finally:
			frappe.local.conf.host_name = host
		documents = {r["id"]: r for r in self.resources(manifest)}
		reference = documents[fid(note.name)]
		self.assertEqual(reference["subject"]["reference"], f"Patient/{fid(fx.a.patient)}")
		attachment = reference["content"][0]["attachment"]
		pdf = self.fetch(attachment["url"])
		self.assertEqual(pdf.status_code, 200)
		content = pdf.get_data()
		self.assertTrue(content.startswith(b"%PDF"))
		self.assertEqual(attachment["size"], len(content))
		self.assertEqual(attachment["hash"], base64.b64encode(hashlib.sha1(content).digest()).decode())
		self.assertEqual(self.fetch(attachment["url"], self.token_b).status_code, 404)
		# a file attached to the patient's record comes with its content, as a download
		lab = next(r for r in documents.values() if r.get("description") == "iso-bulk-lab-results.txt")
		self.assertEqual(lab["subject"]["reference"], f"Patient/{fid(fx.a.patient)}")
		content = self.fetch(lab["content"][0]["attachment"]["url"])
		self.assertEqual(content.get_data(), b"Lab results: normal.")
		self.assertTrue(content.headers["Content-Disposition"].startswith("attachment"))

	def drop_file(self, name):
		frappe.delete_doc("File", name, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep

	def test_a_document_that_does_not_print_is_an_error_not_the_end(self):
		fx = self.fx
		note = self.submitted_sick_note()
		frappe.db.commit()  # nosemgrep: the export job reads it
		self.addCleanup(self.drop, "Sick Note", note.name)
		with patch("medic_plus.clinical.printing.judged_pdf", side_effect=OSError("wkhtmltopdf failed")):
			_name, manifest = self.finished(
				f"/Group/{fid(fx.a.practice)}/$export?_type=Patient,DocumentReference"
			)
		self.assertIn("Patient", {o["type"] for o in manifest["output"]})
		errors = []
		for item in manifest["error"]:
			errors += [
				json.loads(line) for line in self.fetch(item["url"]).get_data(as_text=True).splitlines()
			]
		self.assertIn(
			f"Sick Note {note.name} could not be printed as PDF.",
			[e["issue"][0]["diagnostics"] for e in errors],
		)

	def submitted_sick_note(self):
		fx = self.fx
		note = frappe.get_doc(
			{
				"doctype": "Sick Note",
				"patient": fx.a.patient,
				"practice": fx.a.practice,
				"practitioner": fx.a.practitioner,
				"date_from": frappe.utils.today(),
				"date_to": frappe.utils.today(),
			}
		)
		frappe.set_user(fx.a.doctor)
		note.insert().submit()
		frappe.set_user("Administrator")
		return note

	def drop(self, doctype, name):
		frappe.set_user("Administrator")
		doc = frappe.get_doc(doctype, name)
		if doc.docstatus == 1:
			doc.cancel()
		frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep

	# --- refusals -------------------------------------------------------------------------

	def test_kickoff_refusals(self):
		fx = self.fx
		group = f"/Group/{fid(fx.a.practice)}/$export"
		cases = (
			("no Prefer", group, self.auth(), 400, "invalid"),
			("unknown _type", group + "?_type=Patient,Claim", self.auth(**ASYNC), 400, "not-supported"),
			("another format", group + "?_outputFormat=text/csv", self.auth(**ASYNC), 400, "not-supported"),
			("a bad _since", group + "?_since=yesterday", self.auth(**ASYNC), 400, "invalid"),
			("no token", group, dict(ASYNC), 401, "login"),
			(
				"another practice's group",
				f"/Group/{fid(fx.b.practice)}/$export",
				self.auth(**ASYNC),
				404,
				"not-found",
			),
		)
		for label, path, headers, code, issue in cases:
			with self.subTest(label):
				response = self.kickoff(path, headers=headers)
				self.assertEqual(response.status_code, code, response.get_data(as_text=True))
				self.assertEqual(outcome(response)["code"], issue)
		self.assertEqual(self.queued, [])
		missing = self.kickoff("/Group/NO-SUCH-PRACTICE/$export")
		foreign = self.kickoff(f"/Group/{fid(fx.b.practice)}/$export")
		self.assertEqual(
			missing.get_data(as_text=True).replace("NO-SUCH-PRACTICE", "X"),
			foreign.get_data(as_text=True).replace(fid(fx.b.practice), "X"),
		)

	def test_sessions_an_admin_may_a_doctor_may_not(self):
		fx = self.fx
		group = f"{BASE}/Group/{fid(fx.a.practice)}/$export"
		admin = signed_in(fx.a.admin, [group])
		self.assertEqual(admin[0].status_code, 202, admin[0].get_data(as_text=True))
		doctor = signed_in(fx.a.doctor, [group, f"{BASE}/Patient/$export"])
		self.assertEqual([r.status_code for r in doctor], [403, 403])
		self.assertEqual(outcome(doctor[0])["code"], "forbidden")

	def test_cancel_removes_the_files_and_the_export(self):
		name, manifest = self.finished(f"/Group/{fid(self.fx.a.practice)}/$export?_type=Patient")
		self.assertTrue(os.path.isdir(bulk.folder(name)))
		self.assertEqual(self.status(name, self.token_b, "DELETE").status_code, 404)
		response = self.status(name, method="DELETE")
		self.assertEqual(response.status_code, 202)
		self.assertFalse(os.path.exists(bulk.folder(name)))
		self.assertEqual(self.status(name).status_code, 404)
		self.assertEqual(self.fetch(manifest["output"][0]["url"]).status_code, 404)

	def test_expired_files_are_gone(self):
		name, manifest = self.finished(f"/Group/{fid(self.fx.a.practice)}/$export?_type=Patient")
		frappe.db.set_value(bulk.DOCTYPE, name, "expires_on", add_to_date(now_datetime(), hours=-1))
		frappe.db.commit()  # nosemgrep
		response = self.fetch(manifest["output"][0]["url"])
		self.assertEqual(response.status_code, 410)
		self.assertEqual(outcome(response)["code"], "expired")
		self.assertEqual(self.status(name).status_code, 410)
		bulk.expire()
		self.assertEqual(frappe.db.get_value(bulk.DOCTYPE, name, "status"), "Expired")
		self.assertFalse(os.path.exists(bulk.folder(name)))

	def test_a_file_name_outside_the_export_is_404(self):
		name, _manifest = self.finished(f"/Group/{fid(self.fx.a.practice)}/$export?_type=Patient")
		for file_name in ("../../site_config.json", "Patient-9.ndjson", "documents/abc.pdf"):
			with self.subTest(file_name):
				response = request("GET", f"{BASE}/$export-file/{name}/{file_name}", self.auth())
				self.assertEqual(response.status_code, 404)

	def test_a_job_whose_worker_died_starts_again_then_fails(self):
		name = self.started(f"/Group/{fid(self.fx.a.practice)}/$export?_type=Patient")
		stale = add_to_date(now_datetime(), minutes=-30)
		frappe.db.set_value(
			bulk.DOCTYPE, name, {"status": "In Progress", "attempts": 1}, update_modified=False
		)
		frappe.db.sql("update `tabFHIR Bulk Export` set modified=%s where name=%s", (stale, name))
		bulk.recover()
		self.assertEqual(frappe.db.get_value(bulk.DOCTYPE, name, "status"), "Queued")
		self.assertEqual(self.queued[-1], name)
		bulk.run(name)
		self.assertEqual(frappe.db.get_value(bulk.DOCTYPE, name, "status"), "Completed")
		frappe.db.set_value(bulk.DOCTYPE, name, {"status": "In Progress", "attempts": bulk.ATTEMPTS})
		frappe.db.sql("update `tabFHIR Bulk Export` set modified=%s where name=%s", (stale, name))
		bulk.recover()
		self.assertEqual(frappe.db.get_value(bulk.DOCTYPE, name, "status"), "Failed")
		self.assertEqual(outcome(self.status(name))["code"], "exception")
