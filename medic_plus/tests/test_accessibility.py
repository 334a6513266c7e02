"""The booking pages pass an automated accessibility check, and a patient can book with
the keyboard alone.

axe-core (https://github.com/dequelabs/axe-core) runs in Debian's Chromium on the
booking page and the manage page, at phone and desktop widths, at each step of the
booking; any violation of impact "serious" or "critical" fails. axe.min.js is read from
$MEDIC_PLUS_AXE, else ~/.cache/medic_plus/node_modules/axe-core/axe.min.js (`.ci/run`
installs it there with npm); the test is skipped without it, or without Playwright and
Chromium. Screenshots go to $MEDIC_PLUS_ARTIFACTS/accessibility."""

from __future__ import annotations

import json
import os
import re
import unittest

import frappe
from frappe.utils import add_days, getdate

from medic_plus import demo
from medic_plus.tests.artifacts import artifacts_dir
from medic_plus.tests.axe import AXE, WIDTHS, axe_findings, scrolls_sideways
from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.fixtures import get_booking_fixture
from medic_plus.tests.server import running_server
from medic_plus.tests.test_booking import practice_today
from medic_plus.tests.test_browser import CHROMIUM, latest_code, new_page, script_errors, sync_playwright
from medic_plus.tests.utils import delete_booked_with_note

if sync_playwright:
	from playwright.sync_api import expect


