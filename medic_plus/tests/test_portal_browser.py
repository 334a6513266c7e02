"""The patient portal in a real browser (Debian's Chromium, headless, Playwright) on a
phone: sign in with the code from the mail queue, see each practice, move a visit,
download a sick note, withdraw the SMS consent, sign out; axe-core on every view at a
phone's and a laptop's width. Screenshots go to $MEDIC_PLUS_ARTIFACTS/portal."""

from __future__ import annotations

import os
import unittest

import frappe
from frappe.utils import add_days, getdate

from medic_plus import demo, durable
from medic_plus.tests.artifacts import artifacts_dir
from medic_plus.tests.axe import AXE, WIDTHS, axe_findings, scrolls_sideways
from medic_plus.tests.server import running_server
from medic_plus.tests.test_booking import practice_today
from medic_plus.tests.test_browser import CHROMIUM, latest_code, new_page, script_errors, sync_playwright
from medic_plus.tests.test_operations import make_appointment
from medic_plus.tests.test_portal import EMAIL, PortalTestCase

if sync_playwright:
	from playwright.sync_api import expect


@unittest.skipUnless(
	sync_playwright and os.path.exists(CHROMIUM) and os.path.exists(AXE),
	"needs Playwright, Chromium and axe-core",
)
class TestPortalInBrowser(PortalTestCase):
	"""(PortalTestCase's records, and Anna at the practice that books online with a visit.)"""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from medic_plus.medic_plus.doctype.patient_consent import patient_consent

		cls.shots = artifacts_dir("portal")
		# Anna at the practice that books online too: a third card, with a visit to move
		cls.anna_book = demo.ensure_patient(cls.bf.practice, "Anna", "Portal", EMAIL)
		cls.day = getdate(add_days(practice_today(), 12))
		cls.visit = make_appointment(
			cls.bf.practice, cls.anna_book, cls.bf.doctor, day=str(cls.day), time="10:00:00"
		)
		patient_consent.record(cls.anna_a, ("SMS",), "Paper")
		frappe.db.commit()  # nosemgrep: the server reads them

	@classmethod
	def tearDownClass(cls):
		# the other tests know Anna at two practices
		frappe.db.delete("Patient Appointment", {"patient": cls.anna_book})
		frappe.db.delete("Patient", {"name": cls.anna_book})
		frappe.db.commit()  # nosemgrep: the shared fixture back
		super().tearDownClass()

	def axe(self, page, where: str):
		self.assertEqual(axe_findings(page, self.shots, where), [], where)
		self.assertFalse(scrolls_sideways(page), f"{where} scrolls sideways")

	def sign_in(self, page, url: str):
		page.goto(f"{url}/patient")
		page.get_by_label("E-mail or mobile number").fill(EMAIL)
		page.get_by_label("First name").fill("Anna")
		page.get_by_label("Last name").fill("Portal")
		page.wait_for_timeout(3100)  # the form's bot check: no faster than a person
		page.get_by_role("button", name="Send me a code").click()
		expect(page.locator("#mp-verify")).to_be_visible()
		page.get_by_label("Code").fill(latest_code(EMAIL))
		page.locator("#mp-verify-btn").click()
		expect(page.locator("#mp-title")).to_have_text("Hello, Anna", timeout=30000)

	def test_a_patient_walks_the_portal_on_a_phone(self):
		durable.delete_keys("medic_plus:otp")
		durable.delete_keys("medic_plus:rl")
		with running_server(workers=2) as url, sync_playwright() as pw:
			browser, page = new_page(pw, 390, 844)
			errors = script_errors(page)
			page.goto(f"{url}/patient")
			self.axe(page, "01-sign-in-390")
			self.sign_in(page, url)
			cards = page.locator(".mp-practice")
			expect(cards).to_have_count(3)
			self.axe(page, "02-home-390")
			alpha = cards.filter(has_text="ISO Alpha Practice")
			expect(alpha).to_contain_text("Kim Portal")
			expect(page.locator("body")).not_to_contain_text("Ben Portal")

			# a sick note, as a PDF
			with page.expect_download() as download:
				alpha.get_by_role("link", name="Sick note").first.click()
			self.assertTrue(download.value.suggested_filename.endswith(".pdf"))

			# the SMS consent, withdrawn
			alpha.get_by_role("button", name="Withdraw: SMS").click()
			expect(page.locator("#mp-status")).to_have_text("Withdrawn: SMS")
			expect(page.locator(".mp-practice").filter(has_text="ISO Alpha Practice")).not_to_contain_text(
				"Withdraw: SMS"
			)
			page.screenshot(path=os.path.join(self.shots, "03-withdrawn.png"), full_page=True)

			# the visit, moved on its manage page
			booking = page.locator(".mp-practice").filter(has_text="ISO Booking Practice")
			booking.get_by_role("button", name="Change or cancel").first.click()
			page.wait_for_url("**/book/manage?token=**")
			page.get_by_role("button", name="Change the time").click()
			page.get_by_label("Day").fill(self.day.isoformat())
			page.get_by_label("Day").dispatch_event("change")
			page.locator("#mp-change-times button", has_text="11:30").click()
			page.get_by_role("button", name="Move my appointment").click()
			expect(page.locator("#mp-note")).to_have_text("Your appointment has been moved.")
			page.goto(f"{url}/patient")
			expect(page.locator(".mp-practice").filter(has_text="ISO Booking Practice")).to_contain_text(
				"11:30"
			)
			page.screenshot(path=os.path.join(self.shots, "04-moved.png"), full_page=True)

			page.get_by_role("button", name="Sign out").click()
			expect(page.locator("#mp-request")).to_be_visible()
			browser.close()

			browser, page = new_page(pw, *WIDTHS[1])
			page.goto(f"{url}/patient")
			self.axe(page, "05-sign-in-1366")
			self.sign_in(page, url)
			expect(page.locator(".mp-practice")).to_have_count(3)
			self.axe(page, "06-home-1366")
			browser.close()
		self.assertEqual(errors, [], "script errors on the portal")
