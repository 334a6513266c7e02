"""The assistant on a real site, against a local OpenAI-compatible server started on a
loopback port (llm_server.py): nothing it receives identifies the patient, the doctor's
draft carries the real names, an assistant left off sends nothing, the provider's
failures answer clearly and are logged, and the wall holds for the settings and the log.

Fixture: practice iso-book (fixtures.py) with its doctor and admin; a patient whose note
names her, her mother, her ID and passport numbers, her phone, e-mail, address and birth
date; a draft encounter of hers; the practice's AI settings pointing at the server."""

from __future__ import annotations

import json
import re
from unittest.mock import patch

import frappe
from frappe.installer import update_site_config
from frappe.utils import today

from medic_plus.api import assistant as api
from medic_plus.clinical import assistant
from medic_plus.core import codes
from medic_plus.core import redaction as core_redaction
from medic_plus.privacy import access_log
from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.fixtures import get_booking_fixture, get_fixture
from medic_plus.tests.llm_server import LLMServer, free_port_with_nothing_listening

SA_ID = "8403070800089"  # a South African ID number (its last digit is its Luhn check)
PASSPORT_NO = "A12345678"
MOBILE = "+27 82 555 0199"
EMAIL = "thandiwe.nkosi-mueller@example.org"
DOB = "1984-03-07"
NOTE = (
	"Thandiwe (born 07/03/1984, ID 840307 0800 089, passport A12345678) came with her mother "
	"Nomsa Nkosi. Three days of sore throat and cough. T. Nkosi-Müller asks for a letter for work. "
	"Call 082 555 0199 or thandiwe.nkosi-mueller@example.org. Lives at 12 Jacaranda Street, "
	"Pretoria. Seen on 2026-12-01 at ISO Booking Practice."
)
PLAN = {
	"plan": "Paracetamol for [PATIENT]; review with [DOCTOR] at [PRACTICE] in 3 days.",
	"letter": "Dear [PATIENT], you have a throat infection. Yours, [DOCTOR], [PRACTICE]",
}


def luhn_ok(number: str) -> bool:
	return core_redaction.luhn(number)