@unittest.skipUnless(
	sync_playwright and os.path.exists(CHROMIUM) and os.path.exists(AXE),
	"needs Playwright, Chromium and axe-core",
)
class TestBookingAccessibility(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.bf = get_booking_fixture()
		cls.shots = artifacts_dir("accessibility")

	def tearDown(self):
		delete_booked_with_note("Keyboard test")

	def check(self, page, where: str):
		"""axe on the page as it is now: no serious or critical violation."""
		blocking = axe_findings(page, self.shots, where)
		self.assertEqual(blocking, [], f"{where}: {json.dumps(blocking, indent=1)}")

	def test_the_pages_pass_axe_at_phone_and_desktop_widths(self):
		with running_server(workers=2) as url, sync_playwright() as pw:
			for width, height in WIDTHS:
				browser, page = new_page(pw, width, height)
				errors = script_errors(page)
				page.goto(f"{url}/book?practice=no-such-practice")
				self.check(page, f"{width}-not-found")
				page.goto(f"{url}/book?practice={self.bf.slug}")
				expect(page.get_by_text("ISO Book Doc", exact=True)).to_be_visible()
				self.check(page, f"{width}-1-doctors")
				page.get_by_text("ISO Book Doc", exact=True).click()
				page.get_by_role("button", name="Next free time").click()
				expect(page.locator("#mp-time-list button").first).to_be_visible()
				self.check(page, f"{width}-2-calendar-and-times")
				page.locator("#mp-time-list button").first.click()
				expect(page.get_by_role("heading", name="Your details")).to_be_visible()
				self.check(page, f"{width}-3-details")
				page.get_by_role("button", name="Send me a code").click()  # empty: an error shows
				expect(page.locator("#mp-error")).to_be_visible()
				self.check(page, f"{width}-4-error")
				browser.close()
				self.assertEqual(errors, [])

	def test_a_booking_with_the_keyboard_alone(self):
		"""Tab to each control and press Enter or Space: no mouse, no click."""
		address = f"keys-{frappe.generate_hash(length=6)}@example.org"
		day = getdate(add_days(practice_today(), 14))
		with running_server(workers=2) as url, sync_playwright() as pw:
			browser, page = new_page(pw, 375, 812)
			page.goto(f"{url}/book?practice={self.bf.slug}")
			expect(page.get_by_text("ISO Book Doc", exact=True)).to_be_visible()

			def tab_to(locator, limit: int = 80):
				for _ in range(limit):
					page.keyboard.press("Tab")
					if locator.evaluate("(el) => el === document.activeElement"):
						return
				raise AssertionError(f"Tab never reached {locator}")

			tab_to(page.locator('input[name="doctor"]').first)
			page.keyboard.press("Space")
			while page.locator("#mp-month").inner_text() != day.strftime("%B %Y"):
				tab_to(page.locator("#mp-next"))
				page.keyboard.press("Enter")
				page.wait_for_timeout(300)
			tab_to(page.locator(".mp-day.mp-has", has_text=re.compile(rf"^{day.day}$")))
			page.keyboard.press("Enter")
			# the first time has the focus once the day is chosen
			expect(page.locator("#mp-time-list button").first).to_be_focused()
			tab_to(page.get_by_role("button", name=re.compile(r"^15:00")))
			page.keyboard.press("Enter")
			expect(page.get_by_role("heading", name="Your details")).to_be_focused()
			for label, text in (
				("First name", "Kai"),
				("Last name", "Keyboard"),
				("E-mail", address),
				("Anything the practice should know", "Keyboard test"),
			):
				tab_to(page.get_by_label(label))
				page.keyboard.type(text)
			page.wait_for_timeout(3200)  # a person takes at least 3 seconds to fill the form
			tab_to(page.get_by_role("button", name="Send me a code"))
			page.keyboard.press("Enter")
			expect(page.get_by_label("Code", exact=True)).to_be_focused()
			page.keyboard.type(latest_code(address))
			page.keyboard.press("Enter")
			expect(page.get_by_role("heading", name="Your appointment is booked")).to_be_focused()
			page.screenshot(path=os.path.join(self.shots, "keyboard-booked.png"), full_page=True)
			tab_to(page.locator("#mp-manage"))
			page.keyboard.press("Enter")
			expect(page.get_by_role("button", name="Change the time")).to_be_visible()
			self.check(page, "manage")
			tab_to(page.get_by_role("button", name="Change the time"))
			page.keyboard.press("Enter")
			expect(page.locator("#mp-change-times button").first).to_be_visible()
			self.check(page, "manage-change-time")
			browser.close()
		frappe.db.rollback()
		self.assertTrue(
			frappe.db.exists(
				"Patient Appointment",
				{"notes": "Keyboard test", "appointment_date": day, "appointment_time": "15:00:00"},
			)
		)

	def test_every_other_public_page_passes_axe_and_fits_a_phone(self):
		"""/signup at each step (with its errors and an open picker), /terms, /privacy, an
		activation link that is no longer valid and a booking's manage page: no serious or
		critical finding at either width, and no page scrolls sideways."""
		from medic_plus.booking.service import ensure_manage_token
		from medic_plus.tests.test_operations import make_appointment

		frappe.db.set_single_value("Medic Plus Settings", "signup_enabled", 1)
		appointment = make_appointment(
			self.bf.practice,
			demo.ensure_patient(self.bf.practice, "Axe", "Manage", "axe-manage@example.org"),
			self.bf.doctor,
			day=str(add_days(practice_today(), 9)),
		)
		token = ensure_manage_token(frappe.get_doc("Patient Appointment", appointment))
		frappe.db.commit()  # nosemgrep: the server reads it
		try:
			with running_server(workers=2) as url, sync_playwright() as pw:
				for width, height in WIDTHS:
					browser, page = new_page(pw, width, height)
					errors = script_errors(page)
					pages = (
						("terms", "/terms", "Terms of Service"),
						("privacy", f"/privacy?practice={self.bf.slug}", None),
						("activate-not-valid", "/activate?key=no-such-key", None),
						("manage", f"/book/manage?token={token}", None),
					)
					for where, path, heading in pages:
						page.goto(url + path)
						if heading:
							expect(page.get_by_role("heading", name=heading)).to_be_visible()
						page.wait_for_load_state("networkidle")
						self.check(page, f"{width}-{where}")
						self.assertFalse(scrolls_sideways(page), f"{where} scrolls sideways at {width} px")
					page.goto(f"{url}/signup")
					expect(page.get_by_role("heading", name="Register your practice")).to_be_visible()
					self.check(page, f"{width}-signup-1")
					self.assertFalse(scrolls_sideways(page), f"/signup scrolls sideways at {width} px")
					page.get_by_role("button", name="Next").click()  # nothing filled in: errors
					expect(page.locator("#mp-practice_name-error")).to_be_visible()
					page.get_by_role("combobox", name="Country").fill("ger")
					expect(page.get_by_role("option", name="Germany")).to_be_visible()
					self.check(page, f"{width}-signup-1-errors-and-picker")
					page.keyboard.press("Enter")
					self.assertEqual(page.locator("input[name=country]").input_value(), "Germany")
					page.get_by_label("Practice name").fill("Axe Clinic")
					page.get_by_role("button", name="Next").click()
					expect(page.get_by_role("heading", name="You", exact=True)).to_be_visible()
					self.check(page, f"{width}-signup-2")
					self.assertFalse(scrolls_sideways(page), f"/signup scrolls sideways at {width} px")
					browser.close()
					self.assertEqual(errors, [])
		finally:
			frappe.delete_doc("Patient Appointment", appointment, force=True, ignore_permissions=True)
			frappe.db.commit()  # nosemgrep: remove it
