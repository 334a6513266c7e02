"""A practice's working day in Desk with the request gate on, in a real browser.

Practice iso-book (``fixtures.get_booking_fixture``): its receptionist logs in, opens the
workspace, the patient list and the search bar, registers a patient with a photo
attached before the first save, books an appointment picking the patient and the doctor
through the link fields, opens the calendar and the report. Its doctor writes an
encounter with a consultation note, an ICD-10 diagnosis and a prescription row, overrides
the allergy finding, puts the diagnosis on the problem list when submitting, comments on
it, assigns it, issues a sick note and prints it, the prescription and the note.

The test fails on any "not found" / "not permitted" dialog and on any 4xx/5xx response
that is not on the list in ``desk_expected_responses.json``. Screenshots go to
$MEDIC_PLUS_ARTIFACTS/desk (default: artifacts/desk in the repository).
"""

from __future__ import annotations

import json
import os
import re
import struct
import unittest
import zlib
from urllib.parse import urlparse

import frappe
from frappe.utils import add_days, getdate

from medic_plus import demo
from medic_plus.tests.artifacts import artifacts_dir
from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.fixtures import PASSWORD, email, ensure_user, get_booking_fixture
from medic_plus.tests.server import running_server
from medic_plus.tests.test_browser import CHROMIUM, log_in, new_page, sync_playwright

EXPECTED = os.path.join(os.path.dirname(__file__), "desk_expected_responses.json")
BAD_WORDS = re.compile(r"not found|not permitted|insufficient permission|not allowed", re.IGNORECASE)

if sync_playwright:
	from playwright.sync_api import expect


def tiny_png(path: str) -> str:
	"""A 2x2 PNG, written without any imaging library."""
	raw = b"".join(b"\x00" + b"\x0e\x7c\x86" * 2 for _ in range(2))

	def chunk(kind: bytes, data: bytes) -> bytes:
		return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

	png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
	png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
	with open(path, "wb") as f:
		f.write(png)
	return path


class Watch:
	"""Every failed response and every error dialog a page shows."""

	def __init__(self, page):
		with open(EXPECTED) as f:
			self.expected = [re.compile(rule["path"]) for rule in json.load(f)["expected"]]
		self.failures: list[str] = []
		self.page = page
		page.on("response", self.on_response)

	def on_response(self, response):
		if response.status < 400:
			return
		path = urlparse(response.url).path
		if any(rule.search(path) for rule in self.expected):
			return
		try:
			body = response.text()[:300]
		except Exception:
			body = ""
		self.failures.append(f"{response.status} {response.request.method} {path}: {body}")

	def check(self, step: str):
		dialogs = self.page.locator(".modal.show .msgprint, .modal.show .modal-body")
		for i in range(dialogs.count()):
			text = dialogs.nth(i).inner_text()
			if BAD_WORDS.search(text):
				self.failures.append(f"{step}: dialog {text[:200]!r}")
		if self.failures:
			raise AssertionError(f"{step}:\n" + "\n".join(self.failures))


class DeskSteps:
	"""Steps of a Desk walk: a screenshot to ``self.shots``, a link field filled by search."""

	def shot(self, page, name: str):
		page.screenshot(path=os.path.join(self.shots, f"{name}.png"), full_page=True)

	def pick_link(self, page, fieldname: str, text: str, parent: str = ""):
		field = page.locator(f'{parent} .frappe-control[data-fieldname="{fieldname}"] input').first
		field.click()
		field.fill(text)
		option = page.locator('ul[role="listbox"]:visible [role="option"]', has_text=text).first
		expect(option).to_be_visible(timeout=15000)
		option.click()
		page.wait_for_timeout(500)

	def add_diagnosis(self, page, text: str):
		"""The encounter's first ICD-10 diagnosis, picked by its code or words."""
		diagnoses = page.locator('.frappe-control[data-fieldname="custom_diagnoses"]')
		diagnoses.locator(".grid-add-row").click()
		diagnoses.locator('.grid-row[data-idx="1"] .grid-static-col[data-fieldname="diagnosis"]').click()
		self.pick_link(
			page,
			"diagnosis",
			text,
			parent='.frappe-control[data-fieldname="custom_diagnoses"] .grid-row[data-idx="1"]',
		)


