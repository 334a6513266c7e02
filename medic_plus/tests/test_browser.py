"""The booking page in a real browser: Debian's Chromium, headless, driven by
Playwright, books an appointment end to end on a running server of this bench, then
opens the manage link and cancels. A screenshot of every step is saved to
$MEDIC_PLUS_ARTIFACTS/booking (default: artifacts/booking in the repository).

Skipped when Playwright or /usr/bin/chromium is not installed."""

from __future__ import annotations

import email
import os
import re
import shutil
import unittest

import frappe
from frappe.utils import add_days, getdate

from medic_plus import durable
from medic_plus.tests.artifacts import artifacts_dir
from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.fixtures import get_booking_fixture
from medic_plus.tests.server import running_server
from medic_plus.tests.test_booking import practice_today
from medic_plus.tests.utils import delete_booked_with_note

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
]

try:
	from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover
	sync_playwright = None


def new_page(pw, width: int, height: int):
	"""(browser, page) in Debian's Chromium, headless, in English."""
	browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
	return browser, browser.new_page(viewport={"width": width, "height": height}, locale="en-GB")


def script_errors(page) -> list[str]:
	"""The uncaught script errors the page will throw, collected as they happen."""
	errors: list[str] = []
	page.on("pageerror", lambda error: errors.append(str(error)))
	return errors


def log_in(page, url: str, user: str, password: str) -> None:
	"""Log in through the login page and wait for the Desk."""
	page.goto(f"{url}/login")
	page.locator("#login_email").fill(user)
	page.locator("#login_password").fill(password)
	page.locator(".btn-login").first.click()
	page.wait_for_url("**/app**", timeout=30000)


def latest_code(recipient: str) -> str:
	"""The booking code from the newest queued e-mail to ``recipient``."""
	frappe.db.rollback()
	queue = frappe.qb.DocType("Email Queue")
	rcpt = frappe.qb.DocType("Email Queue Recipient")
	rows = (
		frappe.qb.from_(queue)
		.join(rcpt)
		.on(rcpt.parent == queue.name)
		.select(queue.message)
		.where(rcpt.recipient == recipient)
		.orderby(queue.creation, order=frappe.qb.desc)
		.limit(1)
		.run()
	)
	message = email.message_from_string(rows[0][0])
	for part in message.walk():
		if part.get_content_type() == "text/plain":
			text = part.get_payload(decode=True).decode()
			return re.search(r"^\s*(\d{6})\s*$", text, re.MULTILINE).group(1)
	raise AssertionError("no code in the e-mail")


# Run in the booking page: three code requests a bot would send, each for the patient's
# own address (so that a refusal that cost anything would leave no budget for the real one)
BOT_ATTEMPTS = """
async ({slug, email}) => {
	const api = "/api/method/medic_plus.api.booking.";
	const post = (args) => fetch(api + "request_booking_otp", {
		method: "POST",
		headers: {"Content-Type": "application/json", Accept: "application/json"},
		body: JSON.stringify({practice: slug, email, ...args}),
	}).then(async (r) => {
		const body = await r.json();
		const messages = JSON.parse(body._server_messages || "[]").map((m) => JSON.parse(m).message);
		return {status: r.status, message: messages[0] || ""};
	});
	const fresh = async () =>
		(await (await fetch(api + "get_form_token?practice=" + slug)).json()).message.form_token;
	const out = [];
	out.push(await post({form_token: await fresh()}));  // faster than a person
	const [used, other] = [await fresh(), await fresh()];
	await new Promise((done) => setTimeout(done, 3200));
	out.push(await post({form_token: other, website: "http://spam.example"}));  // honeypot
	const first = await post({form_token: used, email: "someone-else-" + email});
	if (first.status !== 200) return [first];
	out.push(await post({form_token: used}));  // replayed
	return out;
}
"""


