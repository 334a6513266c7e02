"""The patient portal (/patient): signing in with a code, one card per practice that holds
the person, nothing of anyone else, and a session held to the portal's class of methods."""

from __future__ import annotations

import re
import threading
from unittest.mock import patch

import frappe
import requests
from frappe.utils import add_days

from medic_plus import durable
from medic_plus.api import booking as booking_api
from medic_plus.api import portal as api
from medic_plus.portal import identity
from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.fixtures import get_booking_fixture, get_fixture, prescription
from medic_plus.tests.http import body_text, new_client, shape
from medic_plus.tests.server import running_server
from medic_plus.tests.test_booking import code_for, form, practice_today

EMAIL = "anna.portal@example.com"
MOBILE = "+27821110042"


class Browser:
	"""One visitor: a test client that keeps its cookies; each request on a thread of its
	own (its own database connection, committed data only)."""

	def __init__(self, url: str | None = None):
		"""``url``: a running server's (where a request needs the site served, a PDF's
		styles say); else the application in-process."""
		self.site = frappe.local.site
		self.url = url
		self.client = requests.Session() if url else new_client()
		self.csrf = None

	def send(self, method: str, path: str, **kwargs):
		if self.url:
			headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
			if self.csrf:
				headers["X-Frappe-CSRF-Token"] = self.csrf
			if "query_string" in kwargs:
				kwargs["params"] = kwargs.pop("query_string")
			return self.client.request(method, self.url + path, headers=headers, timeout=120, **kwargs)
		out = {}

		def run():
			with patch("frappe.app.get_site_name", return_value=self.site):
				headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
				if self.csrf:
					headers["X-Frappe-CSRF-Token"] = self.csrf
				out["r"] = getattr(self.client, method.lower())(path, headers=headers, **kwargs)

		thread = threading.Thread(target=run)
		thread.start()
		thread.join()
		return out["r"]

	def call(self, method: str, verb: str = "POST", **args):
		if verb == "GET":
			return self.send("GET", f"/api/method/{method}", query_string=args)
		return self.send("POST", f"/api/method/{method}", json=args)

	def sign_in(self, identifier: str, first: str, last: str, code: str):
		response = self.call(
			"medic_plus.api.portal.sign_in",
			identifier=identifier,
			first_name=first,
			last_name=last,
			code=code,
		)
		if response.status_code == 200:
			page = body_text(self.send("GET", "/patient", headers={"Accept": "text/html"}))
			found = re.search(r'csrf_token\s*=\s*"([^"]+)"', page)
			self.csrf = found and found.group(1)
		return response


def payload(response):
	"""The ``message`` of a response of either client."""
	body = response.json() if callable(response.json) else response.json
	return body["message"]


def content(response) -> bytes:
	return response.content if hasattr(response, "content") else response.get_data()


def patient(practice: str, first: str, last: str, email: str | None = None, mobile: str | None = None):
	name = frappe.db.get_value(
		"Patient", {"first_name": first, "last_name": last, "custom_practice": practice}
	)
	if not name:
		doc = frappe.get_doc(
			{
				"doctype": "Patient",
				"first_name": first,
				"last_name": last,
				"sex": "Female",
				"email": email,
				"mobile": mobile,
				"invite_user": 0,
				"custom_practice": practice,
			}
		)
		name = doc.insert(ignore_permissions=True).name
	return name