class AssistantFixture(IntegrationTestCase):
	"""The patient, her mother, her draft encounter and the practice's AI settings pointing
	at a local provider (committed: a browser test's server reads them)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.fx = get_fixture()
		cls.bf = get_booking_fixture()
		frappe.set_user("Administrator")
		assert luhn_ok(SA_ID)
		cls.server = LLMServer().start()
		# the local provider is on the loopback: the platform allows it (the browser test's
		# server reads the site config)
		update_site_config(assistant.PRIVATE_HOSTS, ["127.0.0.1"])
		frappe.conf[assistant.PRIVATE_HOSTS] = ["127.0.0.1"]
		cls.mother = cls.patient("Nomsa", "Nkosi", "nomsa.nkosi@example.org")
		cls.patient_name = cls.patient(
			"Thandiwe",
			"Nkosi-Müller",
			EMAIL,
			middle_name="Grace",
			dob=DOB,
			uid=SA_ID,
			mobile=MOBILE,
			patient_relation=[{"relation": "Mother", "patient": cls.mother}],
		)
		cls.encounter = (
			frappe.get_doc(
				{
					"doctype": "Patient Encounter",
					"patient": cls.patient_name,
					"practitioner": cls.bf.doctor,
					"encounter_date": today(),
					"custom_subjective": NOTE,
					"custom_assessment": "Acute pharyngitis, likely viral.",
					"custom_plan": "As discussed.",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
		cls.settings(enabled=1)
		frappe.db.commit()  # nosemgrep: test fixture, outside any request

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.db.delete("AI Inference Log", {"practice": cls.bf.practice})
		frappe.delete_doc("Practice AI Settings", cls.bf.practice, force=True, ignore_permissions=True)
		frappe.delete_doc("Patient Encounter", cls.encounter, force=True, ignore_permissions=True)
		for patient in (cls.patient_name, cls.mother):
			frappe.delete_doc("Patient", patient, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: test fixture, outside any request
		cls.server.stop()
		update_site_config(assistant.PRIVATE_HOSTS, "None")
		frappe.conf.pop(assistant.PRIVATE_HOSTS, None)
		super().tearDownClass()

	@classmethod
	def patient(cls, first: str, last: str, email: str, **values) -> str:
		if name := frappe.db.get_value("Patient", {"email": email, "custom_practice": cls.bf.practice}):
			frappe.delete_doc("Patient", name, force=True, ignore_permissions=True)
		return (
			frappe.get_doc(
				{
					"doctype": "Patient",
					"first_name": first,
					"last_name": last,
					"sex": "Female",
					"email": email,
					"invite_user": 0,
					"custom_practice": cls.bf.practice,
					**values,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	@classmethod
	def settings(cls, **values):
		frappe.set_user("Administrator")
		doc = (
			frappe.get_doc("Practice AI Settings", cls.bf.practice)
			if frappe.db.exists("Practice AI Settings", cls.bf.practice)
			else frappe.new_doc("Practice AI Settings")
		)
		doc.update(
			{
				"practice": cls.bf.practice,
				"terms_accepted": 1,
				"base_url": cls.server.base_url,
				"model": "test-model",
				"api_key": "sk-test-secret-123",
				"timeout_seconds": 2,
				"draft_plan": 1,
				"referral_letter": 1,
				"icd10_suggestions": 1,
				**values,
			}
		)
		doc.save(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: test fixture, outside any request
		return doc

	def setUp(self):
		self.server.received.clear()
		self.server.mode, self.server.delay = "ok", 0.0
		self.server.content = json.dumps(PLAN)
		self.settings(enabled=1)
		frappe.db.delete("AI Inference Log", {"reference_name": self.encounter})
		frappe.db.commit()  # nosemgrep: failed requests' entries are committed on their own
		frappe.set_user(self.bf.doctor_user)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def logs(self, **filters) -> list:
		frappe.set_user("Administrator")
		return frappe.get_all(
			"AI Inference Log",
			filters={"reference_name": self.encounter, **filters},
			fields=["*"],
			order_by="creation desc",
		)

	def identifiers(self) -> list[str]:
		"""Every identifier of the patient and the people around her, as the server must
		never see it."""
		practitioner = frappe.db.get_value("Healthcare Practitioner", self.bf.doctor, "practitioner_name")
		practice = frappe.db.get_value("Practice", self.bf.practice, "practice_name")
		return [
			"Thandiwe",
			"Nkosi",
			"Müller",
			"Mueller",
			"Nomsa",
			"Grace",
			SA_ID,
			"840307 0800 089",
			PASSPORT_NO,
			"0825550199",
			"825550199",
			EMAIL,
			"12 Jacaranda Street",
			"07/03/1984",
			DOB,
			"2026-12-01",
			self.patient_name,
			self.mother,
			self.encounter,
			practitioner,
			practice,
		]

	def assert_nothing_identifies_her(self):
		sent = self.server.sent_text()
		digits = re.sub(r"\D", "", sent)
		for value in self.identifiers():
			self.assertNotIn(value.lower(), sent.lower(), value)
			self.assertNotIn(json.dumps(value)[1:-1].lower(), sent.lower(), value)
			if value.replace(" ", "").isdigit():
				self.assertNotIn(value.replace(" ", ""), digits, value)


class TestAssistant(AssistantFixture):
	# --- the drafts -------------------------------------------------------------------

	def test_a_draft_plan_leaves_without_identifiers_and_comes_back_with_the_real_names(self):
		before = frappe.db.get_value("Patient Encounter", self.encounter, ["custom_plan", "modified"])
		draft = api.draft(self.encounter, "plan")
		self.assertEqual(len(self.server.received), 1)
		request = self.server.received[0]
		self.assertEqual(request["path"], "/v1/chat/completions")
		self.assertEqual(request["headers"]["Authorization"], "Bearer sk-test-secret-123")
		body = json.loads(request["body"])
		self.assertEqual(body["model"], "test-model")
		self.assertIn("[PATIENT]", body["messages"][1]["content"])
		self.assertIn("Three days of sore throat", body["messages"][1]["content"])
		self.assert_nothing_identifies_her()
		# the doctor's draft: the real names put back
		self.assertIn("Thandiwe Grace Nkosi-Müller", draft["plan"])
		self.assertIn("ISO Book Doc", draft["plan"])
		self.assertTrue(draft["letter"].startswith("Dear Thandiwe"))
		self.assertNotIn("[", draft["plan"] + draft["letter"])
		# nothing is saved without the doctor
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.db.get_value("Patient Encounter", self.encounter, ["custom_plan", "modified"]), before
		)
		(log,) = self.logs()
		self.assertEqual(
			(log.outcome, log.feature, log.patient, log.practice, log.user, log.model),
			(
				"Answered",
				"Plan and Letter",
				self.patient_name,
				self.bf.practice,
				self.bf.doctor_user,
				"test-model",
			),
		)
		self.assertEqual((log.prompt_tokens, log.completion_tokens), (321, 54))
		self.assertGreaterEqual(log.latency_ms, 0)
		self.assertEqual(log.received, json.dumps(PLAN))
		self.assertNotIn("Thandiwe", log.sent)
		self.assertIn("[PATIENT]", log.sent)

	def test_the_use_is_logged_as_a_read_of_the_record(self):
		access_log.flush()
		api.draft(self.encounter, "referral", "ENT specialist")
		frappe.set_user("Administrator")
		access_log.flush()
		entry = frappe.get_all(
			"Patient Access Log",
			filters={"reference_name": self.encounter, "user": self.bf.doctor_user, "action": "read"},
			fields=["patient", "practice", "reference_doctype"],
		)
		self.assertTrue(entry)
		self.assertEqual(
			(entry[0].patient, entry[0].reference_doctype), (self.patient_name, "Patient Encounter")
		)

	def test_a_referral_letter_names_its_recipient_and_no_one_else(self):
		self.server.content = json.dumps({"letter": "Dear colleague, I refer [PATIENT] ([MOTHER] present)."})
		draft = api.draft(self.encounter, "referral", "the ENT clinic")
		self.assertIn("the ENT clinic", self.server.received[0]["body"])
		self.assert_nothing_identifies_her()
		self.assertIn("Thandiwe Grace Nkosi-Müller", draft["letter"])
		self.assertIn("Nomsa Nkosi", draft["letter"])

	def test_icd10_suggestions_offer_only_codes_of_the_sites_list(self):
		known = frappe.get_all(
			"Code Value", filters={"code_system": codes.ICD10}, fields=["name", "code_value"], limit=2
		)
		self.assertEqual(len(known), 2, "the shipped ICD-10 list is loaded")
		missing = "Y36.9999"
		self.assertFalse(frappe.db.exists("Code Value", {"code_system": codes.ICD10, "code_value": missing}))
		self.server.content = json.dumps(
			{
				"codes": [
					{"code": known[0].code_value, "why": "fits [PATIENT]"},
					{"code": missing},
					{"code": known[1].code_value},
				]
			}
		)
		draft = api.draft(self.encounter, "icd10")
		self.assertEqual([c["code"] for c in draft["codes"]], [known[0].code_value, known[1].code_value])
		self.assertEqual(draft["codes"][0]["diagnosis"], known[0].name)
		self.assertIn("Thandiwe", draft["codes"][0]["why"])
		self.assertEqual(draft["not_in_list"], [missing])

	# --- off, and failures -------------------------------------------------------------

	def test_an_assistant_left_off_sends_nothing(self):
		for values in ({"enabled": 0}, {"draft_plan": 0}, {"terms_accepted": 0, "enabled": 0}):
			with self.subTest(values=values):
				self.settings(**values)
				frappe.set_user(self.bf.doctor_user)
				with self.assertRaises(assistant.AssistantOffError):
					api.draft(self.encounter, "plan")
		self.assertEqual(api.get_features(self.encounter), [])
		self.assertEqual(self.server.received, [])
		self.assertEqual(self.logs(), [])
		self.settings(enabled=1)
		frappe.set_user(self.bf.doctor_user)
		self.assertEqual(api.get_features(self.encounter), ["plan", "referral", "icd10"])

	def test_provider_failures_answer_clearly_never_half_saved_and_are_logged(self):
		cases = (
			("down", assistant.ProviderError, 502, "cannot be reached"),
			("slow", assistant.ProviderTimeoutError, 504, "took too long"),
			("429", assistant.ProviderBusyError, 429, "busy"),
			("401", assistant.ProviderError, 502, "API key"),
			("500", assistant.ProviderError, 502, "answered with an error"),
			("garbage", assistant.ProviderError, 502, "could not be read"),
			("shape", assistant.ProviderError, 502, "could not be read"),
			("prose", assistant.ProviderError, 502, "could not be read"),
		)
		for mode, error, status, words in cases:
			with self.subTest(mode=mode):
				self.settings(
					base_url=f"http://127.0.0.1:{free_port_with_nothing_listening()}/v1"
					if mode == "down"
					else self.server.base_url
				)
				self.server.mode = mode
				self.server.delay = 3.0 if mode == "slow" else 0.0
				self.server.content = "Sure! Here is a plan: rest." if mode == "prose" else json.dumps(PLAN)
				frappe.set_user(self.bf.doctor_user)
				with self.assertRaises(error) as caught:
					api.draft(self.encounter, "plan")
				self.assertEqual(caught.exception.http_status_code, status)
				self.assertIn(words, str(caught.exception))
				frappe.db.rollback()  # as the request's end does: the log entry is written after it
				(log,) = self.logs()[:1]
				self.assertEqual((log.outcome, log.feature), ("Failed", "Plan and Letter"))
				self.assertTrue(log.error)
				self.assertEqual(
					frappe.db.get_value("Patient Encounter", self.encounter, "custom_plan"), "As discussed."
				)

	def test_a_request_that_still_identifies_the_patient_is_refused_unsent(self):
		def leaky(self, text):
			return core_redaction.Redacted(text, {})

		with patch.object(core_redaction.Redactor, "redact", leaky):
			with self.assertRaises(assistant.IdentifierLeakError) as caught:
				api.draft(self.encounter, "plan")
		self.assertEqual(caught.exception.http_status_code, 422)
		self.assertEqual(self.server.received, [])
		frappe.db.rollback()
		(log,) = self.logs()[:1]
		self.assertEqual(log.outcome, "Refused")
		self.assertIsNone(log.sent)

	# --- the wall ----------------------------------------------------------------------

	def test_another_practice_sees_neither_the_settings_nor_the_log_nor_the_encounter(self):
		api.draft(self.encounter, "plan")
		frappe.set_user("Administrator")
		log = self.logs()[0].name
		for user in (self.fx.a.admin, self.fx.a.doctor, self.fx.both):
			frappe.set_user(user)
			with self.subTest(user=user):
				for doctype, name in (("Practice AI Settings", self.bf.practice), ("AI Inference Log", log)):
					with self.assertRaises(frappe.DoesNotExistError):
						frappe.get_doc(doctype, name)
					if frappe.has_permission(doctype, "read"):  # an admin: a list without them
						self.assertNotIn(name, frappe.get_list(doctype, pluck="name"))
				self.server.received.clear()
				with self.assertRaises(frappe.DoesNotExistError):
					api.draft(self.encounter, "plan")
				self.assertEqual(self.server.received, [])

	def test_the_practice_admin_reads_the_log_and_no_one_edits_it(self):
		api.draft(self.encounter, "plan")
		frappe.set_user("Administrator")
		name = self.logs()[0].name
		admin = frappe.db.get_value(
			"Practice Member", {"practice": self.bf.practice, "role": "Admin"}, "user"
		)
		frappe.set_user(admin)
		entry = frappe.get_doc("AI Inference Log", name)
		self.assertIn(name, frappe.get_list("AI Inference Log", pluck="name"))
		entry.error = "changed"
		with self.assertRaises(frappe.PermissionError):
			entry.save()
		with self.assertRaises(frappe.PermissionError):
			frappe.delete_doc("AI Inference Log", name)
		frappe.set_user(self.bf.doctor_user)
		self.assertFalse(frappe.has_permission("AI Inference Log", "read"))
		self.assertFalse(frappe.has_permission("Practice AI Settings", "read"))

	def test_only_an_admin_turns_it_on_and_only_with_the_terms_accepted(self):
		admin = frappe.db.get_value(
			"Practice Member", {"practice": self.bf.practice, "role": "Admin"}, "user"
		)
		frappe.set_user(admin)
		doc = frappe.get_doc("Practice AI Settings", self.bf.practice)
		doc.terms_accepted = 0
		with self.assertRaises(frappe.ValidationError):
			doc.save()
		doc.reload()
		doc.enabled, doc.terms_accepted = 0, 0
		doc.save()
		doc.enabled, doc.terms_accepted = 1, 1
		doc.save()
		self.assertEqual(doc.terms_accepted_by, admin)
		doc.base_url = "http://provider.example.org/v1"
		with self.assertRaises(frappe.ValidationError):
			doc.save()
		frappe.set_user(self.bf.doctor_user)
		doc = frappe.get_doc("Practice AI Settings", self.bf.practice)
		doc.enabled = 0
		with self.assertRaises(frappe.PermissionError):
			doc.save()

	def test_no_practice_points_the_platform_at_its_own_network(self):
		admin = frappe.db.get_value(
			"Practice Member", {"practice": self.bf.practice, "role": "Admin"}, "user"
		)
		frappe.set_user(admin)
		for url in ("http://127.0.0.1:6379/v1", "https://10.0.0.5/v1", "https://169.254.169.254/v1"):
			with self.subTest(url=url):
				doc = frappe.get_doc("Practice AI Settings", self.bf.practice)
				doc.base_url = url
				with patch.dict(frappe.conf, {assistant.PRIVATE_HOSTS: []}):
					with self.assertRaises(assistant.ProviderAddressError):
						doc.save()
		# and a name that resolves there later is refused when the request would go out
		frappe.set_user(self.bf.doctor_user)
		with patch.dict(frappe.conf, {assistant.PRIVATE_HOSTS: []}):
			with self.assertRaises(assistant.ProviderAddressError):
				api.draft(self.encounter, "plan")
		self.assertEqual(self.server.received, [])

	def test_an_accepted_letter_prints_on_the_practice_letter_head(self):
		draft = api.draft(self.encounter, "plan")
		doc = frappe.get_doc("Patient Encounter", self.encounter)
		doc.custom_patient_letter = draft["letter"] + "\n<script>alert(1)</script>"
		doc.custom_referral_letter = "Dear colleague,\nplease see Thandiwe."
		doc.save()
		practice = frappe.db.get_value("Practice", self.bf.practice, "practice_name")
		letter = frappe.get_print("Patient Encounter", self.encounter, print_format="Patient Letter")
		self.assertIn("Dear Thandiwe Grace Nkosi-Müller", letter)
		self.assertIn(practice, letter)
		self.assertNotIn("<script>alert(1)</script>", letter)
		referral = frappe.get_print("Patient Encounter", self.encounter, print_format="Referral Letter")
		self.assertIn("please see Thandiwe.", referral)
		self.assertIn("ISO Book Doc", referral)