@unittest.skipUnless(sync_playwright and os.path.exists(CHROMIUM), "needs Playwright and Chromium")
class TestBookingInBrowser(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.bf = get_booking_fixture()
		cls.shots = artifacts_dir("booking")
		cls.email = f"browser-{frappe.generate_hash(length=6)}@example.org"

	def tearDown(self):
		delete_booked_with_note("Browser test")

	def shot(self, page, name: str):
		page.screenshot(path=os.path.join(self.shots, f"{name}.png"), full_page=True)

	def test_book_and_cancel_on_a_phone(self):
		frappe.cache.delete_keys("rl:")
		durable.delete_keys("medic_plus:otp")
		day = getdate(add_days(practice_today(), 12))
		with running_server(workers=2) as url, sync_playwright() as pw:
			browser, page = new_page(pw, 375, 812)
			errors = script_errors(page)

			page.goto(f"{url}/book?practice=no-such-practice")
			expect(page.get_by_role("heading", name="We could not find this practice")).to_be_visible()
			self.shot(page, "00-unknown-practice")

			page.goto(f"{url}/book?practice={self.bf.slug}")
			expect(page.get_by_role("heading", name="ISO Booking Practice")).to_be_visible()
			self.assertTrue(page.locator("html").get_attribute("lang").startswith("en"))
			page.get_by_text("ISO Book Doc", exact=True).click()
			expect(page.locator("#mp-calendar")).to_be_visible()
			self.shot(page, "01-doctor-and-calendar")

			while page.locator("#mp-month").inner_text() != day.strftime("%B %Y"):
				page.locator("#mp-next").click()
				page.wait_for_timeout(300)
			page.locator(".mp-day.mp-has", has_text=re.compile(rf"^{day.day}$")).click()
			expect(page.locator("#mp-time-list button").first).to_be_visible()
			self.shot(page, "02-times")

			page.get_by_role("button", name=re.compile(r"^10:30")).click()
			expect(page.get_by_role("heading", name="Your details")).to_be_visible()
			page.get_by_label("First name").fill("Bruno")
			page.get_by_label("Last name").fill("Browser")
			page.get_by_label("E-mail").fill(self.email)
			page.get_by_label("Anything the practice should know").fill("Browser test")
			self.shot(page, "03-details")

			# the bot check: too fast, replayed, honeypot: one generic refusal, no budget spent
			refusals = page.evaluate(BOT_ATTEMPTS, {"slug": self.bf.slug, "email": self.email})
			self.assertEqual(
				[(r["status"], r["message"]) for r in refusals],
				[(400, "Please reload the page and try again.")] * 3,
				refusals,
			)
			page.wait_for_timeout(3200)  # a person takes at least 3 seconds to fill the form
			page.get_by_role("button", name="Send me a code").click()
			expect(page.get_by_label("Code", exact=True)).to_be_visible()
			self.shot(page, "04-code")

			page.get_by_label("Code", exact=True).fill(latest_code(self.email))
			page.get_by_role("button", name="Book appointment").click()
			expect(page.get_by_role("heading", name="Your appointment is booked")).to_be_visible()
			reference = page.locator("#mp-done dd").first.inner_text()
			self.assertRegex(reference, r"^ISOBK-A\d{5}$")
			self.shot(page, "05-confirmation")

			page.locator("#mp-manage").click()
			expect(page.locator("#mp-details")).to_contain_text(reference)
			self.shot(page, "06-manage")

			# moved to another time from the same link, with the keyboard only
			page.get_by_role("button", name="Change the time").focus()
			page.keyboard.press("Enter")
			page.get_by_label("Day").fill(day.isoformat())
			page.get_by_label("Day").dispatch_event("change")
			new_time = page.locator("#mp-change-times button", has_text="11:30")
			expect(new_time).to_be_visible()
			new_time.focus()
			page.keyboard.press("Enter")
			page.get_by_role("button", name="Move my appointment").click()
			expect(page.locator("#mp-note")).to_have_text("Your appointment has been moved.")
			expect(page.locator("#mp-details")).to_contain_text("11:30")
			self.shot(page, "06b-moved")
			page.get_by_role("button", name="Cancel appointment").click()
			expect(page.locator("#mp-note")).to_have_text("This appointment is cancelled.")
			self.shot(page, "07-cancelled")
			browser.close()
		self.assertEqual(errors, [], "script errors on the booking pages")

		frappe.db.rollback()
		status = frappe.db.get_value("Patient Appointment", {"custom_booking_reference": reference}, "status")
		self.assertEqual(status, "Cancelled")


@unittest.skipUnless(sync_playwright and os.path.exists(CHROMIUM), "needs Playwright and Chromium")
class TestPracticeSwitcherInDesk(IntegrationTestCase):
	"""A user of two practices switches the active practice from the Desk user menu."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from medic_plus.tests.fixtures import PASSWORD, get_fixture

		cls.fx = get_fixture()
		cls.password = PASSWORD
		cls.shots = artifacts_dir("booking")

	def tearDown(self):
		from medic_plus.tenancy.context import ACTIVE_PRACTICE_KEY, keep_books_default

		frappe.db.rollback()
		# back to a user who never switched: the first practice active, its books the default
		frappe.defaults.clear_user_default(ACTIVE_PRACTICE_KEY, self.fx.both)
		keep_books_default(self.fx.both)
		frappe.db.commit()  # nosemgrep: undo what the server committed

	def test_switch_practice_from_the_user_menu(self):
		with running_server(workers=2) as url, sync_playwright() as pw:
			browser, page = new_page(pw, 1280, 800)
			log_in(page, url, self.fx.both, self.password)
			page.locator(".dropdown-navbar-user button").first.click()
			item = page.locator(".medic-plus-switcher")
			expect(item).to_contain_text("Switch Practice (ISO Alpha Practice)")
			self.shot(page, "desk-01-user-menu")
			item.click()
			dialog = page.locator(".modal-dialog").filter(has_text="Switch Practice")
			dialog.locator("select").select_option(self.fx.b.practice)
			# the dialog's field holds the choice (not only the page's select) before Switch
			page.wait_for_function(
				"(p) => cur_dialog && cur_dialog.get_value('practice') === p", arg=self.fx.b.practice
			)
			self.shot(page, "desk-02-switch-dialog")
			dialog.get_by_role("button", name="Switch").click()
			alerts = page.locator(".alert-message, .desk-alert")
			expect(alerts.filter(has_text="ISO Beta Practice").first).to_be_visible()
			self.shot(page, "desk-03-switched")
			browser.close()
		frappe.db.rollback()
		from medic_plus.tenancy.context import ACTIVE_PRACTICE_KEY

		# what the server stored (this process's cache of the user's defaults is its own)
		stored = frappe.db.get_value(
			"DefaultValue", {"parent": self.fx.both, "defkey": ACTIVE_PRACTICE_KEY}, "defvalue"
		)
		self.assertEqual(stored, self.fx.b.practice)

	def test_a_user_of_two_practices_sees_each_records_practice(self):
		"""In the patient list (a Practice column) and in the patient link search."""
		with running_server(workers=2) as url, sync_playwright() as pw:
			browser, page = new_page(pw, 1400, 900)
			log_in(page, url, self.fx.both, self.password)
			page.goto(f"{url}/app/patient?patient_name=IsoA%20Patient")
			row = page.locator(".list-row-container", has_text="IsoA").first
			expect(row).to_contain_text("ISO Alpha Practice", timeout=30000)
			expect(page.locator(".list-row-head")).to_contain_text("Practice")
			self.shot(page, "desk-04-list-with-practice")
			page.goto(f"{url}/app/patient-appointment/new")
			field = page.locator('.frappe-control[data-fieldname="patient"] input').first
			field.click()
			field.fill("Iso")
			options = page.locator('ul[role="listbox"]:visible [role="option"]')
			expect(options.filter(has_text="ISO Beta Practice").first).to_be_visible(timeout=15000)
			expect(options.filter(has_text="ISO Alpha Practice").first).to_be_visible()
			self.shot(page, "desk-05-link-search-with-practice")
			browser.close()

	def shot(self, page, name: str):
		page.screenshot(path=os.path.join(self.shots, f"{name}.png"))


@unittest.skipUnless(sync_playwright and os.path.exists(CHROMIUM), "needs Playwright and Chromium")
class TestWorkspacesInBrowser(IntegrationTestCase):
	"""The platform owner's and a practice's workspaces, with their cards and charts."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from medic_plus.tests.fixtures import PASSWORD, get_fixture

		cls.fx = get_fixture()
		cls.password = PASSWORD
		cls.shots = artifacts_dir("workspaces")

	def open_workspace(self, url: str, user: str, route: str, title: str, shot: str) -> str:
		with sync_playwright() as pw:
			browser, page = new_page(pw, 1400, 1000)
			log_in(page, url, user, self.password)
			page.goto(f"{url}/app/{route}")
			page.wait_for_timeout(4000)  # let the cards count and the charts draw
			page.screenshot(path=os.path.join(self.shots, f"{shot}.png"), full_page=True)
			expect(page.locator(".ce-header, .page-title").filter(has_text=title).first).to_be_visible(
				timeout=30000
			)
			expect(page.locator(".number-widget-box, .number-card").first).to_be_visible(timeout=30000)
			text = page.locator(".layout-main-section").inner_text()
			# the setup checklist renders inside a custom block's shadow root
			checklist = page.get_by_text("Set up your practice")
			if route == "my-practice":
				expect(checklist).to_be_visible(timeout=15000)
				text += " " + page.locator(".mp-setup").inner_text()
			else:
				expect(checklist).to_have_count(0)
			browser.close()
		return text.casefold()

	def test_platform_and_practice_workspaces(self):
		with running_server(workers=2) as url:
			platform = self.open_workspace(
				url, self.fx.platform, "medic-plus-platform", "Platform", "platform"
			)
			practice = self.open_workspace(url, self.fx.a.admin, "my-practice", "My Practice", "my-practice")
		for label in (
			"Total Practices",
			"Active Practices",
			"No-show Rate (30 days)",
			"Practices by Plan",
			"Sign-ups Awaiting Approval",
			"Sign-ups by Status",
			"Monthly Recurring Revenue",
			"Suspended for Payment",
			"Completed Visits per Practice",
		):
			self.assertIn(label.casefold(), platform)
		for label in ("Total Patients", "Awaiting Approval", "Appointments by Status", "Invite your staff"):
			self.assertIn(label.casefold(), practice)
		self.assertNotIn("total practices", practice)


def latest_mail_text(recipient: str) -> str:
	"""The plain text of the newest queued e-mail to ``recipient``."""
	frappe.db.rollback()
	name = frappe.get_all(
		"Email Queue Recipient", {"recipient": recipient}, pluck="parent", order_by="creation desc", limit=1
	)[0]
	message = email.message_from_string(frappe.db.get_value("Email Queue", name, "message"))
	return " ".join(
		part.get_payload(decode=True).decode()
		for part in message.walk()
		if part.get_content_type() in ("text/plain", "text/html")
	)


@unittest.skipUnless(sync_playwright and os.path.exists(CHROMIUM), "needs Playwright and Chromium")
class TestSignupInBrowser(IntegrationTestCase):
	"""The funnel as a doctor walks it: /signup, the code from the mail queue, the
	platform's approval, the activation link, and the Desk with the setup checklist."""

	def check_accessibility(self, page, shots: str, where: str) -> None:
		"""axe-core's serious and critical findings on the page, at a phone's width and a
		laptop's (where axe-core is installed: test_accessibility.py)."""
		from medic_plus.tests.axe import AXE, WIDTHS, axe_findings, scrolls_sideways

		if not os.path.exists(AXE):
			return
		size = page.viewport_size
		for width, height in WIDTHS:
			page.set_viewport_size({"width": width, "height": height})
			self.assertEqual(axe_findings(page, shots, f"{where}-{width}"), [], f"{where} at {width} px")
			self.assertFalse(scrolls_sideways(page), f"{where} scrolls sideways at {width} px")
		page.set_viewport_size(size)

	def test_a_doctor_signs_up_and_lands_on_the_setup_checklist(self):
		from medic_plus.onboarding import provisioning
		from medic_plus.tests.fixtures import ensure_outbox
		from medic_plus.tests.test_provisioning import _remove

		tag = frappe.generate_hash(length=6).lower()
		address = f"browser-signup-{tag}@example.org"
		frappe.set_user("Administrator")
		ensure_outbox()
		frappe.db.set_single_value("Medic Plus Settings", {"signup_enabled": 1, "signup_mode": "Approval"})
		durable.delete_keys("medic_plus:rl")
		durable.delete_keys("medic_plus:otp")
		frappe.db.commit()  # nosemgrep: the server reads committed data
		shots = artifacts_dir("signup")
		registration = None
		try:
			with running_server(workers=2) as url, sync_playwright() as pw:
				browser, page = new_page(pw, 375, 812)
				errors = script_errors(page)
				page.goto(f"{url}/signup")
				expect(page.get_by_role("heading", name="Register your practice")).to_be_visible()
				page.get_by_label("Practice name").fill(f"Browser Clinic {tag}")
				expect(page.locator("#mp-slug-state")).to_contain_text(
					f"/book?practice=browser-clinic-{tag}", timeout=10000
				)
				page.get_by_role("radio", name=re.compile("^Basic")).check()
				# pickers with search: typed, then chosen from the list
				page.get_by_role("combobox", name="Country").fill("south af")
				page.get_by_role("option", name="South Africa").click()
				page.get_by_role("combobox", name="Time zone").fill("johannes")
				page.keyboard.press("Enter")
				self.assertEqual(page.locator("input[name=timezone]").input_value(), "Africa/Johannesburg")
				page.screenshot(path=os.path.join(shots, "01-practice.png"), full_page=True)
				page.get_by_role("button", name="Next").click()
				page.get_by_label("First name").fill("Bea")
				page.get_by_label("Last name").fill("Browser")
				page.get_by_label("E-mail", exact=True).fill(address)
				page.get_by_role("button", name="Send me a code").click()  # the terms not accepted
				expect(page.locator("#mp-terms_accepted-error")).to_have_text(
					"Please accept the terms of service."
				)
				page.get_by_label("I accept the terms of service").check()
				page.wait_for_timeout(3200)  # a person takes longer than the bot check's minimum
				page.screenshot(path=os.path.join(shots, "02-you.png"), full_page=True)
				page.get_by_role("button", name="Send me a code").click()
				expect(page.get_by_label("The code we e-mailed you")).to_be_visible(timeout=15000)
				page.get_by_label("The code we e-mailed you").fill("000000")
				page.get_by_role("button", name="Register my practice").click()  # a wrong code
				expect(page.locator("#mp-otp-error")).to_be_visible(timeout=15000)
				page.screenshot(path=os.path.join(shots, "03-wrong-code.png"), full_page=True)
				page.get_by_label("The code we e-mailed you").fill(latest_code(address))
				page.get_by_role("button", name="Register my practice").click()
				expect(page.get_by_role("heading", name="Thank you")).to_be_visible(timeout=15000)
				page.screenshot(path=os.path.join(shots, "04-registered.png"), full_page=True)

				# the platform owner approves it in Desk
				frappe.db.rollback()  # see what the server committed
				registration = frappe.db.get_value("Practice Registration", {"email": address})
				self.assertEqual(
					frappe.db.get_value("Practice Registration", registration, "status"), "Verified"
				)
				provisioning.provision_from_desk(registration)
				key = re.search(r"/activate\?key=([\w-]+)", latest_mail_text(address)).group(1)

				page.goto(f"{url}/activate?key={key}")
				self.check_accessibility(page, shots, "activate")
				page.get_by_label("Password (at least 10 characters)").fill("Browser-Clinic-Sprechstunde-27")
				page.get_by_label("The same password again").fill("Browser-Clinic-Sprechstunde-27")
				public_errors = list(errors)  # the public pages' own scripts (Desk's are Frappe's)
				page.get_by_role("button", name="Set password and sign in").click()
				page.wait_for_url("**/app/my-practice**", timeout=30000)
				expect(page.get_by_text("Set up your practice")).to_be_visible(timeout=30000)
				expect(page.get_by_text("Invite your staff")).to_be_visible()
				page.wait_for_timeout(1000)
				page.screenshot(path=os.path.join(shots, "05-my-practice.png"), full_page=True)
				browser.close()
				self.assertEqual(public_errors, [])
		finally:
			frappe.set_user("Administrator")
			frappe.db.rollback()
			if registration:
				_remove(registration)
				frappe.db.commit()  # nosemgrep: remove what the test made
