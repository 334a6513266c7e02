"""Video visits and the assistant in a real browser (Debian's Chromium, headless,
Playwright): a doctor opens an encounter in Desk, asks the assistant for a draft plan,
edits it and saves the encounter; a patient opens /visit on a phone, gives the consent,
waits for the doctor, and enters the room once the doctor joins. Screenshots go to
$MEDIC_PLUS_ARTIFACTS/video."""

from __future__ import annotations

import json
import os
import unittest
from datetime import timedelta

import frappe

from medic_plus.api import video as visit_api
from medic_plus.booking import service
from medic_plus.booking.practice import get_practices
from medic_plus.tests.artifacts import artifacts_dir
from medic_plus.tests.axe import AXE, axe_findings, scrolls_sideways
from medic_plus.tests.fixtures import PASSWORD
from medic_plus.tests.server import running_server
from medic_plus.tests.test_assistant import PLAN, AssistantFixture
from medic_plus.tests.test_browser import CHROMIUM, log_in, new_page, script_errors, sync_playwright
from medic_plus.tests.test_video import SERVER, VIDEO_TYPE, ensure_video_type, set_platform_server

if sync_playwright:
	from playwright.sync_api import expect


@unittest.skipUnless(sync_playwright and os.path.exists(CHROMIUM), "needs Playwright and Chromium")
class TestVideoAndAssistantInBrowser(AssistantFixture):
	"""(AssistantFixture's patient, encounter, settings and local provider.)"""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.shots = artifacts_dir("video")

	def axe(self, page, where: str) -> None:
		"""axe-core (WCAG 2.1 A and AA) where it is installed: no serious or critical finding,
		and nothing scrolls sideways on a phone."""
		if os.path.exists(AXE):
			self.assertEqual(axe_findings(page, self.shots, where), [], where)
		self.assertFalse(scrolls_sideways(page), f"{where} scrolls sideways")

	def shot(self, page, name: str) -> None:
		page.screenshot(path=os.path.join(self.shots, f"{name}.png"), full_page=True)

	def test_a_doctor_drafts_the_plan_with_the_assistant_edits_and_saves_it(self):
		frappe.set_user("Administrator")
		self.server.content = json.dumps(PLAN)
		frappe.db.commit()  # nosemgrep: the server reads the fixture
		with running_server(workers=2) as url, sync_playwright() as pw:
			browser, page = new_page(pw, 1280, 900)
			errors = script_errors(page)
			log_in(page, url, self.bf.doctor_user, PASSWORD)
			page.goto(f"{url}/app/patient-encounter/{self.encounter}")
			page.get_by_role("button", name="Assistant").click()
			page.locator(".dropdown-menu.show").get_by_text("Draft Plan and Patient Letter").click()
			dialog = page.locator(".modal-dialog:visible")
			plan = dialog.locator("[data-fieldname='plan'] textarea")
			expect(plan).to_have_value(
				"Paracetamol for Thandiwe Grace Nkosi-Müller; review with ISO Book Doc at ISO Booking "
				"Practice in 3 days.",
				timeout=30000,
			)
			self.shot(page, "01-assistant-draft")
			plan.fill("Paracetamol 1 g up to four times a day; review in 3 days if not better.")
			dialog.get_by_role("button", name="Accept").click()
			page.keyboard.press("Control+s")
			expect(page.locator(".indicator-pill:visible").first).not_to_contain_text(
				"Not Saved", timeout=30000
			)
			self.shot(page, "02-encounter-saved")
			# the model's words are shown as text, never run as markup
			code = frappe.get_all(
				"Code Value", filters={"code_system": "ICD-10"}, pluck="code_value", limit=1
			)[0]
			self.server.content = json.dumps(
				{"codes": [{"code": code, "why": "<img src=x onerror=window.__mp_xss=1> fits [PATIENT]"}]}
			)
			page.get_by_role("button", name="Assistant").click()
			page.locator(".dropdown-menu.show").get_by_text("Suggest ICD-10 Codes").click()
			dialog = page.locator(".modal-dialog:visible")
			expect(
				dialog.get_by_text("<img src=x onerror=window.__mp_xss=1> fits Thandiwe", exact=False)
			).to_be_visible(timeout=30000)
			self.assertIsNone(page.evaluate("() => window.__mp_xss"))
			self.shot(page, "02b-icd10-suggestions")
			dialog.get_by_role("button", name="Discard").click()
			browser.close()
		self.assertEqual(errors, [])
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.get_value("Patient Encounter", self.encounter, "custom_plan"),
			"Paracetamol 1 g up to four times a day; review in 3 days if not better.",
		)
		self.assertTrue(
			frappe.db.get_value("Patient Encounter", self.encounter, "custom_patient_letter").startswith(
				"Dear Thandiwe"
			)
		)
		self.assertEqual(len(self.server.received), 2)
		self.assert_nothing_identifies_her()

	def test_a_patient_gives_consent_waits_and_enters_the_room(self):
		frappe.set_user("Administrator")
		ensure_video_type()
		set_platform_server(SERVER)
		practice = get_practices({"name": self.bf.practice}, limit=1)[0]
		start = (practice.now() + timedelta(minutes=5)).replace(second=0, microsecond=0)
		doc = frappe.get_doc(
			{
				"doctype": "Patient Appointment",
				"patient": self.patient_name,
				"practitioner": self.bf.doctor,
				"appointment_type": VIDEO_TYPE,
				"appointment_date": start.date(),
				"appointment_time": start.strftime("%H:%M:%S"),
				"duration": 20,
				"custom_practice": self.bf.practice,
			}
		)
		doc.flags.ignore_permissions = True
		doc.insert()
		token = service.ensure_manage_token(doc)
		frappe.db.commit()  # nosemgrep: the server reads it
		try:
			with running_server(workers=2) as url, sync_playwright() as pw:
				browser, page = new_page(pw, 390, 844)
				errors = script_errors(page)
				page.goto(f"{url}/visit?token={token}")
				expect(page.locator("#mp-consent")).to_be_visible(timeout=30000)
				self.shot(page, "03-visit-consent")
				self.axe(page, "03-visit-consent")
				page.get_by_label("I agree to be seen by video").check()
				page.get_by_role("button", name="Agree and continue").click()
				expect(page.locator("#mp-waiting")).to_be_visible(timeout=30000)
				self.shot(page, "04-visit-waiting")
				self.axe(page, "04-visit-waiting")
				frappe.set_user(self.bf.doctor_user)
				visit_api.doctor_join(doc.name)
				frappe.db.commit()  # nosemgrep: as the doctor's request would
				frame = page.locator("#mp-frame")
				expect(page.locator("#mp-room")).to_be_visible(timeout=30000)
				self.assertTrue(
					frame.get_attribute("src").startswith(f"{SERVER}/{doc.custom_video_room}?jwt=")
				)
				self.shot(page, "05-visit-room")
				browser.close()
			self.assertEqual(errors, [])
			frappe.set_user("Administrator")
			self.assertTrue(
				frappe.db.exists("Patient Consent", {"patient": self.patient_name, "purpose": "Telemedicine"})
			)
		finally:
			frappe.set_user("Administrator")
			frappe.db.rollback()
			frappe.db.delete("Patient Consent", {"patient": self.patient_name})
			frappe.delete_doc("Patient Appointment", doc.name, force=True, ignore_permissions=True)
			frappe.db.commit()  # nosemgrep: what the test committed, removed