class PortalTestCase(IntegrationTestCase):
	"""Anna at two practices (and at A her child Kim, and Ben on the family address), Mo
	by mobile, a sick note and a prescription of Anna's."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.fx = get_fixture()
		cls.bf = get_booking_fixture()
		a, b = cls.fx.a.practice, cls.fx.b.practice
		cls.anna_a = patient(a, "Anna", "Portal", email=EMAIL)
		cls.anna_b = patient(b, "Anna", "Portál", email=EMAIL.upper())
		cls.ben_a = patient(a, "Ben", "Portal", email=EMAIL)  # the family address
		cls.kid_a = patient(a, "Kim", "Portal")
		cls.kid_b = patient(b, "Kai", "Portal")  # (the wall refuses a link across practices)
		cls.mo_a = patient(a, "Mo", "Portal", mobile=MOBILE)
		for child, parent in ((cls.kid_a, cls.anna_a),):
			doc = frappe.get_doc("Patient", child)
			if not doc.patient_relation:
				doc.append("patient_relation", {"patient": parent, "relation": "Mother"})
				doc.flags.ignore_permissions = True
				doc.save()
		cls.note = cls.sick_note(cls.anna_a)
		cls.other_note = cls.sick_note(cls.ben_a)
		cls.encounter = cls.prescribe(cls.anna_a)
		frappe.set_user("Administrator")
		frappe.db.commit()  # nosemgrep: the requests run on connections of their own

	@classmethod
	def sick_note(cls, patient: str) -> str:
		frappe.set_user(cls.fx.a.doctor)
		note = frappe.get_doc(
			{
				"doctype": "Sick Note",
				"patient": patient,
				"practitioner": cls.fx.a.practitioner,
				"issue_date": frappe.utils.today(),
				"date_from": frappe.utils.today(),
				"date_to": frappe.utils.today(),
				"fitness": "Unfit for duty",
				"diagnosis": "Influenza",
			}
		).insert()
		note.submit()
		return note.name

	@classmethod
	def prescribe(cls, patient: str) -> str:
		encounter = prescription(cls.fx.a.doctor, cls.fx.a.practitioner, patient)
		encounter.submit()
		return encounter.name

	def setUp(self):
		durable.delete_keys("medic_plus:otp")
		durable.delete_keys("medic_plus:rl")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def signed_in(self, identifier=EMAIL, first="Anna", last="Portal", url=None) -> Browser:
		browser = Browser(url)
		response = browser.sign_in(identifier, first, last, code_for("portal", identifier))
		self.assertEqual(response.status_code, 200, body_text(response)[:300])
		self.assertTrue(browser.csrf)
		return browser

	def home(self, browser: Browser) -> dict:
		response = browser.call("medic_plus.api.portal.get_home", "GET")
		self.assertEqual(response.status_code, 200, body_text(response)[:300])
		return payload(response)


class TestPortal(PortalTestCase):
	# --- signing in -----------------------------------------------------------------------

	def test_a_code_goes_only_to_a_person_a_practice_holds_and_the_answer_is_the_same(self):
		frappe.set_user("Guest")
		before = frappe.db.count("Email Queue")
		known = api.request_code(EMAIL, "Anna", "Portal", form_token=form())
		mail = frappe.get_last_doc("Email Queue")
		self.assertEqual(frappe.db.count("Email Queue"), before + 1)
		self.assertIn(EMAIL, [r.recipient for r in mail.recipients])
		self.assertRegex(mail.message, r"\d{6}")
		unknown = api.request_code("nobody.portal@example.com", "Anna", "Portal", form_token=form())
		# a known address with a name it does not hold: no code either
		wrong_name = api.request_code(EMAIL, "Zora", "Portal", form_token=form())
		self.assertEqual(frappe.db.count("Email Queue"), before + 1)
		for answer in (unknown, wrong_name):
			self.assertEqual(
				{k: v for k, v in answer.items() if k != "form_token"},
				{k: v for k, v in known.items() if k != "form_token"},
			)

	def test_bad_input_is_a_clear_400_naming_the_field(self):
		frappe.set_user("Guest")
		for identifier, first, field in (
			("not-an-address", "Anna", "identifier"),
			("0821234567", "Anna", "identifier"),
			(EMAIL, "", "first_name"),
		):
			with self.subTest(identifier=identifier, first=first):
				frappe.local.response.pop("invalid_field", None)
				with self.assertRaises(booking_api.BadBookingRequest):
					api.request_code(identifier, first, "Portal", form_token=form())
				self.assertEqual(frappe.local.response.get("invalid_field"), field)
		with self.assertRaises(frappe.ValidationError):
			api.request_code(EMAIL, "Anna", "Portal", form_token="forged")

	def test_sign_in_by_e_mail_and_by_mobile(self):
		anna = self.home(self.signed_in())
		self.assertEqual(anna["first_name"], "Anna")
		mo = self.home(self.signed_in(MOBILE, "Mo", "Portal"))
		self.assertEqual(
			[(c["practice"]["slug"], [p["patient"] for p in c["people"]]) for c in mo["practices"]],
			[(self.fx.a.slug, [self.mo_a])],
		)
		user = frappe.db.get_value("Portal Account", {"identifier": MOBILE}, "user")
		self.assertEqual(frappe.db.get_value("User", user, "user_type"), "Website User")
		self.assertIn(identity.ROLE, frappe.get_roles(user))
		self.assertNotIn("System Manager", frappe.get_roles(user))

	def test_a_wrong_replayed_or_guessed_code_is_refused(self):
		browser = Browser()
		code = code_for("portal", EMAIL)
		wrong = "000000" if code != "000000" else "111111"
		self.assertEqual(browser.sign_in(EMAIL, "Anna", "Portal", wrong).status_code, 403)
		self.assertEqual(browser.sign_in(EMAIL, "Anna", "Portal", code).status_code, 200)
		again = Browser()
		self.assertEqual(again.sign_in(EMAIL, "Anna", "Portal", code).status_code, 403, "spent")
		# guessing: the code dies after its tries, the right one included
		code = code_for("portal", EMAIL)
		for _ in range(5):
			again.sign_in(EMAIL, "Anna", "Portal", wrong)
		self.assertEqual(again.sign_in(EMAIL, "Anna", "Portal", code).status_code, 403)
		# the right code with a name that holds no record: refused like a wrong one
		code = code_for("portal", EMAIL)
		self.assertEqual(again.sign_in(EMAIL, "Zora", "Portal", code).status_code, 403)

	# --- what a person sees -------------------------------------------------------------------

	def test_a_person_at_two_practices_sees_two_cards_and_nothing_else(self):
		home = self.home(self.signed_in())
		cards = {c["practice"]["slug"]: c for c in home["practices"]}
		self.assertEqual(set(cards), {self.fx.a.slug, self.fx.b.slug})
		people = {slug: {(p["patient"], p["own"]) for p in c["people"]} for slug, c in cards.items()}
		# her own record at each; at A the child A linked to her; never Ben (the family
		# address), nor another child of the same name at B
		self.assertEqual(people[self.fx.a.slug], {(self.anna_a, True), (self.kid_a, False)})
		self.assertEqual(people[self.fx.b.slug], {(self.anna_b, True)})
		self.assertNotIn(self.ben_a, str(home))
		self.assertNotIn(self.kid_b, str(home))
		self.assertEqual(cards[self.fx.a.slug]["practice"]["practice_name"], "ISO Alpha Practice")

	def test_a_family_address_shows_only_the_person_who_signed_in(self):
		home = self.home(self.signed_in(EMAIL, "Ben", "Portal"))
		self.assertEqual(
			[(c["practice"]["slug"], [p["patient"] for p in c["people"]]) for c in home["practices"]],
			[(self.fx.a.slug, [self.ben_a])],
		)

	def test_every_record_the_home_shows_is_in_the_access_log_as_the_patient(self):
		from medic_plus.privacy import access_log

		browser = self.signed_in()
		self.home(browser)
		access_log.flush()
		user = frappe.db.get_value("Portal Account", {"identifier": EMAIL, "first_name": "Anna"}, "user")
		logged = set(
			frappe.get_all(
				"Patient Access Log",
				filters={"user": user, "action": "read", "actor": "Patient"},
				pluck="reference_name",
			)
		)
		self.assertLessEqual({self.anna_a, self.anna_b, self.kid_a}, logged)

	# --- visits ---------------------------------------------------------------------------

	def test_a_visit_booked_online_is_on_the_card_and_managed_from_there(self):
		day = add_days(practice_today(), 21)  # (the booking tests' days are nearer)
		free = booking_api.get_availability(self.bf.slug, self.bf.doctor, str(day))["days"][str(day)]
		at = free[len(free) // 2]["time"]
		email, booked = self.book_online("Greta", day, at)
		browser = self.signed_in(email, "Greta", "Guest")
		(card,) = self.home(browser)["practices"]
		(visit,) = card["upcoming"]
		self.assertEqual((visit["date"], visit["time"], visit["can_cancel"]), (str(day), at, True))
		link = browser.call("medic_plus.api.portal.manage_link", visit=visit["appointment"])
		self.assertEqual(link.status_code, 200, link.get_data(as_text=True)[:300])
		token = link.json["message"]["url"].split("token=")[1]
		seen = browser.call("medic_plus.api.booking.get_booking", "GET", token=token)
		self.assertEqual(seen.json["message"]["reference"], booked["reference"])
		cancelled = browser.call("medic_plus.api.booking.cancel_booking", token=token)
		self.assertEqual(cancelled.json["message"]["status"], "Cancelled")
		(card,) = self.home(browser)["practices"]
		self.assertEqual(card["upcoming"], [])
		self.assertEqual(card["past"][0]["status"], "Cancelled")

	def test_a_video_visit_is_joined_from_the_card(self):
		from medic_plus.tests.test_video import SERVER, VIDEO_TYPE, ensure_video_type, set_platform_server

		ensure_video_type()
		set_platform_server(SERVER)
		self.addCleanup(lambda: (set_platform_server(None), frappe.db.commit()))  # nosemgrep
		day = add_days(practice_today(), 22)
		free = booking_api.get_availability(self.bf.slug, self.bf.doctor, str(day))["days"][str(day)]
		email, booked = self.book_online("Vera", day, free[0]["time"], appointment_type=VIDEO_TYPE)
		browser = self.signed_in(email, "Vera", "Guest")
		(card,) = self.home(browser)["practices"]
		(visit,) = card["upcoming"]
		self.assertTrue(visit["video"])
		link = browser.call("medic_plus.api.portal.manage_link", visit=visit["appointment"])
		token = booked["visit_url"].split("token=")[1]
		self.assertTrue(link.json["message"]["visit_url"].endswith(f"/visit?token={token}"))
		seen = browser.call("medic_plus.api.video.get_visit", "GET", token=token)
		self.assertEqual(seen.status_code, 200, seen.get_data(as_text=True)[:300])
		self.assertEqual(seen.json["message"]["state"], "early")

	# --- documents ------------------------------------------------------------------------

	def documents(self, browser) -> set[tuple[str, str]]:
		cards = {c["practice"]["slug"]: c for c in self.home(browser)["practices"]}
		return {(d["kind"], d["name"]) for d in cards[self.fx.a.slug]["documents"]}

	def download(self, browser, kind: str, name: str):
		return browser.call("medic_plus.api.portal.get_document", "GET", kind=kind, name=name)

	def test_each_document_kind_downloads_only_when_released(self):
		# a PDF's styles come from the site: a served one
		with running_server(workers=2) as url:
			self.released_documents(self.signed_in(url=url))

	def released_documents(self, browser):
		listed = self.documents(browser)
		self.assertIn(("sick_note", self.note), listed)
		self.assertIn(("prescription", self.encounter), listed)
		self.assertNotIn(("summary", self.encounter), listed, "summaries are not released by default")
		for kind, name in (("sick_note", self.note), ("prescription", self.encounter)):
			with self.subTest(kind=kind):
				pdf = self.download(browser, kind, name)
				self.assertEqual(pdf.status_code, 200, body_text(pdf)[:300])
				self.assertTrue(content(pdf).startswith(b"%PDF"))
		summary = self.download(browser, "summary", self.encounter)
		missing = self.download(browser, "summary", "NO-SUCH-DOC")
		self.assertEqual(summary.status_code, 404)
		self.assertEqual(shape(summary, self.encounter), shape(missing, "NO-SUCH-DOC"))
		# the practice releases summaries; then withholds sick notes
		practice = self.fx.a.practice
		try:
			frappe.db.set_value(
				"Practice", practice, {"portal_release_summaries": 1, "portal_release_sick_notes": 0}
			)
			frappe.db.commit()  # nosemgrep: the requests run on connections of their own
			listed = self.documents(browser)
			self.assertIn(("summary", self.encounter), listed)
			self.assertEqual(self.download(browser, "summary", self.encounter).status_code, 200)
			self.assertNotIn(("sick_note", self.note), listed)
			self.assertEqual(self.download(browser, "sick_note", self.note).status_code, 404)
		finally:
			frappe.db.set_value(
				"Practice", practice, {"portal_release_summaries": 0, "portal_release_sick_notes": 1}
			)
			frappe.db.commit()  # nosemgrep: the shared fixture back

	def test_another_persons_document_answers_like_a_missing_one(self):
		browser = self.signed_in()
		foreign = self.download(browser, "sick_note", self.other_note)
		missing = self.download(browser, "sick_note", "NO-SUCH-DOC")
		self.assertEqual(foreign.status_code, 404)
		self.assertEqual(shape(foreign, self.other_note), shape(missing, "NO-SUCH-DOC"))
		for kind in ("", "Sick Note", "../etc"):
			with self.subTest(kind=kind):
				self.assertEqual(self.download(browser, kind, self.note).status_code, 404)

	# --- the safety record and the patient's data -------------------------------------

	def test_the_allergies_and_the_medication_as_recorded(self):
		frappe.set_user("Administrator")
		if not frappe.db.exists("Patient Allergy", {"patient": self.anna_a, "substance": "Penicillin"}):
			frappe.get_doc(
				{
					"doctype": "Patient Allergy",
					"patient": self.anna_a,
					"substance": "Penicillin",
					"category": "medication",
					"criticality": "high",
					"status": "active",
					"reaction": "Hives",
				}
			).insert(ignore_permissions=True)
			frappe.db.commit()  # nosemgrep: the requests run on connections of their own
		cards = {c["practice"]["slug"]: c for c in self.home(self.signed_in())["practices"]}
		anna = next(p for p in cards[self.fx.a.slug]["people"] if p["patient"] == self.anna_a)
		self.assertIn(
			{"substance": "Penicillin", "criticality": "high", "reaction": "Hives", "category": "medication"},
			anna["allergies"],
		)
		self.assertIn("Amoxicillin 500 mg", [m["name"] for m in anna["medication"]])
		kim = next(p for p in cards[self.fx.a.slug]["people"] if p["patient"] == self.kid_a)
		self.assertEqual((kim["allergies"], kim["medication"]), ([], []))

	def test_what_was_billed_and_the_statement_where_the_practice_bills(self):
		frappe.set_user("Administrator")
		name = "ISO-PORTAL-SINV"
		if not frappe.db.exists("Sales Invoice", name):
			doc = frappe.new_doc("Sales Invoice")
			doc.update(
				{
					"company": frappe.db.get_value("Practice", self.fx.a.practice, "company"),
					"posting_date": frappe.utils.today(),
					"customer": "ISO-A-CUST",
					"customer_name": "Anna Portal",
					"patient": self.anna_a,
					"currency": "ZAR",
					"grand_total": 450,
					"outstanding_amount": 450,
					"status": "Unpaid",
					"docstatus": 1,
				}
			)
			doc.name = name
			doc.db_insert()
			frappe.db.commit()  # nosemgrep: the requests run on connections of their own
		self.addCleanup(self.forget_invoice, name)
		cards = {c["practice"]["slug"]: c for c in self.home(self.signed_in())["practices"]}
		anna = next(p for p in cards[self.fx.a.slug]["people"] if p["patient"] == self.anna_a)
		(invoice,) = [i for i in anna["account"]["invoices"] if i["invoice"] == name]
		self.assertEqual(
			(invoice["total"], invoice["outstanding"], invoice["billed_to"]), (450, 450, "Anna Portal")
		)
		self.assertIn(
			("statement", self.anna_a), {(d["kind"], d["name"]) for d in cards[self.fx.a.slug]["documents"]}
		)
		# nothing billed at B, and B's card shows none of A's books
		anna_b = next(p for p in cards[self.fx.b.slug]["people"] if p["patient"] == self.anna_b)
		self.assertIsNone(anna_b["account"])
		self.assertNotIn(name, str(cards[self.fx.b.slug]))

	def test_download_my_data_returns_the_zip_and_logs_it(self):
		import io
		import json
		import zipfile

		from medic_plus.privacy import access_log

		with running_server(workers=2) as url:
			browser = self.signed_in(url=url)
			got = browser.call("medic_plus.api.portal.download_my_data", "GET", record=self.anna_a)
			self.assertEqual(got.status_code, 200, body_text(got)[:300])
			archive = zipfile.ZipFile(io.BytesIO(content(got)))
			names = archive.namelist()
			self.assertIn("fhir-everything.json", names)
			self.assertIn("access-log.csv", names)
			self.assertIn(f"sick-notes/{self.note}.pdf", names)
			bundle = json.loads(archive.read("fhir-everything.json"))
			self.assertEqual(bundle["resourceType"], "Bundle")
			ids = {e["resource"]["resourceType"] for e in bundle["entry"]}
			self.assertIn("Patient", ids)
			# nothing of Ben's (the family address) nor of the other practice
			self.assertNotIn(self.ben_a, archive.read("fhir-everything.json").decode())
			self.assertNotIn(self.anna_b, archive.read("fhir-everything.json").decode())
			foreign = browser.call("medic_plus.api.portal.download_my_data", "GET", record=self.ben_a)
			missing = browser.call("medic_plus.api.portal.download_my_data", "GET", record="NO-SUCH")
			self.assertEqual(foreign.status_code, 404)
			self.assertEqual(shape(foreign, self.ben_a), shape(missing, "NO-SUCH"))
		access_log.flush()
		user = frappe.db.get_value("Portal Account", {"identifier": EMAIL, "first_name": "Anna"}, "user")
		self.assertTrue(
			frappe.db.exists(
				"Patient Access Log",
				{"user": user, "action": "export", "reference_name": self.anna_a, "actor": "Patient"},
			)
		)

	# --- consents -------------------------------------------------------------------------

	def reminder_texts(self) -> int:
		"""How many text messages a reminder of Mo's visit tomorrow sends."""
		from medic_plus.booking import notify
		from medic_plus.booking import practice as booking_practice

		appointment = frappe._dict(
			patient=self.mo_a,
			practitioner=self.fx.a.practitioner,
			appointment_date=add_days(practice_today(), 1),
			appointment_time="09:00:00",
			duration=15,
			name="PORTAL-REMINDER",
			custom_booking_reference="R-1",
		)
		practice = booking_practice.get_practices({"name": self.fx.a.practice}, limit=1)[0]
		practice.send_sms_reminders = 1
		with patch.object(notify, "_queue_sms") as sms, patch.object(notify, "_sendmail"):
			notify.send_reminder(practice, appointment, "token")
		return sms.call_count

	def test_a_withdrawn_sms_consent_stops_the_sms_reminder(self):
		from medic_plus.medic_plus.doctype.patient_consent import patient_consent

		frappe.set_user("Administrator")
		patient_consent.record(self.mo_a, ("SMS", "Treatment"), "Paper")
		frappe.db.commit()  # nosemgrep: the requests run on connections of their own
		self.assertEqual(self.reminder_texts(), 1, "a text message while the consent is in force")
		browser = self.signed_in(MOBILE, "Mo", "Portal")
		(card,) = self.home(browser)["practices"]
		listed = {k["purpose"]: k for k in card["consents"]}
		self.assertTrue(listed["SMS"]["withdrawable"])
		self.assertFalse(listed["Treatment"]["withdrawable"])
		refused = browser.call(
			"medic_plus.api.portal.withdraw_consent", consent=listed["Treatment"]["consent"]
		)
		self.assertEqual(refused.status_code, 417, refused.get_data(as_text=True)[:300])
		done = browser.call("medic_plus.api.portal.withdraw_consent", consent=listed["SMS"]["consent"])
		self.assertEqual(done.status_code, 200, done.get_data(as_text=True)[:300])
		self.assertNotIn("SMS", {k["purpose"] for k in done.json["message"]["practices"][0]["consents"]})
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.get_value("Patient Consent", listed["SMS"]["consent"], "status"), "Withdrawn"
		)
		self.assertTrue(
			frappe.get_all("Version", {"ref_doctype": "Patient Consent", "docname": listed["SMS"]["consent"]})
		)
		# the reminder goes to no number now
		self.assertEqual(self.reminder_texts(), 0)
		# another person's consent answers like a missing one
		other = frappe.get_all("Patient Consent", {"patient": ("!=", self.mo_a)}, pluck="name", limit=1)
		if other:
			foreign = browser.call("medic_plus.api.portal.withdraw_consent", consent=other[0])
			missing = browser.call("medic_plus.api.portal.withdraw_consent", consent="NO-SUCH-CONSENT")
			self.assertEqual(foreign.status_code, 404)
			self.assertEqual(shape(foreign, other[0]), shape(missing, "NO-SUCH-CONSENT"))

	def book_online(self, first: str, day, at: str, **values) -> tuple[str, dict]:
		"""(the e-mail, the booking) of a person who booked on /book (``values``: more of the
		booking's fields)."""
		frappe.set_user("Guest")
		email = f"{first.lower()}.{frappe.generate_hash(length=6)}@example.org"
		booked = booking_api.verify_and_book(
			practice=self.bf.slug,
			otp=code_for(self.bf.practice, email),
			practitioner=self.bf.doctor,
			appointment_date=str(day),
			appointment_time=at,
			first_name=first,
			last_name="Guest",
			email=email,
			**values,
		)
		frappe.db.commit()  # nosemgrep: the requests run on connections of their own
		self.addCleanup(self.forget_booking, booked["reference"])
		return email, booked

	def test_a_follow_up_with_the_same_doctor_keeps_every_booking_rule(self):
		import threading

		day = add_days(practice_today(), 22)
		free = [
			s["time"]
			for s in booking_api.get_availability(self.bf.slug, self.bf.doctor, str(day))["days"][str(day)]
		]
		first, contested, later = free[0], free[len(free) // 2], free[-1]
		greta_email, _ = self.book_online("Greta", day, first)
		hanna_email, _ = self.book_online("Hanna", day, later)
		greta = self.signed_in(greta_email, "Greta", "Guest")
		hanna = self.signed_in(hanna_email, "Hanna", "Guest")
		visits = {
			who: self.home(b)["practices"][0]["upcoming"][0]["appointment"]
			for who, b in (("greta", greta), ("hanna", hanna))
		}
		answers = {}

		def follow_up(who, browser):
			answers[who] = browser.call(
				"medic_plus.api.portal.book_follow_up",
				visit=visits[who],
				appointment_date=str(day),
				appointment_time=contested,
			)

		threads = [
			threading.Thread(target=follow_up, args=("greta", greta)),
			threading.Thread(target=follow_up, args=("hanna", hanna)),
		]
		for t in threads:
			t.start()
		for t in threads:
			t.join()
		codes = sorted(a.status_code for a in answers.values())
		self.assertEqual(codes, [200, 409], {k: body_text(v)[:200] for k, v in answers.items()})
		winner = next(b for who, b in (("greta", greta), ("hanna", hanna)) if answers[who].status_code == 200)
		self.addCleanup(
			self.forget_booking, payload(answers["greta" if winner is greta else "hanna"])["reference"]
		)
		# for the same record, at the same doctor; the card shows both visits
		(card,) = self.home(winner)["practices"]
		self.assertEqual(len(card["people"]), 1)
		self.assertEqual(
			sorted(v["time"] for v in card["upcoming"]),
			sorted({contested, first if winner is greta else later}),
		)
		# the practice's cap of open online bookings holds (two by default)
		third = winner.call(
			"medic_plus.api.portal.book_follow_up",
			visit=visits["greta" if winner is greta else "hanna"],
			appointment_date=str(day),
			appointment_time=free[1],
		)
		self.assertEqual(third.status_code, 409, body_text(third)[:300])
		# a time outside the practice's window is a 400 naming the field
		far = winner.call(
			"medic_plus.api.portal.book_follow_up",
			visit=visits["greta" if winner is greta else "hanna"],
			appointment_date=str(add_days(practice_today(), 400)),
			appointment_time=first,
		)
		self.assertEqual(far.status_code, 400)
		# another person's visit is "not found"
		foreign = hanna.call(
			"medic_plus.api.portal.book_follow_up",
			visit=visits["greta"],
			appointment_date=str(day),
			appointment_time=free[2],
		)
		self.assertEqual(foreign.status_code, 404)

	@staticmethod
	def forget_invoice(name: str) -> None:
		frappe.db.rollback()
		frappe.db.delete("Sales Invoice", {"name": name})
		frappe.db.commit()  # nosemgrep: the books as the other tests know them

	@staticmethod
	def forget_booking(reference: str) -> None:
		from medic_plus.tests.utils import delete_booked

		frappe.set_user("Administrator")
		frappe.db.rollback()
		row = frappe.db.get_value(
			"Patient Appointment", {"custom_booking_reference": reference}, ["name", "patient"]
		)
		if row:
			delete_booked(*row)
			frappe.db.commit()  # nosemgrep: the shared calendar back

	# --- attacks --------------------------------------------------------------------------

	def test_another_persons_visit_answers_like_a_missing_one(self):
		browser = self.signed_in()
		other = self.fx.b.records["Patient Appointment"]
		foreign = browser.call("medic_plus.api.portal.manage_link", visit=other)
		missing = browser.call("medic_plus.api.portal.manage_link", visit="NO-SUCH-VISIT")
		self.assertEqual(foreign.status_code, 404)
		self.assertEqual(shape(foreign, other), shape(missing, "NO-SUCH-VISIT"))

	def test_a_portal_session_runs_the_portals_class_only(self):
		browser = self.signed_in()
		unknown = browser.call("medic_plus.api.no_such.method")
		for method, verb, args in (
			("frappe.client.get_list", "POST", {"doctype": "Patient"}),
			("frappe.desk.reportview.get", "POST", {"doctype": "Patient Appointment"}),
			("frappe.client.get", "POST", {"doctype": "Patient", "name": self.anna_a}),
			("medic_plus.api.context.get_context", "GET", {}),
			("medic_plus.api.signup.request_signup_code", "POST", {"email": EMAIL}),
			("medic_plus.api.portal.request_code", "POST", {"identifier": EMAIL}),
			("medic_plus.api.privacy.export_patient", "GET", {"patient": self.anna_a}),
		):
			with self.subTest(method=method):
				response = browser.call(method, verb, **args)
				self.assertEqual(response.status_code, 404, response.get_data(as_text=True)[:300])
				self.assertEqual(shape(response, method), shape(unknown, "medic_plus.api.no_such.method"))
		for path in (f"/api/resource/Patient/{self.anna_a}", "/api/resource/Patient"):
			with self.subTest(path=path):
				self.assertIn(browser.send("GET", path).status_code, (403, 404))
		desk = browser.send("GET", "/app/patient", headers={"Accept": "text/html"})
		self.assertNotEqual(desk.status_code, 200)

	def test_a_private_attachment_is_not_served_to_a_portal_session(self):
		"""Even one attached to the patient's own record: the portal serves documents it
		releases, never the files of the practice's record."""
		frappe.set_user("Administrator")
		url = frappe.db.get_value(
			"File", {"attached_to_name": self.anna_a, "file_name": "portal-scan.txt"}, "file_url"
		)
		if not url:
			url = (
				frappe.get_doc(
					{
						"doctype": "File",
						"file_name": "portal-scan.txt",
						"is_private": 1,
						"content": b"a scan of the record",
						"attached_to_doctype": "Patient",
						"attached_to_name": self.anna_a,
					}
				)
				.insert(ignore_permissions=True)
				.file_url
			)
			frappe.db.commit()  # nosemgrep: the requests run on connections of their own
		browser = self.signed_in()
		for path in (url, url.replace("portal-scan", "portal-scan-guess")):
			with self.subTest(path=path):
				response = browser.send("GET", path, headers={"Accept": "*/*"})
				self.assertIn(response.status_code, (403, 404))
				self.assertNotIn(b"a scan of the record", content(response))

	def test_another_practices_slug_tells_a_portal_session_no_more_than_a_guest(self):
		"""A patient of A probing B: the booking's public answers, the same as a guest's, and
		no way to name B to the portal (it takes no practice)."""
		browser = self.signed_in()
		for method, args in (
			("medic_plus.api.booking.get_practice_info", {"practice": self.fx.b.slug}),
			("medic_plus.api.booking.get_practice_info", {"practice": "no-such-practice"}),
			("medic_plus.api.booking.get_practice_practitioners", {"practice": self.fx.b.slug}),
		):
			with self.subTest(method=method, args=args):
				mine = browser.call(method, "GET", **args)
				guest = Browser().call(method, "GET", **args)
				self.assertEqual(shape(mine, "-"), shape(guest, "-"))
		home = browser.call("medic_plus.api.portal.get_home", "GET", practice=self.fx.b.slug)
		self.assertNotIn(self.fx.b.patient, body_text(home))
		cards = {c["practice"]["slug"] for c in payload(home)["practices"]}
		self.assertEqual(cards, {self.fx.a.slug, self.fx.b.slug})  # Anna's own at B, nothing else

	def test_a_guest_has_no_home(self):
		response = Browser().call("medic_plus.api.portal.get_home", "GET")
		self.assertIn(response.status_code, (403, 404))

	def test_the_page_serves_the_sign_in_to_a_guest(self):
		page = Browser().send("GET", "/patient", headers={"Accept": "text/html"})
		self.assertEqual(page.status_code, 200)
		self.assertIn('id="mp-request"', page.get_data(as_text=True))
