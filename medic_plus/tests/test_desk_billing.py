"""A visit billed and claimed in Desk, with the request gate on, in a real browser.

Practice A of the fixture: its receptionist records a patient's medical aid; its doctor
writes and submits the visit's encounter, whose dashboard shows the draft invoice; the
receptionist submits the invoice to the scheme, which queues its claim; the queue sends it
to a claims switch on a loopback port and the switch's remittance is posted; the
receptionist sees the claim part paid, the Claims workspace, the practice's receivables,
takes the patient's portion at the desk and prints the patient's statement.

The test fails on any "not found" / "not permitted" dialog and on any failed response not
on the list in ``desk_expected_responses.json``. Screenshots go to
$MEDIC_PLUS_ARTIFACTS/billing (default: artifacts/billing in the repository).
"""

from __future__ import annotations

import os
import re
import unittest
from decimal import Decimal

import frappe

from medic_plus import demo
from medic_plus.billing import insurance
from medic_plus.core import claims
from medic_plus.medic_plus.doctype.medical_aid_scheme.medical_aid_scheme import ensure_schemes
from medic_plus.tests.artifacts import artifacts_dir
from medic_plus.tests.claims_switch import ClaimsSwitch, Rules
from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.fixtures import PASSWORD, get_fixture
from medic_plus.tests.server import running_server
from medic_plus.tests.test_billing import (
	CONSULTATION,
	SCHEME,
	ensure_tariff,
	set_up_billing,
	write_encounter,
)
from medic_plus.tests.test_browser import CHROMIUM, log_in, new_page, sync_playwright
from medic_plus.tests.test_desk_day import DeskSteps, Watch

if sync_playwright:
	from playwright.sync_api import expect

VISIT_TYPE = "ISO Billed Visit"


def remove_patient(patient: str) -> None:
	"""The walk's patient, and what its visit left in the books: payments and journal
	entries cancelled and deleted, then the invoices, the encounter and the patient."""
	# (credit notes first: an invoice goes after its returns)
	invoices = frappe.get_all(
		"Sales Invoice", filters={"patient": patient}, pluck="name", order_by="is_return desc"
	) or [""]
	for doctype, child in (
		("Payment Entry", "Payment Entry Reference"),
		("Journal Entry", "Journal Entry Account"),
	):
		for name in set(frappe.get_all(child, filters={"reference_name": ("in", invoices)}, pluck="parent")):
			doc = frappe.get_doc(doctype, name)
			if doc.docstatus == 1:
				doc.cancel()
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	frappe.db.delete("Insurance Claim", {"patient": patient})
	frappe.db.set_value(
		"Patient Encounter", {"patient": patient}, "custom_sales_invoice", None, update_modified=False
	)
	for name in [name for name in invoices if name]:
		frappe.db.set_value("Sales Invoice", name, "custom_claim", None)
		doc = frappe.get_doc("Sales Invoice", name)
		if doc.docstatus == 1:
			doc.cancel()
		frappe.delete_doc("Sales Invoice", name, force=True, ignore_permissions=True)
	for row in frappe.get_all(
		"Patient Encounter", filters={"patient": patient}, fields=["name", "docstatus"]
	):
		if row.docstatus == 1:
			frappe.get_doc("Patient Encounter", row.name).cancel()
		frappe.delete_doc("Patient Encounter", row.name, force=True, ignore_permissions=True)
	for doctype in ("Patient Medical Aid", "Patient Consent", "Patient Medical Record", "Patient Problem"):
		frappe.db.delete(doctype, {"patient": patient})
	frappe.delete_doc("Patient", patient, force=True, ignore_permissions=True)


def remove_committed_patient(patient: str) -> None:
	"""After a test whose servers committed: :func:`remove_patient`, committed."""
	frappe.db.rollback()
	frappe.set_user("Administrator")
	remove_patient(patient)
	frappe.db.commit()  # nosemgrep: remove what the servers committed