@unittest.skipUnless(sync_playwright and os.path.exists(CHROMIUM), "needs Playwright and Chromium")
class TestDeskDay(DeskSteps, IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.bf = get_booking_fixture()
		cls.recep = ensure_user(email("iso-book-recep"), "Iso Book Receptionist")
		demo.ensure_member(cls.bf.practice, cls.recep, "Receptionist")
		cls.drug = demo.ensure_formulary()[0]
		frappe.db.commit()  # nosemgrep: fixture, seen by the web server
		cls.shots = artifacts_dir("desk")
		cls.tag = frappe.generate_hash(length=5)
		cls.photo = tiny_png(os.path.join(cls.shots, "photo.png"))

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		for name in frappe.get_all(
			"Patient Allergy",
			{"practice": cls.bf.practice, "creation": (">", add_days(getdate(), -1))},
			pluck="name",
		):
			frappe.delete_doc("Patient Allergy", name, force=True, ignore_permissions=True)
		for doctype in ("Sick Note", "Patient Encounter", "Patient Appointment", "Patient"):
			for name, docstatus in frappe.get_all(
				doctype,
				filters={
					"custom_practice" if doctype != "Sick Note" else "practice": cls.bf.practice,
					"creation": (">", add_days(getdate(), -1)),
				},
				fields=["name", "docstatus"],
				as_list=True,
			):
				# what Healthcare made from a submitted encounter goes first
				for request in frappe.get_all("Medication Request", {"order_group": name, "docstatus": 1}):
					frappe.get_doc("Medication Request", request.name).cancel()
				for request in frappe.get_all("Medication Request", {"order_group": name}, pluck="name"):
					frappe.delete_doc("Medication Request", request, force=True, ignore_permissions=True)
				if docstatus == 1:
					frappe.get_doc(doctype, name).cancel()
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
				# the assignment's share and to-do: a name used again must not inherit them
				frappe.db.delete("DocShare", {"share_doctype": doctype, "share_name": name})
				for log, type_field, name_field in (
					("ToDo", "reference_type", "reference_name"),
					("Comment", "reference_doctype", "reference_name"),
					("Version", "ref_doctype", "docname"),
				):
					frappe.db.delete(log, {type_field: doctype, name_field: name})
		frappe.db.commit()  # nosemgrep: remove what the server committed
		super().tearDownClass()

	def visit(self, page, watch: Watch, url: str, ready, step: str, shot: str):
		"""Open ``url``, wait for ``ready`` and the page's calls, check, take a screenshot."""
		page.goto(url)
		expect(ready(page)).to_be_visible(timeout=30000)
		page.wait_for_timeout(1500)
		watch.check(step)
		self.shot(page, shot)

	def save(self, page, watch: Watch, step: str):
		page.keyboard.press("Control+s")
		page.wait_for_timeout(1500)
		watch.check(step)
		expect(page.locator(".indicator-pill", has_text=re.compile("Not Saved"))).to_have_count(
			0, timeout=15000
		)

	def test_a_day_at_the_practice(self):
		with running_server(workers=2) as url, sync_playwright() as pw:
			try:
				patient = self.receptionist_day(pw, url)
				# the patient reports a severe reaction to antibiotics
				frappe.get_doc(
					{
						"doctype": "Patient Allergy",
						"patient": patient,
						"substance": "Antibiotics",
						"criticality": "high",
						"reaction": "hives",
					}
				).insert(ignore_permissions=True)
				frappe.db.commit()  # nosemgrep: seen by the web server
				self.doctor_day(pw, url, patient)
			except Exception:
				self.shot(self.last_page, "failure")
				raise

	def open(self, pw):
		"""A browser page; on failure, a screenshot of it is saved as failure.png."""
		browser, page = new_page(pw, 1400, 1000)
		self.last_page = page
		return browser, page

	def receptionist_day(self, pw, url: str) -> str:
		browser, page = self.open(pw)
		watch = Watch(page)
		log_in(page, url, self.recep, PASSWORD)

		self.visit(
			page,
			watch,
			f"{url}/app/my-practice",
			lambda p: p.locator(".number-widget-box, .number-card").first,
			"workspace",
			"01-workspace",
		)
		# the sidebar holds the practice's workspaces of a receptionist, nothing else
		self.assertEqual(sidebar(page), ["My Practice", "Claims"])

		page.goto(f"{url}/app/patient")
		expect(page.locator(".list-row-container, .no-result").first).to_be_visible(timeout=30000)
		page.locator("#navbar-search").fill("ISO Book")
		page.wait_for_timeout(1500)
		watch.check("patient list and search bar")
		self.shot(page, "02-patient-list-and-search")
		page.keyboard.press("Escape")

		# a new patient, with a photo attached before the first save
		page.goto(f"{url}/app/patient/new")
		page.locator('.frappe-control[data-fieldname="first_name"] input').fill("Dora")
		page.locator('.frappe-control[data-fieldname="last_name"] input').fill(f"Desk {self.tag}")
		self.pick_link(page, "sex", "Female")
		page.evaluate(
			"""() => new frappe.ui.FileUploader({
				doctype: cur_frm.doctype, docname: cur_frm.docname, fieldname: "image", frm: cur_frm,
				restrictions: {allowed_file_types: ["image/*"]},
				on_success(file) { cur_frm.set_value("image", file.file_url); window.mp_uploaded = file.file_url; },
			})"""
		)
		page.locator(".modal.show input[type=file]").set_input_files(self.photo)
		page.locator(".modal.show").get_by_role("button", name="Upload").click()
		page.wait_for_function("() => window.mp_uploaded", timeout=30000)
		self.save(page, watch, "new patient")
		patient = page.evaluate("() => cur_frm.doc.name")
		self.assertFalse(patient.startswith("new-"))
		self.shot(page, "03-new-patient")

		# an appointment, patient and doctor through the link fields
		page.goto(f"{url}/app/patient-appointment/new")
		self.pick_link(page, "patient", f"Desk {self.tag}")
		self.pick_link(page, "appointment_type", demo.APPOINTMENT_TYPE)
		self.pick_link(page, "practitioner", "ISO Book Doc")
		# Healthcare's slot picker (the practitioner's schedule, through get_availability_data)
		page.get_by_role("button", name="Check Availability").click()
		dialog = page.locator(".modal.show").filter(has_text="Available slots")
		expect(dialog).to_be_visible(timeout=15000)
		date = dialog.locator('.frappe-control[data-fieldname="appointment_date"] input')
		date.fill(add_days(getdate(), 20).strftime("%d-%m-%Y"))
		dialog.locator(".modal-title").click()  # leave the date
		# the enabled one: the list of the day first shown (today, 10:00 past) may linger
		slot = dialog.locator("button.btn-secondary:not([disabled])", has_text=re.compile(r"^\s*10:00")).first
		expect(slot).to_be_visible(timeout=15000)
		slot.click()
		dialog.get_by_role("button", name="Book").click()
		page.wait_for_timeout(1500)
		watch.check("new appointment")
		expect(page.locator(".indicator-pill", has_text=re.compile("Not Saved"))).to_have_count(
			0, timeout=15000
		)
		self.assertFalse(page.evaluate("() => cur_frm.doc.__islocal"))
		self.shot(page, "04-new-appointment")
		# a receptionist writes no encounters: not offered, and the form's address tells so
		self.assertEqual(
			page.locator(".inner-group-button .dropdown-item", has_text="Patient Encounter").count(), 0
		)
		page.goto(f"{url}/app/patient-encounter/new")
		expect(page.get_by_text("You are not permitted to view this page")).to_be_visible(timeout=15000)
		watch.check("a form the receptionist may not open")
		self.shot(page, "04b-encounter-not-permitted")

		# the list and the calendar open on the appointments still to come, "Scheduled" too
		self.visit(
			page,
			watch,
			f"{url}/app/patient-appointment",
			lambda p: p.locator(".list-row-container", has_text=f"Desk {self.tag}").first,
			"appointment list",
			"05-appointment-list",
		)
		self.visit(
			page,
			watch,
			f"{url}/app/patient-appointment/view/calendar/default",
			lambda p: p.locator(".fc-view-container, .fc-view-harness, .fc").first,
			"calendar",
			"05-calendar",
		)
		# the view fills its filter area after the calendar is drawn: wait for it, then compare
		filters = "() => cur_list.filter_area.get().map((f) => f.slice(1, 4))"
		page.wait_for_function(f"() => ({filters})().length > 0", timeout=15000)
		self.assertEqual(page.evaluate(filters), [["status", "!=", "Cancelled"]])
		# each visit is labelled with the patient's and the doctor's names, not an ID
		page.evaluate("(day) => $('.fc').first().fullCalendar('gotoDate', day)", str(add_days(getdate(), 20)))
		visit = page.locator(".fc-event", has_text=f"Dora Desk {self.tag}").first
		expect(visit).to_be_visible(timeout=15000)
		self.assertIn("Dora Desk", visit.inner_text())
		self.assertIn("· ISO Book Doc", visit.inner_text())
		self.assertNotIn(patient, visit.inner_text())
		self.shot(page, "05b-calendar-with-names")
		self.visit(
			page,
			watch,
			f"{url}/app/query-report/Practice Appointments",
			lambda p: p.get_by_text("Execution Time"),
			"report",
			"06-report",
		)
		browser.close()
		return patient

	def test_a_practice_admins_desk(self):
		"""The admin's sidebar: the practice's workspaces in the order of its day, and none of
		the platform's administration."""
		with running_server(workers=1) as url, sync_playwright() as pw:
			browser, page = self.open(pw)
			watch = Watch(page)
			log_in(page, url, email("iso-book-admin"), PASSWORD)
			self.visit(
				page,
				watch,
				f"{url}/app/my-practice",
				lambda p: p.locator(".number-widget-box, .number-card").first,
				"the admin's workspace",
				"00-admin-desk",
			)
			self.assertEqual(sidebar(page), ["My Practice", "Clinical", "Claims"])
			browser.close()

	def doctor_day(self, pw, url: str, patient: str):
		browser, page = self.open(pw)
		watch = Watch(page)
		log_in(page, url, self.doctor_user, PASSWORD)

		page.goto(f"{url}/app/patient-encounter/new")
		self.pick_link(page, "patient", f"Desk {self.tag}")
		self.pick_link(page, "practitioner", "ISO Book Doc")
		# a prescription row: the drug picked from the formulary, its item, dosage and
		# duration filled in from the medication
		grid = page.locator('.frappe-control[data-fieldname="drug_prescription"]')
		grid.locator(".grid-add-row").click()
		grid.locator('.grid-row[data-idx="1"] .grid-static-col[data-fieldname="medication"]').click()
		self.pick_link(page, "medication", self.drug, parent='.grid-row[data-idx="1"]')
		page.wait_for_function(
			"() => cur_frm.doc.drug_prescription[0].drug_code && cur_frm.doc.drug_prescription[0].period",
			timeout=15000,
		)
		# the consultation note: what the patient says, and a diagnosis picked by words
		page.locator('.frappe-control[data-fieldname="custom_subjective"] textarea').fill(
			"Wheezing at night for two weeks."
		)
		self.add_diagnosis(page, "Asthma")
		page.wait_for_function("() => cur_frm.doc.custom_diagnoses[0].diagnosis === 'J45.9-ICD-10'")
		self.save(page, watch, "encounter with a prescription")
		encounter = page.evaluate("() => cur_frm.doc.name")
		# the severe allergy in red, and the server's finding on the drug, which blocks
		# the submit until the doctor says why it is prescribed anyway
		expect(page.get_by_text("Severe allergy").first).to_be_visible(timeout=15000)
		checks = page.locator('.frappe-control[data-fieldname="custom_prescription_checks"]')
		expect(checks).to_contain_text("allergic to Antibiotics", timeout=15000)
		self.shot(page, "07-encounter-with-allergy-finding")
		page.evaluate(
			"""() => {
				const row = cur_frm.doc.custom_prescription_checks[0];
				frappe.model.set_value(row.doctype, row.name, "override_reason", "Benefit outweighs the risk");
				frappe.model.set_value(row.doctype, row.name, "override_note", "Tolerated a test dose.");
			}"""
		)
		self.save(page, watch, "override recorded")
		page.evaluate("() => { cur_frm.savesubmit(); }")  # its promise waits for the confirmation
		page.locator(".modal.show").get_by_role("button", name="Yes").click()
		# which diagnoses go onto the problem list: the doctor ticks the asthma
		problem_dialog = page.locator(".modal.show", has_text="Add to the Problem List?")
		expect(problem_dialog).to_be_visible(timeout=15000)
		problem_dialog.get_by_text("J45.9 Asthma, unspecified").click()
		self.shot(page, "07b-problem-list-confirmation")
		problem_dialog.locator(".btn-primary").click()
		page.wait_for_function("() => cur_frm.doc.docstatus === 1", timeout=30000)
		watch.check("encounter submitted")
		# the form lists the allergy and the new problem
		safety = page.locator(".mp-safety-record")
		expect(safety).to_contain_text("J45.9", timeout=15000)
		expect(safety).to_contain_text("Antibiotics")
		self.shot(page, "07c-encounter-submitted")

		# a comment, then an assignment to the receptionist
		page.locator(".comment-box .ql-editor").first.click()
		page.keyboard.type("Reviewed, follow up in a week.")
		page.locator(".comment-box .btn-comment").first.click()
		expect(page.locator(".timeline-content", has_text="follow up in a week").first).to_be_visible(
			timeout=15000
		)
		page.evaluate(
			"""([user]) => frappe.xcall("frappe.desk.form.assign_to.add", {
				doctype: cur_frm.doctype, name: cur_frm.docname, assign_to: [user],
			}).then(() => cur_frm.reload_doc())""",
			[self.recep],
		)
		page.wait_for_timeout(1500)
		watch.check("comment and assignment")
		self.shot(page, "08-comment-and-assignment")
		page.locator(".modal.show .btn-modal-close").click()  # "shared with ... with read access"

		# a sick note from the encounter, submitted and printed
		page.locator(".inner-group-button button", has_text="Create").first.click()
		page.locator(".dropdown-menu.show a", has_text="Issue Sick Note").click()
		page.wait_for_url("**/app/sick-note/**", timeout=30000)
		page.wait_for_timeout(800)
		self.save(page, watch, "sick note")
		note = page.evaluate("() => cur_frm.doc.name")
		page.goto(f"{url}/printview?doctype=Sick%20Note&name={note}&format=Sick%20Note")
		expect(page.locator(".print-format").first).to_be_visible(timeout=30000)
		watch.check("print")
		self.shot(page, "09-sick-note-print")

		page.goto(f"{url}/printview?doctype=Patient%20Encounter&name={encounter}&format=Prescription")
		expect(page.locator(".print-format").first).to_contain_text("Tolerated a test dose.", timeout=30000)
		watch.check("prescription print")
		self.shot(page, "10-prescription-print")
		page.goto(f"{url}/printview?doctype=Patient%20Encounter&name={encounter}&format=Encounter%20Note")
		expect(page.locator(".print-format").first).to_contain_text("Wheezing at night", timeout=30000)
		expect(page.locator(".print-format").first).to_contain_text("on the problem list")
		watch.check("encounter note print")
		self.shot(page, "11-encounter-note-print")
		browser.close()

		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Patient Encounter", encounter, "docstatus"), 1)
		self.assertEqual(frappe.db.get_value("Patient Encounter", encounter, "patient"), patient)
		self.assertEqual(
			frappe.db.get_value("Drug Prescription", {"parent": encounter}, "medication"), self.drug
		)
		self.assertTrue(frappe.db.exists("ToDo", {"reference_name": encounter, "allocated_to": self.recep}))
		self.assertEqual(
			frappe.db.get_value("Patient Problem", {"source_encounter": encounter}, ["patient", "diagnosis"]),
			(patient, "J45.9-ICD-10"),
		)
		self.assertEqual(frappe.db.get_value("Sick Note", note, "patient"), patient)
		self.assertTrue(frappe.db.get_value("Patient", patient, "image"))

	@property
	def doctor_user(self) -> str:
		return self.bf.doctor_user


def sidebar(page) -> list[str]:
	"""The workspaces the Desk's sidebar lists, in order."""
	labels = page.locator(".desk-sidebar .standard-sidebar-item .sidebar-item-label")
	expect(labels.first).to_be_visible(timeout=15000)
	return [label.strip() for label in labels.all_inner_texts()]
