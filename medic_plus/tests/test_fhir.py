"""The FHIR R4 API over HTTP (in-process WSGI requests on another thread): every
response is parsed with fhir.resources; every answer is scoped to one practice."""

from __future__ import annotations

import json
import threading
from unittest.mock import patch

import frappe
from fhir.resources.R4B import get_fhir_model_class
from frappe.utils import add_days, now_datetime

from medic_plus.core.fhir_map import fhir_id as fid
from medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token import issue_token
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import PASSWORD
from medic_plus.tests.http import new_client, request
from medic_plus.tests.test_operations import make_appointment

BASE = "/fhir/R4"


def parse(response):
	"""The response as a validated fhir.resources model (fails on anything not FHIR)."""
	assert response.headers["Content-Type"].startswith("application/fhir+json"), response.headers[
		"Content-Type"
	]
	body = json.loads(response.get_data(as_text=True))
	return get_fhir_model_class(body["resourceType"]).model_validate(body)


class TestFHIR(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fx = cls.fx
		frappe.set_user(fx.a.admin)
		cls.token_a = issue_token(fx.a.practice, "ISO FHIR test")["token"]
		revoked = issue_token(fx.a.practice, "ISO FHIR revoked")
		expired = issue_token(fx.a.practice, "ISO FHIR expired")
		frappe.set_user("Administrator")
		frappe.db.set_value("FHIR Access Token", revoked["name"], "revoked", 1)
		frappe.db.set_value("FHIR Access Token", expired["name"], "expires_on", add_days(now_datetime(), -1))
		cls.revoked, cls.expired = revoked["token"], expired["token"]
		cls.appt_a = make_appointment(fx.a.practice, fx.a.patient, fx.a.practitioner, day="2030-03-04")
		cls.appt_b = make_appointment(fx.b.practice, fx.b.patient, fx.b.practitioner, day="2030-03-04")
		frappe.db.commit()  # nosemgrep: requests on other threads must see them
		cls.auth = {"Authorization": f"Bearer {cls.token_a}"}

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in (cls.appt_a, cls.appt_b):
			frappe.delete_doc("Patient Appointment", name, force=True, ignore_permissions=True)
		frappe.db.delete("FHIR Access Token", {"label": ("like", "ISO FHIR %")})
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def get(self, path: str, headers=None):
		return request("GET", BASE + path, self.auth if headers is None else headers)

	def test_metadata_states_the_fhir_version(self):
		response = self.get("/metadata", headers={})
		self.assertEqual(response.status_code, 200)
		cap = parse(response)
		self.assertEqual((cap.get_resource_type(), cap.fhirVersion), ("CapabilityStatement", "4.3.0"))

	def test_no_bad_revoked_or_expired_token_is_401(self):
		for headers in (
			{},
			{"Authorization": "Bearer mpf_nope"},
			{"Authorization": f"Bearer {self.revoked}"},
			{"Authorization": f"Bearer {self.expired}"},
		):
			with self.subTest(headers=str(headers)[:40]):
				response = self.get("/Patient", headers=headers)
				self.assertEqual(response.status_code, 401)
				self.assertEqual(parse(response).get_resource_type(), "OperationOutcome")

	def test_writes_are_405(self):
		for method in ("POST", "PUT", "PATCH", "DELETE"):
			with self.subTest(method=method):
				response = request(
					method,
					f"{BASE}/Patient/{fid(self.fx.a.patient)}",
					self.auth,
					json={"resourceType": "Patient"},
				)
				self.assertEqual(response.status_code, 405)
				self.assertEqual(parse(response).issue[0].code, "not-supported")

	def test_read_own_patient(self):
		response = self.get(f"/Patient/{fid(self.fx.a.patient)}")
		self.assertEqual(response.status_code, 200)
		patient = parse(response)
		self.assertEqual(patient.id, fid(self.fx.a.patient))
		self.assertEqual(patient.managingOrganization.reference, f"Organization/{fid(self.fx.a.practice)}")

	def test_other_practice_answers_404_exactly_like_a_missing_one(self):
		for rtype, other in (
			("Patient", self.fx.b.patient),
			("Appointment", self.appt_b),
			("Encounter", self.fx.b.records["Patient Encounter"]),
			("Organization", self.fx.b.practice),
			("Practitioner", self.fx.b.practitioner),
			("AllergyIntolerance", self.fx.b.records["Patient Allergy"]),
			("Condition", self.fx.b.records["Patient Problem"]),
			("MedicationRequest", f"{self.fx.b.records['Patient Encounter']}-drug_prescription"),
		):
			with self.subTest(rtype=rtype):
				foreign = self.get(f"/{rtype}/{fid(other)}")
				missing = self.get(f"/{rtype}/NO-SUCH-ID")
				self.assertEqual(foreign.status_code, 404)
				self.assertEqual(
					foreign.get_data(as_text=True).replace(fid(other), "X"),
					missing.get_data(as_text=True).replace("NO-SUCH-ID", "X"),
				)
				self.assertEqual(parse(foreign).issue[0].code, "not-found")

	def test_search_patients_by_name_and_gender_stays_in_the_practice(self):
		bundle = parse(self.get("/Patient?name=Iso"))
		self.assertEqual(bundle.type, "searchset")
		self.assertEqual(
			{e.resource.managingOrganization.reference for e in bundle.entry},
			{f"Organization/{fid(self.fx.a.practice)}"},
		)
		self.assertEqual(parse(self.get("/Patient?name=IsoB")).total, 0)
		female = parse(self.get(f"/Patient?gender=female&_id={fid(self.fx.a.patient)}"))
		self.assertEqual([e.resource.id for e in female.entry], [fid(self.fx.a.patient)])
		self.assertEqual(
			parse(self.get(f"/Patient?identifier=urn:medic-plus/patient|{self.fx.b.patient}")).total, 0
		)

	def test_search_patients_by_their_practice(self):
		"""``organization`` (Patient.managingOrganization) narrows to one practice; another
		practice's is an empty search, not a way into it."""
		own = parse(self.get(f"/Patient?organization=Organization/{fid(self.fx.a.practice)}&_count=100"))
		self.assertIn(fid(self.fx.a.patient), {e.resource.id for e in own.entry})
		self.assertEqual(own.total, parse(self.get("/Patient?_count=0")).total)
		self.assertEqual(parse(self.get(f"/Patient?organization={fid(self.fx.b.practice)}")).total, 0)

	def test_paging_with_count_and_links(self):
		first = parse(self.get("/Practitioner?_count=1"))
		self.assertEqual(first.total, 2)  # ISO Doc A and ISO Doc Both
		self.assertEqual(len(first.entry), 1)
		links = {link.relation: link.url for link in first.link}
		self.assertIn("next", links)
		second = parse(self.get(links["next"].split(BASE, 1)[1]))
		self.assertIn("previous", {link.relation for link in second.link})
		self.assertNotEqual(first.entry[0].resource.id, second.entry[0].resource.id)

	def test_appointment_search_by_patient_date_status_and_practitioner(self):
		query = f"/Appointment?patient=Patient/{fid(self.fx.a.patient)}&date=ge2030-03-01&date=le2030-03-31&status=booked&practitioner={fid(self.fx.a.practitioner)}"
		bundle = parse(self.get(query))
		self.assertEqual([e.resource.id for e in bundle.entry], [fid(self.appt_a)])
		appointment = bundle.entry[0].resource
		self.assertTrue(appointment.start.isoformat().startswith("2030-03-04T10:00:00"))
		self.assertEqual(parse(self.get(f"/Appointment?patient={fid(self.fx.b.patient)}")).total, 0)

	def test_encounters(self):
		encounter = parse(self.get(f"/Encounter/{fid(self.fx.a.records['Patient Encounter'])}"))
		self.assertEqual(encounter.status, "in-progress")
		bundle = parse(self.get(f"/Encounter?patient={fid(self.fx.a.patient)}&status=in-progress"))
		self.assertIn(fid(self.fx.a.records["Patient Encounter"]), [e.resource.id for e in bundle.entry])

	def test_bad_parameters_are_400(self):
		for query in (
			"/Patient?birthdate=yesterday",
			"/Patient?colour=blue",
			"/Patient?_count=abc",
			"/Patient?_count=1000",
			"/Appointment?status=happy",
			"/Patient?gender=robot",
		):
			with self.subTest(query=query):
				response = self.get(query)
				self.assertEqual(response.status_code, 400, response.get_data(as_text=True))
				self.assertEqual(parse(response).get_resource_type(), "OperationOutcome")

	def test_patient_everything(self):
		bundle = parse(self.get(f"/Patient/{fid(self.fx.a.patient)}/$everything"))
		types = [e.resource.get_resource_type() for e in bundle.entry]
		self.assertEqual(types[0], "Patient")
		self.assertIn("Appointment", types)
		self.assertIn("Organization", types)
		ids = {e.resource.id for e in bundle.entry}
		self.assertIn(fid(self.appt_a), ids)
		self.assertNotIn(fid(self.appt_b), ids)
		self.assertEqual(self.get(f"/Patient/{fid(self.fx.b.patient)}/$everything").status_code, 404)

	def test_patient_everything_is_paged(self):
		path = f"/Patient/{fid(self.fx.a.patient)}/$everything"
		whole = parse(self.get(path))
		clinical = [
			e.resource.id
			for e in whole.entry
			if e.resource.get_resource_type() not in ("Patient", "Practitioner", "Organization")
		]
		# the appointment, the encounter and its drug prescription, the allergy and the problem
		self.assertGreaterEqual(len(clinical), 5)
		self.assertLessEqual(
			{"Appointment", "Encounter", "MedicationRequest", "AllergyIntolerance", "Condition"},
			{e.resource.get_resource_type() for e in whole.entry},
		)
		seen, url = [], f"{path}?_count=1"
		while url:
			page = parse(self.get(url))
			self.assertEqual(page.entry[0].resource.get_resource_type(), "Patient")
			self.assertEqual(page.total, 1 + len(clinical))
			seen += [
				e.resource.id
				for e in page.entry
				if e.resource.get_resource_type() not in ("Patient", "Practitioner", "Organization")
			]
			links = {link.relation: link.url for link in page.link}
			url = links["next"].split(BASE, 1)[1] if "next" in links else None
		self.assertEqual(seen, clinical)

	def test_search_total_is_counted_not_loaded(self):
		from unittest.mock import patch

		with patch("frappe.get_all", wraps=frappe.get_all) as get_all:
			bundle = parse(self.get("/Practitioner?_count=1"))
		self.assertEqual(bundle.total, 2)
		for call in get_all.call_args_list:  # no query loads every practitioner to count them
			if call.args and call.args[0] == "Healthcare Practitioner":
				self.assertNotEqual(call.kwargs.get("limit_page_length"), 0)
				self.assertNotIn("pluck", call.kwargs)

	def test_session_user_sees_own_practices_by_role(self):
		client = new_client()
		out = {}
		site = frappe.local.site

		def run():
			with patch("frappe.app.get_site_name", return_value=site):
				client.post("/api/method/login", data={"usr": self.fx.a.recep, "pwd": PASSWORD})
				out["patients"] = client.get(f"{BASE}/Patient?_count=100")
				out["encounters"] = client.get(f"{BASE}/Encounter")

		thread = threading.Thread(target=run)
		thread.start()
		thread.join()
		patients = parse(out["patients"])
		self.assertEqual(
			{e.resource.managingOrganization.reference for e in patients.entry},
			{f"Organization/{fid(self.fx.a.practice)}"},
		)
		self.assertEqual(parse(out["encounters"]).total, 0)  # receptionists read no encounters

	def test_only_the_practice_admins_issue_tokens(self):
		# a doctor of the practice may not; another practice is not found, like none
		for user, practice, refused in (
			(self.fx.a.doctor, self.fx.a.practice, frappe.PermissionError),
			(self.fx.a.admin, self.fx.b.practice, frappe.DoesNotExistError),
			(self.fx.a.admin, "no-such-practice", frappe.DoesNotExistError),
		):
			with self.subTest(user=user, practice=practice):
				frappe.set_user(user)
				with self.assertRaises(refused):
					issue_token(practice, "ISO FHIR not allowed")
		frappe.set_user(self.fx.b.admin)
		self.assertEqual(frappe.get_list("FHIR Access Token", filters={"label": ("like", "ISO FHIR %")}), [])