@unittest.skipUnless(sync_playwright and os.path.exists(CHROMIUM), "needs Playwright and Chromium")
class TestDeskBilling(DeskSteps, IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.fx = get_fixture()
		frappe.set_user("Administrator")
		ensure_schemes()
		cls.switch = ClaimsSwitch(Rules(rates={CONSULTATION: Decimal("400")}))
		cls.switch.__enter__()
		ensure_tariff(CONSULTATION, "General practitioner consultation")
		demo.ensure_appointment_type(VISIT_TYPE, 15)
		frappe.db.set_value("Appointment Type", VISIT_TYPE, "custom_tariff_code", CONSULTATION)
		practice = cls.fx.a.practice
		cls.previous_switch = frappe.db.get_value("Medical Aid Scheme", SCHEME, "switch")
		cls.company = set_up_billing(cls.fx.a, "ISO Desk Switch", cls.switch.url)
		cls.tag = frappe.generate_hash(length=5)
		cls.patient = demo.ensure_patient(
			practice, "Billing", f"Desk {cls.tag}", f"billing-{cls.tag}@example.com"
		)
		frappe.db.set_value("Patient", cls.patient, "dob", "1984-03-02")
		frappe.db.commit()  # nosemgrep: fixture, seen by the web server
		cls.shots = artifacts_dir("billing")

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		remove_patient(cls.patient)
		frappe.db.set_value("Medical Aid Scheme", SCHEME, "switch", cls.previous_switch)
		frappe.db.set_value("Appointment Type", VISIT_TYPE, "custom_tariff_code", None)
		frappe.db.commit()  # nosemgrep: remove what the server committed
		cls.switch.__exit__(None, None, None)
		super().tearDownClass()

	def session(self, pw, url: str, user: str):
		"""A browser page logged in as ``user``, and its watch."""
		browser, page = new_page(pw, 1400, 1000)
		self.page = page
		watch = Watch(page)
		log_in(page, url, user, PASSWORD)
		return browser, page, watch

	def submit(self, page, watch: Watch, step: str):
		page.evaluate("() => { cur_frm.savesubmit(); }")
		page.locator(".modal.show").get_by_role("button", name="Yes").click()
		page.wait_for_timeout(1000)
		problem_dialog = page.locator(".modal.show", has_text="Add to the Problem List?")
		if problem_dialog.count():
			problem_dialog.locator(".btn-primary").click()
		page.wait_for_function("() => cur_frm.doc.docstatus === 1", timeout=30000)
		page.wait_for_timeout(1000)
		watch.check(step)

	def test_a_visit_from_the_encounter_to_paid(self):
		with running_server(workers=2) as url, sync_playwright() as pw:
			try:
				self.walk(pw, url)
			except Exception:
				if getattr(self, "page", None):
					self.shot(self.page, "failure")
				raise

	def walk(self, pw, url: str):
		# the receptionist records the patient's medical aid from the card
		browser, page, watch = self.session(pw, url, self.fx.a.recep)
		page.goto(f"{url}/app/patient-medical-aid/new")
		self.pick_link(page, "patient", f"Desk {self.tag}")
		self.pick_link(page, "scheme", "Discovery")
		page.locator('.frappe-control[data-fieldname="member_number"] input').fill("912345678")
		page.keyboard.press("Control+s")
		page.wait_for_function("() => !cur_frm.is_new()", timeout=30000)
		watch.check("medical aid")
		self.shot(page, "01-medical-aid")
		browser.close()

		# the doctor writes the visit and submits it: the visit is billed
		browser, page, watch = self.session(pw, url, self.fx.a.doctor)
		page.goto(f"{url}/app/patient-encounter/new")
		self.pick_link(page, "patient", f"Desk {self.tag}")
		self.pick_link(page, "practitioner", "ISO Doc A")
		# the visit's type (Healthcare shows it with an appointment; a walk-in names it)
		page.evaluate("([kind]) => cur_frm.set_value('appointment_type', kind)", [VISIT_TYPE])
		self.add_diagnosis(page, "J06.9")
		page.keyboard.press("Control+s")
		page.wait_for_function("() => !cur_frm.is_new()", timeout=30000)
		self.submit(page, watch, "encounter submitted")
		encounter = page.evaluate("() => cur_frm.doc.name")
		expect(page.locator(".form-dashboard", has_text="draft").first).to_be_visible(timeout=15000)
		self.shot(page, "02-encounter-billed")
		browser.close()

		frappe.db.rollback()
		invoices = {
			row.custom_bill_to: row.name
			for row in frappe.get_all(
				"Sales Invoice", {"custom_patient_encounter": encounter}, ["name", "custom_bill_to"]
			)
		}
		self.assertEqual(set(invoices), {"Medical Aid", "Patient Portion"})

		# the receptionist submits the invoice to the scheme: its claim is queued
		browser, page, watch = self.session(pw, url, self.fx.a.recep)
		page.goto(f"{url}/app/sales-invoice/{invoices['Medical Aid']}")
		page.wait_for_function(
			"([name]) => window.cur_frm && cur_frm.doc.name === name",
			arg=[invoices["Medical Aid"]],
			timeout=30000,
		)
		page.wait_for_timeout(1500)
		watch.check("scheme invoice")
		self.submit(page, watch, "scheme invoice submitted")
		self.shot(page, "03-scheme-invoice-submitted")

		# the queue sends the claim; the switch's remittance pays it
		frappe.db.rollback()
		claim = frappe.db.get_value("Sales Invoice", invoices["Medical Aid"], "custom_claim")
		self.assertEqual(frappe.db.get_value("Insurance Claim", claim, "status"), claims.QUEUED)
		insurance.send_due()
		key = f"{frappe.db.get_value('Insurance Claim', claim, 'claim_number')}-1"
		self.switch.remit([(key, Decimal("400"))], f"EFT-{self.tag}")
		self.assertEqual(insurance.fetch_remittances(), 1)
		self.assertEqual(frappe.db.get_value("Insurance Claim", claim, "status"), claims.PARTLY_PAID)

		page.goto(f"{url}/app/insurance-claim/{claim}")
		page.wait_for_function(
			"([name]) => window.cur_frm && cur_frm.doc.name === name", arg=[claim], timeout=30000
		)
		expect(page.locator(".indicator-pill", has_text="Partly Paid").first).to_be_visible(timeout=30000)
		watch.check("claim")
		self.shot(page, "04-claim-part-paid")
		page.goto(f"{url}/app/claims")
		expect(page.locator(".widget-title", has_text="Rejected").first).to_be_visible(timeout=30000)
		page.wait_for_timeout(2000)
		watch.check("claims workspace")
		self.shot(page, "05-claims-workspace")
		page.goto(f"{url}/app/query-report/Accounts Receivable")
		expect(page.locator(".dt-row", has_text=self.patient).first).to_be_visible(timeout=30000)
		watch.check("receivables")
		self.shot(page, "06-accounts-receivable")

		# the patient pays the portion at the desk and takes a statement
		page.goto(f"{url}/app/sales-invoice/{invoices['Patient Portion']}")
		page.wait_for_function(
			"([name]) => window.cur_frm && cur_frm.doc.name === name",
			arg=[invoices["Patient Portion"]],
			timeout=30000,
		)
		page.locator(".page-actions button", has_text="Take Payment").first.click()
		dialog = page.locator(".modal.show", has_text="Mode of Payment")
		expect(dialog).to_be_visible(timeout=15000)
		self.shot(page, "07-take-payment")
		dialog.locator(".btn-primary").click()
		page.wait_for_function(
			"() => cur_frm.doc.docstatus === 1 && cur_frm.doc.outstanding_amount === 0", timeout=30000
		)
		watch.check("payment at the desk")
		page.goto(f"{url}/printview?doctype=Patient&name={self.patient}&format=Patient%20Statement")
		statement = page.locator(".print-format").first
		expect(statement).to_contain_text("Amount due", timeout=30000)
		expect(statement).to_contain_text("Not paid by your medical aid")
		watch.check("statement")
		self.shot(page, "08-patient-statement")
		browser.close()

		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoices["Patient Portion"], "status"), "Paid")
		self.assertEqual(
			frappe.db.count("Payment Entry", {"reference_no": f"EFT-{self.tag}", "docstatus": 1}), 1
		)

	def test_b_the_front_desk_takes_a_payment_in_erpnexts_own_form(self):
		"""A private visit's invoice paid through ERPNext's "Create > Payment" and its Payment
		Entry form, with the gate on: the form's own calls all answer, the mode of payment
		finds its account in the practice's books, and the invoice is paid."""
		frappe.set_user("Administrator")
		tag = frappe.generate_hash(length=5)
		patient = demo.ensure_patient(
			self.fx.a.practice, "Private", f"Desk {tag}", f"private-{tag}@example.com"
		)
		self.addCleanup(remove_committed_patient, patient)
		encounter = write_encounter(self.fx.a, patient, appointment_type=VISIT_TYPE)
		invoice = frappe.db.get_value("Patient Encounter", encounter.name, "custom_sales_invoice")
		frappe.get_doc("Sales Invoice", invoice).submit()
		frappe.db.commit()  # nosemgrep: seen by the web server

		with running_server(workers=2) as url, sync_playwright() as pw:
			browser, page, watch = self.session(pw, url, self.fx.a.recep)
			try:
				page.goto(f"{url}/app/sales-invoice/{invoice}")
				page.wait_for_function(
					"([name]) => window.cur_frm && cur_frm.doc.name === name", arg=[invoice], timeout=30000
				)
				page.wait_for_timeout(1500)
				self.create(page, "Payment")
				page.wait_for_function(
					"() => cur_frm.doc.doctype === 'Payment Entry' && cur_frm.doc.paid_to", timeout=30000
				)
				page.wait_for_timeout(1500)
				watch.check("Create > Payment")
				self.pick_link(page, "mode_of_payment", "Cash")
				page.wait_for_timeout(1500)
				watch.check("mode of payment")
				self.shot(page, "09-payment-entry-form")
				page.keyboard.press("Control+s")
				page.wait_for_function("() => !cur_frm.is_new()", timeout=30000)
				self.submit(page, watch, "payment entry submitted")
				self.shot(page, "10-payment-entry-submitted")
				page.goto(f"{url}/app/sales-invoice/{invoice}")
				expect(page.locator(".indicator-pill", has_text="Paid").first).to_be_visible(timeout=30000)
				watch.check("the invoice paid")

				# the patient was charged too much: a credit note, and the money back
				self.create(page, "Return / Credit Note")
				page.wait_for_function(
					"() => cur_frm.doc.doctype === 'Sales Invoice' && cur_frm.doc.is_return", timeout=30000
				)
				page.wait_for_timeout(1500)
				watch.check("Create > Return / Credit Note")
				page.keyboard.press("Control+s")
				page.wait_for_function("() => !cur_frm.is_new()", timeout=30000)
				# ERPNext says, on save and on submit, that the credit note keeps its own
				# outstanding (the refund pays it)
				self.close_notice(page, "Update Outstanding for Self")
				self.submit(page, watch, "credit note submitted")
				self.close_notice(page, "Update Outstanding for Self", required=False)
				credit_note = page.evaluate("() => cur_frm.doc.name")
				self.shot(page, "11-credit-note")
				self.create(page, "Payment")
				page.wait_for_function(
					"() => cur_frm.doc.doctype === 'Payment Entry' && cur_frm.doc.payment_type === 'Pay'",
					timeout=30000,
				)
				page.wait_for_timeout(1500)
				self.pick_link(page, "mode_of_payment", "Cash")
				page.wait_for_timeout(1000)
				page.keyboard.press("Control+s")
				page.wait_for_function("() => !cur_frm.is_new()", timeout=30000)
				self.submit(page, watch, "refund submitted")
				self.shot(page, "12-refund")
			except Exception:
				self.shot(page, "failure-payment-entry")
				raise
			finally:
				browser.close()

		frappe.db.rollback()
		# the credit note keeps its own outstanding, which the refund paid
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "status"), "Paid")
		self.assertEqual(
			frappe.db.get_value(
				"Sales Invoice", credit_note, ["is_return", "return_against", "outstanding_amount"]
			),
			(1, invoice, 0),
		)
		refund = frappe.get_all(
			"Payment Entry Reference", filters={"reference_name": credit_note}, pluck="parent"
		)[0]
		self.assertEqual(
			frappe.db.get_value("Payment Entry", refund, ["payment_type", "paid_amount", "docstatus"]),
			("Pay", 500, 1),
		)
		self.assertFalse(frappe.db.get_value("Sales Invoice", credit_note, "custom_patient_encounter"))
		entry = frappe.get_all(
			"Payment Entry Reference", filters={"reference_name": invoice}, pluck="parent"
		)[0]
		company, mode, paid_to = frappe.db.get_value(
			"Payment Entry", entry, ["company", "mode_of_payment", "paid_to"]
		)
		self.assertEqual((company, mode), (self.company, "Cash"))
		self.assertEqual(frappe.db.get_value("Account", paid_to, "company"), self.company)

	def close_notice(self, page, text: str, required: bool = True) -> None:
		notice = page.locator(".modal.show", has_text=text)
		if required:
			expect(notice).to_be_visible(timeout=15000)
		else:
			page.wait_for_timeout(1500)
			if not notice.count():
				return
		notice.locator(".btn-modal-close").click()
		expect(notice).to_have_count(0, timeout=15000)

	def create(self, page, label: str) -> None:
		"""An item of the form's Create menu (a submit confirmation asked again of a document
		already submitted, by the save's late shortcut, is declined first)."""
		page.wait_for_timeout(1000)
		stray = page.locator(".modal.show", has_text="Permanently Submit")
		if stray.count() and page.evaluate("() => cur_frm.doc.docstatus") == 1:
			stray.get_by_role("button", name="No").click()
			expect(stray).to_have_count(0, timeout=15000)
		menu = page.locator('.inner-group-button[data-label="Create"]')
		menu.locator("button").click()
		menu.locator(".dropdown-item").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).click()
