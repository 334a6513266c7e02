"""A practice's own company and letter head, links to other practices' records refused on
save by every doctype, and the migration that stamps records kept before they were scoped.

Fixture: ``fixtures.py`` (practices A and B); each test gives B a company of its own.
"""

from __future__ import annotations

import frappe

from medic_plus import install
from medic_plus.tenancy.scope import PRACTICE_FIELD, SCOPES
from medic_plus.tests.compat import TenancyFixtureTestCase

B_COMPANY = "ISO Beta Books"


def ensure_company(name: str) -> str:
	if not frappe.db.exists("Company", name):
		template = frappe.get_doc("Company", frappe.get_all("Company", pluck="name", limit=1)[0])
		company = frappe.new_doc("Company")
		company.update(
			{
				"company_name": name,
				"abbr": "ISOBB",
				"default_currency": template.default_currency,
				"country": template.country,
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		)
		company.insert(ignore_permissions=True)
	return name


class TestOwnedRecords(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_company(B_COMPANY)
		frappe.db.commit()  # nosemgrep: fixture

	def setUp(self):
		frappe.db.set_value("Practice", self.fx.b.practice, "company", B_COMPANY)
		frappe.db.set_value("Practice", self.fx.a.practice, "company", None)

	def test_another_practice_company_is_not_seen(self):
		frappe.set_user(self.fx.a.recep)
		companies = frappe.get_list("Company", pluck="name")
		self.assertNotIn(B_COMPANY, companies)
		self.assertTrue(companies, "the platform's company stays visible")
		self.assertFalse(frappe.has_permission("Company", "read", doc=B_COMPANY))
		frappe.set_user(self.fx.b.recep)
		self.assertIn(B_COMPANY, frappe.get_list("Company", pluck="name"))

	def test_a_company_several_practices_share_is_seen_by_each(self):
		frappe.db.set_value("Practice", self.fx.a.practice, "company", B_COMPANY)
		for user in (self.fx.a.recep, self.fx.b.recep):
			frappe.set_user(user)
			self.assertIn(B_COMPANY, frappe.get_list("Company", pluck="name"), user)

	def test_practice_admin_cannot_repoint_company_or_letter_head(self):
		frappe.get_doc("Practice", self.fx.b.practice).sync_letter_head()
		other_head = frappe.db.get_value("Practice", self.fx.b.practice, "letter_head")
		before = frappe.db.get_value("Practice", self.fx.a.practice, ["company", "letter_head"])
		frappe.set_user(self.fx.a.admin)
		practice = frappe.get_doc("Practice", self.fx.a.practice)
		practice.company = B_COMPANY
		practice.letter_head = other_head
		practice.phone = "+27 21 555 0101"
		practice.save()
		frappe.set_user("Administrator")
		after = frappe.db.get_value("Practice", self.fx.a.practice, ["company", "letter_head"])
		self.assertEqual(before, after)

	def test_records_go_to_the_practice_company_and_refuse_another(self):
		frappe.set_user(self.fx.b.recep)
		appointment = frappe.get_doc("Patient Appointment", self.fx.b.records["Patient Appointment"])
		self.assertTrue(appointment)
		frappe.set_user(self.fx.a.recep)
		doc = frappe.get_doc("Patient Appointment", self.fx.a.records["Patient Appointment"])
		doc.company = B_COMPANY
		with self.assertRaises(frappe.LinkValidationError) as refused:
			doc.save()
		self.assertIn("Could not find", str(refused.exception))

	def test_letter_head_sync_leaves_a_letter_head_it_did_not_make(self):
		site_head = frappe.get_doc(
			{
				"doctype": "Letter Head",
				"letter_head_name": "ISO Site Head",
				"source": "HTML",
				"content": "<b>Site</b>",
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value("Practice", self.fx.a.practice, "letter_head", site_head.name)
		practice = frappe.get_doc("Practice", self.fx.a.practice)
		practice.brand_color = "#123456"
		practice.save()
		self.assertEqual(frappe.db.get_value("Letter Head", site_head.name, "content"), "<b>Site</b>")


class TestLinksOnSave(TenancyFixtureTestCase):
	def test_no_record_of_a_practice_user_links_another_practice(self):
		frappe.set_user(self.fx.a.recep)
		# inserted as Frappe's own whitelisted methods insert them (add_comment, make): with
		# permissions off, so only the links are judged
		cases = {
			"Communication timeline": lambda patient: frappe.get_doc(
				{
					"doctype": "Communication",
					"communication_type": "Communication",
					"communication_medium": "Phone",
					"subject": "Call",
					"content": "x",
					"timeline_links": [{"link_doctype": "Patient", "link_name": patient}],
				}
			).insert(ignore_permissions=True),
			"Comment link": lambda patient: frappe.get_doc(
				{
					"doctype": "Comment",
					"comment_type": "Info",
					"reference_doctype": "Patient",
					"reference_name": self.fx.a.patient,
					"link_doctype": "Patient",
					"link_name": patient,
					"content": "x",
				}
			).insert(ignore_permissions=True),
		}
		for case, make in cases.items():
			with self.subTest(case=case):
				errors = []
				for patient in (self.fx.b.patient, "ISO-NO-SUCH-PATIENT"):
					try:
						make(patient)
						errors.append(None)
					except frappe.ValidationError as e:
						errors.append((type(e), str(e).replace(patient, "<name>")))
					frappe.clear_messages()
				self.assertIsNotNone(errors[0], "a link to another practice's patient was saved")
				self.assertEqual(errors[0], errors[1])
				make(self.fx.a.patient)  # one's own patient: saved


class TestStampingMigration(TenancyFixtureTestCase):
	"""``bench migrate`` (the patch and after_migrate) on data kept before the scope: it
	stamps records from their patient, renames nothing, and a second run changes no row."""

	def snapshot(self) -> dict:
		tables = {scope.doctype for scope in SCOPES if scope.custom_field} | {
			"Patient",
			"Practice",
			"Letter Head",
			"Custom Field",
			"Custom DocPerm",
			"Property Setter",
			"Role",
		}
		out = {}
		for doctype in sorted(tables):
			fields = ["name", "modified"]
			if frappe.db.has_column(doctype, PRACTICE_FIELD):
				fields.append(PRACTICE_FIELD)
			out[doctype] = sorted(frappe.get_all(doctype, fields=fields, as_list=True, order_by="name"))
		return out

	def test_migration_stamps_from_the_patient_and_is_idempotent(self):
		from medic_plus.patches.v0_1 import setup_tenancy

		dangling_before = self.dangling()
		encounter = self.fx.a.records["Patient Encounter"]
		frappe.db.set_value("Patient Encounter", encounter, PRACTICE_FIELD, None, update_modified=False)
		setup_tenancy.execute()
		install.after_migrate()
		self.assertEqual(
			frappe.db.get_value("Patient Encounter", encounter, PRACTICE_FIELD), self.fx.a.practice
		)
		first = self.snapshot()
		setup_tenancy.execute()
		install.after_migrate()
		second = self.snapshot()
		for doctype in first:
			self.assertEqual(first[doctype], second[doctype], f"the second run changed {doctype}")
		self.assertEqual(install.stamp_from_patients(), 0)
		# no link into a patient is broken by the migration
		self.assertEqual(dangling_before, self.dangling())

	def dangling(self) -> dict[str, set]:
		out = {}
		for scope in SCOPES:
			if not scope.patient_field:
				continue
			table, patient = frappe.qb.DocType(scope.doctype), frappe.qb.DocType("Patient")
			out[scope.doctype] = set(
				frappe.qb.from_(table)
				.left_join(patient)
				.on(patient.name == table[scope.patient_field])
				.select(table.name)
				.where(
					table[scope.patient_field].isnotnull()
					& (table[scope.patient_field] != "")
					& patient.name.isnull()
				)
				.run(pluck=True)
			)
		return out
