"""Every doctype of the installed apps that can reach a practice's records is classified
in the scope table (tenancy/scope.py), read from the site's own metadata
(tenancy/classify.py): a Healthcare or ERPNext upgrade that adds one fails here."""

import frappe

from medic_plus.tenancy import classify, scope
from medic_plus.tests.compat import IntegrationTestCase


class TestClassification(IntegrationTestCase):
	def test_every_doctype_that_reaches_practice_records_is_classified(self):
		missing = classify.unclassified()
		self.assertEqual(
			missing,
			{},
			"classify these in medic_plus/tenancy/scope.py (scoped, via a link, via a reference, "
			"hidden from practice roles, or shared, with the reason): "
			+ "; ".join(f"{dt} ({', '.join(why)})" for dt, why in missing.items()),
		)

	def test_the_classification_finds_what_the_issue_names(self):
		reaching = classify.reaching_doctypes()
		for doctype in (
			"Clinical Note",
			"Sales Invoice",
			"Comment",
			"ToDo",
			"Version",
			"DocShare",
			"Event Participants",
		):
			self.assertIn(doctype, reaching)

	def test_every_classified_doctype_has_a_reason_and_no_doctype_is_classified_twice(self):
		seen: dict[str, str] = {}
		tables = {
			"scoped": list(scope.SCOPE_BY_DOCTYPE),
			"linked": [row.doctype for row in scope.LINKED if row.why],
			"reference": [row.doctype for row in scope.REFERENCES if row.why],
			"owned": [row.doctype for row in scope.OWNED if row.why],
			"hidden": [dt for dt, why in scope.HIDDEN.items() if why],
			"shared": [dt for dt, why in scope.SHARED.items() if why],
		}
		for kind, doctypes in tables.items():
			for doctype in doctypes:
				self.assertNotIn(doctype, seen, f"{doctype} is both {seen.get(doctype)} and {kind}")
				seen[doctype] = kind
		self.assertEqual(len(seen), sum(len(v) for v in tables.values()))

	def test_linked_doctypes_link_their_target(self):
		for row in scope.LINKED:
			if frappe.db.exists("DocType", row.doctype):
				with self.subTest(doctype=row.doctype):
					self.assertEqual(frappe.get_meta(row.doctype).get_field(row.field).options, row.target)
