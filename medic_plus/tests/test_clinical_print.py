"""Sick notes and prescriptions print on their own practice's letter head.

Each printed document is also rendered to PDF (wkhtmltopdf) and, where pdftoppm is
installed, to PNG, in $MEDIC_PLUS_ARTIFACTS/clinical (default artifacts/clinical)."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import ExitStack

import frappe
from frappe.utils import add_days, today

from medic_plus.tests.artifacts import artifacts_dir
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import ensure_drug_item, prescription
from medic_plus.tests.server import running_server


class TestClinicalPrint(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for side in (cls.fx.a, cls.fx.b):
			frappe.get_doc("Practice", side.practice).sync_letter_head()
		frappe.set_user("Administrator")
		ensure_drug_item()
		frappe.db.commit()  # nosemgrep: the fixture's letter heads and drug
		# wkhtmltopdf loads the page's styles from the site's URL: serve it
		cls.stack = ExitStack()
		cls.url = cls.stack.enter_context(running_server(workers=2))

	@classmethod
	def tearDownClass(cls):
		cls.stack.close()
		super().tearDownClass()

	def save_pdf(self, doctype: str, name: str, print_format: str, filename: str) -> None:
		host = frappe.local.conf.host_name
		frappe.local.conf.host_name = self.url
		try:
			pdf = frappe.get_print(doctype, name, print_format=print_format, as_pdf=True)
		finally:
			frappe.local.conf.host_name = host
		self.assertTrue(pdf.startswith(b"%PDF"))
		path = os.path.join(artifacts_dir("clinical"), f"{filename}.pdf")
		with open(path, "wb") as f:
			f.write(pdf)
		if shutil.which("pdftoppm"):
			subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", path, path[:-4]], check=True)

	def issue_sick_note(self, days: int = 3):
		frappe.set_user(self.fx.a.doctor)
		note = frappe.get_doc(
			{
				"doctype": "Sick Note",
				"patient": self.fx.a.patient,
				"practitioner": self.fx.a.practitioner,
				"issue_date": today(),
				"date_from": today(),
				"date_to": add_days(today(), days - 1),
				"fitness": "Unfit for duty",
				"diagnosis": "Influenza",
				"remarks": "Rest <b>and</b> fluids",
			}
		).insert()
		note.submit()
		return note

	def test_sick_note_prints_on_its_own_practice_letter_head(self):
		frappe.set_user("Administrator")
		frappe.db.set_value(
			"Healthcare Practitioner", self.fx.a.practitioner, "custom_registration_number", "REG-4711"
		)
		note = self.issue_sick_note()
		html = frappe.get_print("Sick Note", note.name, print_format="Sick Note")
		self.assertIn("ISO Alpha Practice", html)
		self.assertNotIn("ISO Beta Practice", html)
		self.assertIn("REG-4711", html)
		self.assertIn("Influenza", html)
		self.assertIn("(3 days)", html)
		one_day = self.issue_sick_note(days=1)
		self.assertIn("(1 day)", frappe.get_print("Sick Note", one_day.name, print_format="Sick Note"))
		self.assertIn("Rest &lt;b&gt;and&lt;/b&gt; fluids", html)
		self.save_pdf("Sick Note", note.name, "Sick Note", "sick-note")

	def test_prescription_prints_the_drugs_on_the_practice_letter_head(self):
		encounter = prescription(
			self.fx.a.doctor, self.fx.a.practitioner, self.fx.a.patient, comment="After meals"
		)
		html = frappe.get_print("Patient Encounter", encounter.name, print_format="Prescription")
		self.assertIn("ISO Alpha Practice", html)
		self.assertNotIn("ISO Beta Practice", html)
		self.assertIn("Amoxicillin 500 mg", html)
		self.assertIn("After meals", html)
		self.save_pdf("Patient Encounter", encounter.name, "Prescription", "prescription")

	def test_other_practice_cannot_print_it(self):
		note = self.issue_sick_note()
		frappe.set_user(self.fx.b.admin)
		with self.assertRaises(frappe.DoesNotExistError):
			frappe.get_print("Sick Note", note.name, print_format="Sick Note")

	def test_letter_head_follows_the_branding_and_is_never_the_site_default(self):
		frappe.set_user("Administrator")
		practice = frappe.get_doc("Practice", self.fx.a.practice)
		practice.brand_color = "#AA3300"
		practice.phone = "+49 30 999999"
		practice.save()
		content = frappe.db.get_value("Letter Head", practice.letter_head, "content")
		self.assertIn("#AA3300", content)
		self.assertIn("+49 30 999999", content)
		self.assertIn("ISO Alpha Practice", content)
		self.assertNotEqual(frappe.db.get_default("letter_head"), practice.letter_head)
		self.assertFalse(frappe.db.get_value("Letter Head", practice.letter_head, "is_default"))
		b_head = frappe.db.get_value("Practice", self.fx.b.practice, "letter_head")
		self.assertNotEqual(b_head, practice.letter_head)
