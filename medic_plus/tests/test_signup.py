"""/signup over HTTP, as a doctor (and an attacker) would use it: the address check, the
e-mail code from the mail queue, the registration that waits for approval, or is
provisioned at once when the platform says so; refusals that spend nothing."""

from __future__ import annotations

import email
import re
from unittest.mock import patch

import frappe

from medic_plus import durable
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import ensure_outbox
from medic_plus.tests.http import request
from medic_plus.tests.test_booking import form

API = "/api/method/medic_plus.api.signup."


class TestSignup(TenancyFixtureTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		ensure_outbox()
		durable.delete_keys("medic_plus:rl")
		durable.delete_keys("medic_plus:otp")
		self.tag = frappe.generate_hash(length=6).lower()
		self.email = f"signup-{self.tag}@example.org"
		frappe.db.commit()  # nosemgrep: the requests below run on other connections

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		for name in frappe.get_all("Practice Registration", {"email": self.email}, pluck="name"):
			frappe.delete_doc("Practice Registration", name, force=True, ignore_permissions=True)
		frappe.db.set_single_value("Medic Plus Settings", {"signup_enabled": 1, "signup_mode": "Approval"})
		frappe.db.commit()  # nosemgrep: as above
		super().tearDown()

	def post(self, method: str, **data):
		return request("POST", API + method, data=data, headers={"Accept": "application/json"})

	def code_from_the_mail(self) -> str:
		frappe.db.rollback()  # see what the server committed
		queued = frappe.get_all(
			"Email Queue Recipient", {"recipient": self.email}, pluck="parent", order_by="creation desc"
		)
		mail = frappe.get_doc("Email Queue", queued[0])
		text = " ".join(
			part.get_payload(decode=True).decode()
			for part in email.message_from_string(mail.message).walk()
			if part.get_content_type() == "text/html"
		)
		return re.search(r">\s*(\d{6})\s*<", text).group(1)

	def details(self, **values) -> dict:
		return {
			"practice_name": f"Sunrise {self.tag}",
			"slug": f"sunrise-{self.tag}",
			"first_name": "Sam",
			"last_name": "Sunrise",
			"email": self.email,
			"plan": "Professional",
			"country": "South Africa",
			"timezone": "Africa/Johannesburg",
			"terms_accepted": 1,
			**values,
		}

	def test_a_doctor_signs_up_and_the_registration_waits_for_approval(self):
		page = request("GET", "/signup")
		self.assertEqual(page.status_code, 200)
		self.assertIn('id="mp-signup"', page.get_data(as_text=True))
		taken = frappe.db.get_value("Practice", self.fx.a.practice, "slug")
		checks = {
			s: request("GET", API + "check_slug", query_string={"slug": s}).json["message"]["available"]
			for s in (f"sunrise-{self.tag}", taken, "admin", "x")
		}
		self.assertEqual(checks, {f"sunrise-{self.tag}": True, taken: False, "admin": False, "x": False})

		sent = self.post("request_signup_code", email=self.email, form_token=form())
		self.assertEqual(sent.status_code, 200, sent.get_data(as_text=True)[:300])
		code = self.code_from_the_mail()
		wrong = f"{(int(code) + 1) % 10**6:06d}"
		self.assertEqual(self.post("register", otp=wrong, **self.details()).status_code, 403)
		# refused input spends nothing of the code
		self.assertEqual(self.post("register", otp=code, **self.details(terms_accepted=0)).status_code, 400)
		self.assertEqual(self.post("register", otp=code, **self.details(slug=taken)).status_code, 400)
		done = self.post("register", otp=code, **self.details())
		self.assertEqual(done.status_code, 200, done.get_data(as_text=True)[:300])
		self.assertEqual(done.json["message"]["status"], "Verified")
		frappe.db.rollback()
		reg = frappe.get_doc("Practice Registration", {"email": self.email})
		self.assertEqual((reg.status, reg.terms_accepted, reg.plan), ("Verified", 1, "Professional"))
		self.assertTrue(reg.email_verified_on)
		self.assertFalse(reg.practice)  # nothing made before the platform approves
		# the same address again: one registration on its way at a time; the code is spent
		again = self.post("register", otp=code, **self.details(slug=f"sunset-{self.tag}"))
		self.assertEqual(again.status_code, 409)
		frappe.delete_doc("Practice Registration", reg.name, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: as above
		self.assertEqual(self.post("register", otp=code, **self.details()).status_code, 403)

	def test_automatic_mode_provisions_at_once(self):
		from medic_plus.api import signup
		from medic_plus.booking import otp_store

		frappe.db.set_single_value("Medic Plus Settings", "signup_mode", "Automatic")
		code = otp_store.issue(signup.SIGNUP, self.email)
		frappe.set_user("Guest")
		with patch("frappe.enqueue") as enqueue:
			answer = signup.register(otp=code, **self.details())
		self.assertEqual(answer["status"], "Approved")
		enqueue.assert_called_once()
		self.assertEqual(enqueue.call_args.args[0], "medic_plus.onboarding.provisioning.provision")
		self.assertTrue(enqueue.call_args.kwargs["enqueue_after_commit"])

	def test_a_closed_sign_up_sends_no_code(self):
		frappe.db.set_single_value("Medic Plus Settings", "signup_enabled", 0)
		frappe.db.commit()  # nosemgrep: as above
		self.assertEqual(
			self.post("request_signup_code", email=self.email, form_token=form()).status_code, 403
		)
		self.assertIn("closed", request("GET", "/signup").get_data(as_text=True))

	def test_a_form_filled_by_a_bot_gets_no_code(self):
		for token, honeypot in ((form(age=0), ""), (form(), "http://spam.example")):
			answer = self.post("request_signup_code", email=self.email, form_token=token, website=honeypot)
			self.assertEqual(answer.status_code, 400)
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("Email Queue Recipient", {"recipient": self.email}))

	def test_a_refusal_names_the_field_it_is_about(self):
		"""The form shows a server's refusal next to its field: the answer names it."""
		for field, values in (
			("email", {"email": "not-an-address"}),
			("slug", {"slug": "a"}),
			("terms_accepted", {"terms_accepted": 0}),
			("timezone", {"timezone": "Mars/Olympus"}),
		):
			with self.subTest(field=field):
				answer = self.post("register", otp="123456", **self.details(**values))
				self.assertEqual(answer.status_code, 400, answer.get_data(as_text=True)[:300])
				self.assertEqual(answer.json["invalid_field"], field)
		wrong = self.post("register", otp="000000", **self.details())
		self.assertEqual(wrong.json.get("invalid_field"), "otp")

	def test_the_page_guesses_the_country_from_the_time_zone(self):
		from medic_plus.www.signup import country_of_zone

		countries = set(frappe.get_all("Country", pluck="name"))
		zones = country_of_zone(countries, {"Africa/Johannesburg", "Europe/Berlin", "Mars/Olympus"})
		self.assertEqual(zones, {"Africa/Johannesburg": "South Africa", "Europe/Berlin": "Germany"})
		html = request("GET", "/signup").get_data(as_text=True)
		self.assertIn('"Europe/Berlin": "Germany"', html)
		self.assertIn('role="combobox"', html)

	def test_sign_up_opens_only_with_terms_the_doctor_can_read(self):
		settings = frappe.get_doc("Medic Plus Settings")
		settings.signup_enabled, settings.terms_url, settings.terms_of_service = 0, "", ""
		settings.save()  # closed, no terms: fine
		settings.signup_enabled = 1
		with self.assertRaises(frappe.ValidationError):
			settings.save()
		frappe.db.rollback()
		settings = frappe.get_doc("Medic Plus Settings")
		settings.signup_enabled, settings.terms_url = 1, ""
		settings.terms_of_service = (
			"<p>Practices keep their patients' data <b>private</b>.</p><script>x()</script>"
		)
		settings.save()
		frappe.db.commit()  # nosemgrep: the server reads it
		try:
			page = request("GET", "/terms").get_data(as_text=True)
			self.assertIn("keep their patients", page)
			self.assertNotIn("<script>x()", page)
			self.assertIn('href="/terms"', request("GET", "/signup").get_data(as_text=True))
		finally:
			frappe.db.set_single_value("Medic Plus Settings", "terms_of_service", None)
			frappe.db.commit()  # nosemgrep
