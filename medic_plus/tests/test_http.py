"""The tenant wall over HTTP: /api/resource and the Desk form loader answer another
practice's record exactly as a record that does not exist."""

import frappe

from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.fixtures import api_token, get_fixture
from medic_plus.tests.http import request, shape
from medic_plus.tests.test_isolation import ISOLATED_DOCTYPES

MISSING = "ISO-DOES-NOT-EXIST"


class TestResourceAPI(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.fx = get_fixture()
		cls.auth = {"Authorization": api_token(cls.fx.a.admin)}

	def test_other_practice_record_is_404_exactly_like_a_missing_one(self):
		for doctype in ISOLATED_DOCTYPES:
			with self.subTest(doctype=doctype):
				other = self.fx.record("b", doctype)
				foreign = request("GET", f"/api/resource/{doctype}/{other}", self.auth)
				missing = request("GET", f"/api/resource/{doctype}/{MISSING}", self.auth)
				self.assertEqual(foreign.status_code, 404)
				self.assertEqual(shape(foreign, other), shape(missing, MISSING))

	def test_own_practice_record_is_served(self):
		response = request("GET", f"/api/resource/Patient/{self.fx.a.patient}", self.auth)
		self.assertEqual(response.status_code, 200)
		self.assertEqual(response.json["data"]["custom_practice"], self.fx.a.practice)

	def test_other_practice_record_cannot_be_changed_or_deleted_over_http(self):
		other = self.fx.b.patient
		put = request("PUT", f"/api/resource/Patient/{other}", self.auth, json={"first_name": "Hacked"})
		delete = request("DELETE", f"/api/resource/Patient/{other}", self.auth)
		self.assertEqual((put.status_code, delete.status_code), (404, 404))
		self.assertEqual(frappe.db.get_value("Patient", other, "first_name"), "IsoB")

	def test_list_over_http_holds_only_own_practice(self):
		response = request(
			"GET",
			'/api/resource/Patient?fields=["name","custom_practice"]&limit_page_length=0',
			self.auth,
		)
		self.assertEqual(response.status_code, 200)
		self.assertEqual({r["custom_practice"] for r in response.json["data"]}, {self.fx.a.practice})

	def test_desk_form_loader_over_http(self):
		other = self.fx.b.patient
		foreign = request(
			"GET", f"/api/method/frappe.desk.form.load.getdoc?doctype=Patient&name={other}", self.auth
		)
		missing = request(
			"GET", f"/api/method/frappe.desk.form.load.getdoc?doctype=Patient&name={MISSING}", self.auth
		)
		self.assertEqual(shape(foreign, other), shape(missing, MISSING))

	def test_count_over_http(self):
		response = request(
			"GET",
			f'/api/method/frappe.client.get_count?doctype=Patient&filters={{"name": "{self.fx.b.patient}"}}',
			self.auth,
		)
		self.assertEqual(response.status_code, 200)
		self.assertEqual(response.json["message"], 0)


class TestHealthcareMethods(IntegrationTestCase):
	"""Healthcare's whitelisted methods that take a record by name and read or change it
	without a permission check of their own."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.fx = get_fixture()
		cls.auth = {"Authorization": api_token(cls.fx.a.admin)}

	def call(self, method: str, **args):
		path = f"/api/method/healthcare.healthcare.doctype.{method}"
		return request("POST", path, self.auth, json=args)

	def test_method_argument_of_another_practice_is_404_like_a_missing_one(self):
		method = "patient_appointment.patient_appointment.get_procedure_prescribed"
		foreign = self.call(method, patient=self.fx.b.patient)
		missing = self.call(method, patient=MISSING)
		self.assertEqual(foreign.status_code, 404)
		self.assertEqual(shape(foreign, self.fx.b.patient), shape(missing, MISSING))
		self.assertEqual(self.call(method, patient=self.fx.a.patient).status_code, 200)

	def test_healthcare_methods_the_gate_alone_holds(self):
		"""Healthcare's methods on the allowlist as they are (no wrapper): the gate checks
		their record argument before they run, so another practice's record answers exactly
		like a missing one, and the practice's own is served."""
		import inspect

		from medic_plus.gate import allowlist

		overridden = frappe.get_hooks("override_whitelisted_methods")
		records = {
			"patient": ("Patient", {}),
			"appointment_name": ("Patient Appointment", {"date": "2026-01-01"}),
		}
		probed = set()
		for method in allowlist.DESK["healthcare_direct"]:
			self.assertNotIn(method, overridden, "runs as it is")
			params = inspect.signature(frappe.get_attr(method)).parameters
			for arg, (doctype, extra) in records.items():
				if arg not in params:
					continue
				other, own = self.fx.record("b", doctype), self.fx.record("a", doctype)
				path = f"/api/method/{method}"
				with self.subTest(method=method):
					foreign = request("POST", path, self.auth, json={arg: other, **extra})
					missing = request("POST", path, self.auth, json={arg: MISSING, **extra})
					self.assertEqual(foreign.status_code, 404, foreign.get_data(as_text=True)[:300])
					self.assertEqual(shape(foreign, other), shape(missing, MISSING))
					served = request("POST", path, self.auth, json={arg: own, **extra})
					self.assertEqual(served.status_code, 200, served.get_data(as_text=True)[:300])
					probed.add(method.rsplit(".", 1)[1])
		self.assertEqual(
			probed,
			{
				"get_patient_detail",
				"get_procedure_prescribed",
				"get_prescribed_therapies",
				"check_payment_reqd",
				"get_fee_validity",
			},
		)

	def test_form_documents_sent_as_json_pass(self):
		doc = frappe.as_json({"doctype": "Patient Appointment", "patient": self.fx.a.patient, "invoiced": 0})
		response = self.call(
			"patient_appointment.patient_appointment.check_payment_reqd", patient=self.fx.a.patient
		)
		self.assertEqual(response.status_code, 200)
		response = self.call("patient_appointment.patient_appointment.update_fee_validity", appointment=doc)
		self.assertNotEqual(response.status_code, 404)

	def test_another_practice_appointment_cannot_be_cancelled(self):
		other = self.fx.b.records["Patient Appointment"]
		before = frappe.db.get_value("Patient Appointment", other, "status")
		response = self.call(
			"patient_appointment.patient_appointment.update_status", appointment_id=other, status="Cancelled"
		)
		self.assertEqual(response.status_code, 404)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Patient Appointment", other, "status"), before)

	def test_patient_vitals_of_another_practice_stay_hidden(self):
		response = request(
			"POST",
			"/api/method/healthcare.healthcare.page.patient_progress.patient_progress.get_patient_heatmap_data",
			self.auth,
			json={"patient": self.fx.b.patient, "date": "2026-01-01"},
		)
		self.assertEqual(response.status_code, 404)

	def test_patient_history_feed_of_another_practice_stays_hidden(self):
		base = "/api/method/healthcare.healthcare.page.patient_history.patient_history."
		foreign = request("POST", base + "get_feed", self.auth, json={"name": self.fx.b.patient})
		self.assertEqual(foreign.status_code, 404)
		own = request("POST", base + "get_feed", self.auth, json={"name": self.fx.a.patient})
		self.assertEqual(own.status_code, 200)
		by_doc = request(
			"POST",
			base + "get_feed_for_dt",
			self.auth,
			json={"doctype": "Patient Encounter", "docname": self.fx.b.records["Patient Encounter"]},
		)
		self.assertEqual(by_doc.status_code, 404)
