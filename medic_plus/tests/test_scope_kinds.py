"""The tenant wall on the doctypes scoped through a link, through a reference, and on
those hidden from the practice roles (tenancy/scope.py: LINKED, REFERENCES, HIDDEN).

Fixture: ``fixtures.py`` (practices A and B), plus a Clinical Note and a Comment on each
practice's patient.
"""

from __future__ import annotations

import frappe

from medic_plus.api.desk import get_count
from medic_plus.tenancy import permissions
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import api_token
from medic_plus.tests.http import request, shape

MISSING = "ISO-NO-SUCH-NOTE"


def ensure_note(name: str, patient: str) -> str:
	if not frappe.db.exists("Clinical Note", name):
		doc = frappe.new_doc("Clinical Note")
		doc.update({"patient": patient, "note": f"Private note of {patient}", "posting_date": "2026-01-05"})
		doc.name = name
		doc.db_insert()
	return name


def ensure_comment(name: str, patient: str) -> str:
	if not frappe.db.exists("Comment", name):
		doc = frappe.new_doc("Comment")
		doc.update(
			{
				"comment_type": "Comment",
				"reference_doctype": "Patient",
				"reference_name": patient,
				"content": f"About {patient}",
			}
		)
		doc.name = name
		doc.db_insert()
	return name


class TestScopeKinds(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.notes = {
			side: ensure_note(f"ISO-{side.upper()}-NOTE", cls.fx.record(side, "Patient")) for side in "ab"
		}
		cls.comments = {
			side: ensure_comment(f"ISO-{side.upper()}-COMMENT", cls.fx.record(side, "Patient"))
			for side in "ab"
		}
		frappe.db.commit()  # nosemgrep: fixture, seen by the request threads

	def test_clinical_note_is_scoped_through_its_patient(self):
		frappe.set_user(self.fx.a.doctor)
		listed = set(frappe.get_list("Clinical Note", filters={"name": ("like", "ISO-%")}, pluck="name"))
		self.assertEqual(listed, {self.notes["a"]})
		self.assertEqual(get_count("Clinical Note", {"name": ("like", "ISO-%")}), 1)
		with self.assertRaises(frappe.DoesNotExistError):
			frappe.get_doc("Clinical Note", self.notes["b"])
		self.assertEqual(frappe.get_doc("Clinical Note", self.notes["a"]).patient, self.fx.a.patient)

	def test_platform_admin_reads_both_notes(self):
		frappe.set_user(self.fx.platform)
		listed = set(frappe.get_list("Clinical Note", filters={"name": ("like", "ISO-%")}, pluck="name"))
		self.assertEqual(listed, set(self.notes.values()))

	def test_other_practice_note_over_http_is_404_like_a_missing_one(self):
		auth = {"Authorization": api_token(self.fx.a.doctor)}
		for verb in ("GET", "PUT", "DELETE"):
			with self.subTest(verb=verb):
				kwargs = {"json": {"note": "changed"}} if verb == "PUT" else {}
				foreign = request(verb, f"/api/resource/Clinical Note/{self.notes['b']}", auth, **kwargs)
				missing = request(verb, f"/api/resource/Clinical Note/{MISSING}", auth, **kwargs)
				self.assertEqual(foreign.status_code, 404)
				self.assertEqual(shape(foreign, self.notes["b"]), shape(missing, MISSING))
		self.assertTrue(frappe.db.exists("Clinical Note", self.notes["b"]))

	def test_a_note_cannot_point_at_another_practice_patient(self):
		frappe.set_user(self.fx.a.doctor)
		doc = frappe.get_doc(
			{
				"doctype": "Clinical Note",
				"patient": self.fx.b.patient,
				"note": "x",
				"posting_date": "2026-01-05",
			}
		)
		with self.assertRaises((frappe.LinkValidationError, frappe.PermissionError)):
			doc.insert()

	def test_comments_follow_the_record_they_are_about(self):
		"""The practice roles hold no permission on Comment itself (the Desk reads a
		record's comments through the record): the generated condition and the
		document check are what any role granting it would meet."""
		cond = permissions.get_permission_query_conditions(self.fx.a.doctor, "Comment")
		listed = set(
			frappe.db.sql(
				f"select name from `tabComment` where name like 'ISO-%%-COMMENT' and {cond}", pluck=True
			)
		)
		self.assertEqual(listed, {self.comments["a"]})
		own, other = (frappe.get_doc("Comment", self.comments[side]) for side in "ab")
		self.assertIsNone(permissions.has_permission(own, "read", self.fx.a.doctor))
		self.assertFalse(permissions.has_permission(other, "read", self.fx.a.doctor))

	def test_hidden_doctypes_are_empty_for_practice_users_only(self):
		from medic_plus.tests.fixtures import email, ensure_user

		# the platform's own ERPNext staff, in no practice and with no clinical role
		self.accounts = ensure_user(email("iso-accounts"), "Iso Accounts", roles=("Accounts User",))
		for doctype in ("Contact", "Event", "Error Log", "Warehouse"):
			with self.subTest(doctype=doctype):
				self.assertEqual(permissions.get_permission_query_conditions(self.fx.a.admin, doctype), "1=0")
				self.assertEqual(permissions.get_permission_query_conditions(self.fx.platform, doctype), "")
				# a Healthcare role in no practice is walled in like a practice user of none
				self.assertEqual(permissions.get_permission_query_conditions(self.fx.nobody, doctype), "1=0")
				self.assertEqual(permissions.get_permission_query_conditions(self.accounts, doctype), "")

	def test_the_books_are_read_by_company_by_practice_users_only(self):
		from medic_plus.tests.fixtures import email, ensure_user

		accounts = ensure_user(email("iso-accounts"), "Iso Accounts", roles=("Accounts User",))
		for doctype in ("Customer", "Sales Invoice", "GL Entry", "Sales Invoice Item"):
			with self.subTest(doctype=doctype):
				own = permissions.get_permission_query_conditions(self.fx.a.admin, doctype)
				self.assertIn("`tabPractice`", own)
				self.assertIn(frappe.db.escape(self.fx.a.practice), own)
				self.assertNotIn(frappe.db.escape(self.fx.b.practice), own)
				self.assertEqual(permissions.get_permission_query_conditions(self.fx.platform, doctype), "")
		for doctype in ("Customer", "Sales Invoice", "GL Entry"):
			with self.subTest(doctype=doctype):
				self.assertEqual(permissions.get_permission_query_conditions(self.fx.nobody, doctype), "1=0")
				# the platform's own accountants keep every company's books
				self.assertEqual(permissions.get_permission_query_conditions(accounts, doctype), "")

	def test_letter_heads_of_other_practices_are_not_shipped_nor_usable(self):
		from frappe.boot import get_letter_heads

		for side in (self.fx.a, self.fx.b):
			frappe.get_doc("Practice", side.practice).sync_letter_head()
		own, other = (
			frappe.db.get_value("Practice", s.practice, "letter_head") for s in (self.fx.a, self.fx.b)
		)
		frappe.set_user(self.fx.a.admin)
		listed = set(frappe.get_list("Letter Head", pluck="name"))
		self.assertIn(own, listed)
		self.assertNotIn(other, listed)
		self.assertNotIn(other, get_letter_heads())
		frappe.set_user("Administrator")
		practice = frappe.get_doc("Practice", self.fx.a.practice)
		practice.letter_head = other
		with self.assertRaises(frappe.LinkValidationError):
			practice.save()

	def test_every_column_the_wall_looks_rows_up_by_is_indexed(self):
		"""A practice's list finds its rows by an index (its practice, its patient, its
		company), never by reading every practice's: after install and migrate, each column
		of ``scope.wall_indexes`` leads an index (and each a person's records are found by: their
		e-mail, their mobile), and the next setup adds none."""
		from medic_plus.install import ensure_wall_indexes
		from medic_plus.tenancy.scope import indexed_columns

		checked = 0
		for doctype, column in indexed_columns():
			if not frappe.db.table_exists(doctype) or not frappe.db.has_column(doctype, column):
				continue
			with self.subTest(doctype=doctype, column=column):
				leading = frappe.db.sql(
					f"show index from `tab{doctype}` where Column_name = %s and Seq_in_index = 1", column
				)
				self.assertTrue(leading, f"no index on {doctype}.{column}")
				checked += 1
		self.assertGreater(checked, 30)
		self.assertEqual(ensure_wall_indexes(), [])
