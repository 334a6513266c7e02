"""The tenant wall, probed on every path, for every scoped doctype and every kind of user.

Fixture: see ``fixtures.py`` (practices A and B; admin, doctor and receptionist in each;
a user in both, a user in none, a platform admin). For each scoped doctype there is one
record in A and one in B; each test asks "which of the two can this user reach by this
path?" and compares with the expectation table below, which follows from the roles:

- receptionists read patients, appointments, fee validities, schedules, sick notes,
  consents and medical aids; doctors and admins read all clinical records too;
- iso-both is a Doctor in A and a Receptionist in B, so reads B's patients but not B's
  encounters (roles count practice by practice);
- iso-nobody holds Healthcare's Physician role but no membership: sees nothing;
- the platform admin sees both.
"""

from __future__ import annotations

import json

import frappe
from frappe.desk.form.load import getdoc
from frappe.desk.search import search_link

from medic_plus.api import desk as whitelisted
from medic_plus.tenancy.scope import CUSTOM_FIELD_DOCTYPES, get_scope
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import ENCOUNTER_CHILDREN

# every scoped doctype that holds patient data: the Healthcare ones and the app's own
ISOLATED_DOCTYPES = (
	*CUSTOM_FIELD_DOCTYPES,
	"Sick Note",
	"Patient Allergy",
	"Patient Problem",
	"Patient Consent",
	"Patient Medical Aid",
	"Insurance Claim",
)
RECEPTION_DOCTYPES = {
	"Patient",
	"Patient Appointment",
	"Fee Validity",
	"Practitioner Schedule",
	"Sick Note",
	"Patient Consent",
	"Patient Medical Aid",
	"Insurance Claim",
}
BOTH_SIDES = {"a", "b"}
NO_SIDE: set[str] = set()


def expected_sides(who: str, doctype: str) -> set[str]:
	reception = doctype in RECEPTION_DOCTYPES
	return {
		"a_admin": {"a"},
		"a_doctor": {"a"},
		"a_recep": {"a"} if reception else NO_SIDE,
		"b_admin": {"b"},
		"b_recep": {"b"} if reception else NO_SIDE,
		"both": BOTH_SIDES if reception else {"a"},
		"nobody": NO_SIDE,
		"platform": BOTH_SIDES,
	}[who]


class TenancyTestCase(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fx = cls.fx
		cls.users = {
			"a_admin": fx.a.admin,
			"a_doctor": fx.a.doctor,
			"a_recep": fx.a.recep,
			"b_admin": fx.b.admin,
			"b_recep": fx.b.recep,
			"both": fx.both,
			"nobody": fx.nobody,
			"platform": fx.platform,
		}

	def names(self, doctype: str) -> dict[str, str]:
		return {"a": self.fx.record("a", doctype), "b": self.fx.record("b", doctype)}

	def side_of(self, doctype: str, names) -> set[str]:
		lookup = {v: k for k, v in self.names(doctype).items()}
		return {lookup[n] for n in names if n in lookup}

	def each_case(self):
		for doctype in ISOLATED_DOCTYPES:
			for who, user in self.users.items():
				yield doctype, who, user


class TestListPaths(TenancyTestCase):
	def list_sides(self, doctype: str, user: str) -> set[str]:
		frappe.set_user(user)
		try:
			names = frappe.get_list(
				doctype, filters={"name": ("in", list(self.names(doctype).values()))}, pluck="name"
			)
		except frappe.PermissionError:
			names = []
		finally:
			frappe.set_user("Administrator")
		return self.side_of(doctype, names)

	def test_list_view_shows_only_own_practice_records(self):
		for doctype, who, user in self.each_case():
			with self.subTest(doctype=doctype, user=who):
				self.assertEqual(self.list_sides(doctype, user), expected_sides(who, doctype))

	def test_report_view_shows_only_own_practice_records(self):
		for doctype, who, user in self.each_case():
			with self.subTest(doctype=doctype, user=who):
				frappe.set_user(user)
				try:
					rows = frappe.desk.reportview.execute(
						doctype,
						fields=[f"`tab{doctype}`.`name`", f"`tab{doctype}`.`{get_scope(doctype).field}`"],
						filters=[[doctype, "name", "in", list(self.names(doctype).values())]],
						as_list=True,
					)
				except frappe.PermissionError:
					rows = []
				self.assertEqual(self.side_of(doctype, [r[0] for r in rows]), expected_sides(who, doctype))

	def test_counts_include_only_own_practice_records(self):
		for doctype, who, user in self.each_case():
			with self.subTest(doctype=doctype, user=who):
				filters = {"name": ("in", list(self.names(doctype).values()))}
				frappe.set_user(user)
				try:
					count = frappe.get_list(doctype, filters=filters, fields=["count(*) as n"])[0].n
				except frappe.PermissionError:
					count = 0
				self.assertEqual(count, len(expected_sides(who, doctype)))

	def test_client_get_count_counts_only_own_practice_records(self):
		# frappe.client.get_count runs no permission check of its own
		for doctype, who, user in self.each_case():
			with self.subTest(doctype=doctype, user=who):
				filters = {"name": ("in", list(self.names(doctype).values()))}
				frappe.set_user(user)
				try:
					count = whitelisted.get_count(doctype, filters=filters)
				except frappe.PermissionError:
					count = 0
				self.assertEqual(count, len(expected_sides(who, doctype)))

	def test_frappe_endpoints_without_permission_query_are_wrapped(self):
		hooks = frappe.get_hooks("override_whitelisted_methods")
		for method, wrapper in {
			"frappe.client.get_count": "get_count",
			"frappe.client.validate_link": "validate_link",
			"frappe.utils.global_search.search": "global_search",
			"frappe.desk.listview.get_group_by_count": "get_group_by_count",
		}.items():
			with self.subTest(method=method):
				self.assertEqual(hooks[method][-1], f"medic_plus.api.desk.{wrapper}")

	def test_sidebar_group_by_counts_only_own_practices(self):
		for doctype, who, user in self.each_case():
			with self.subTest(doctype=doctype, user=who):
				fx = self.fx
				practice_side = {fx.a.practice: "a", fx.b.practice: "b"}
				filters = json.dumps([[doctype, "name", "in", list(self.names(doctype).values())]])
				frappe.set_user(user)
				try:
					rows = whitelisted.get_group_by_count(doctype, filters, get_scope(doctype).field)
				except frappe.PermissionError:
					rows = []
				self.assertEqual({practice_side[r.name] for r in rows}, expected_sides(who, doctype))

	def test_link_search_offers_only_own_practice_records(self):
		for doctype, who, user in self.each_case():
			with self.subTest(doctype=doctype, user=who):
				frappe.set_user(user)
				try:
					results = search_link(
						doctype,
						"",
						filters={"name": ("in", list(self.names(doctype).values()))},
						page_length=50,
					)
				except frappe.PermissionError:
					results = []
				values = [r["value"] if isinstance(r, dict) else r.value for r in results]
				self.assertEqual(self.side_of(doctype, values), expected_sides(who, doctype))

	def test_child_table_rows_follow_their_parent(self):
		fx = self.fx
		encounters = {fx.a.records["Patient Encounter"]: "a", fx.b.records["Patient Encounter"]: "b"}
		for child, _parentfield in ENCOUNTER_CHILDREN:
			for who, user in self.users.items():
				with self.subTest(child=child, user=who):
					frappe.set_user(user)
					try:
						rows = frappe.get_list(
							child,
							parent_doctype="Patient Encounter",
							filters={"parent": ("in", list(encounters))},
							fields=["parent"],
						)
					except frappe.PermissionError:
						rows = []
					self.assertEqual(
						{encounters[r.parent] for r in rows}, expected_sides(who, "Patient Encounter")
					)


class TestSingleDocumentPaths(TenancyTestCase):
	def test_has_permission_hook_denies_other_practice_records(self):
		"""The hook alone, on a document loaded past the load guard."""
		for doctype, who, user in self.each_case():
			for side, name in self.names(doctype).items():
				with self.subTest(doctype=doctype, user=who, record=side):
					doc = frappe.get_doc(doctype, name)  # as Administrator
					allowed = frappe.has_permission(doctype, "read", doc=doc, user=user)
					self.assertEqual(allowed, side in expected_sides(who, doctype))

	def test_other_practice_record_loads_as_not_found(self):
		for doctype, who, user in self.each_case():
			if who == "platform":
				continue
			for side, name in self.names(doctype).items():
				if self._is_member(user, side):
					continue
				with self.subTest(doctype=doctype, user=who, record=side):
					frappe.set_user(user)
					with self.assertRaises(frappe.DoesNotExistError) as caught:
						frappe.get_doc(doctype, name)
					missing = self._missing_message(doctype)
					self.assertEqual(str(caught.exception).replace(name, "<name>"), missing)

	def test_desk_form_answers_as_for_a_missing_record(self):
		for doctype in ISOLATED_DOCTYPES:
			with self.subTest(doctype=doctype):
				frappe.set_user(self.fx.a.admin)
				frappe.local.response = frappe._dict(docs=[])
				self.assertEqual(getdoc(doctype, self.fx.record("b", doctype)), [])
				self.assertEqual(frappe.local.response.docs, [])
				self.assertEqual(getdoc(doctype, "ISO-DOES-NOT-EXIST"), [])

	def test_own_record_opens_in_desk_form(self):
		frappe.set_user(self.fx.a.admin)
		frappe.local.response = frappe._dict(docs=[])
		getdoc("Patient", self.fx.a.patient)
		self.assertEqual([d.name for d in frappe.local.response.docs], [self.fx.a.patient])

	def test_other_practice_record_cannot_be_updated(self):
		for doctype in ISOLATED_DOCTYPES:
			with self.subTest(doctype=doctype):
				editable = ("Data", "Small Text", "Text", "Text Editor", "Date", "Int", "Check")
				field = next(
					(
						df.fieldname
						for df in frappe.get_meta(doctype).fields
						if df.fieldtype in editable and not df.read_only and not df.set_only_once
					),
					get_scope(doctype).field,
				)
				frappe.set_user(self.fx.a.admin)
				with self.assertRaises(frappe.DoesNotExistError):
					frappe.client.set_value(
						doctype, self.fx.record("b", doctype), field, "changed by another practice"
					)

	def test_other_practice_record_cannot_be_deleted(self):
		for doctype in ISOLATED_DOCTYPES:
			with self.subTest(doctype=doctype):
				frappe.set_user(self.fx.a.admin)
				with self.assertRaises(frappe.DoesNotExistError):
					frappe.delete_doc(doctype, self.fx.record("b", doctype))
				frappe.set_user("Administrator")
				self.assertTrue(frappe.db.exists(doctype, self.fx.record("b", doctype)))

	def test_other_practice_record_cannot_be_printed(self):
		for doctype in ISOLATED_DOCTYPES:
			with self.subTest(doctype=doctype):
				frappe.set_user(self.fx.a.admin)
				with self.assertRaises(frappe.DoesNotExistError):
					frappe.get_print(doctype, self.fx.record("b", doctype))

	def test_link_validation_answers_as_for_a_missing_record(self):
		for doctype in ISOLATED_DOCTYPES:
			with self.subTest(doctype=doctype):
				frappe.set_user(self.fx.a.admin)
				missing = whitelisted.validate_link(doctype, "ISO-DOES-NOT-EXIST")
				self.assertEqual(missing, {"name": None})
				self.assertEqual(whitelisted.validate_link(doctype, self.fx.record("b", doctype)), missing)
				own = whitelisted.validate_link(doctype, self.fx.record("a", doctype))
				self.assertEqual(own.get("name"), self.fx.record("a", doctype))

	def test_global_search_hides_other_practice_patients(self):
		frappe.set_user("Administrator")
		for side in ("a", "b"):
			frappe.get_doc("Patient", self.fx.record(side, "Patient")).save()  # (re)index it
		from frappe.utils.global_search import sync_global_search

		sync_global_search()
		frappe.set_user(self.fx.a.admin)
		found = {r.name for r in whitelisted.global_search("IsoB", doctype="Patient")}
		self.assertNotIn(self.fx.b.patient, found)
		found = {r.name for r in whitelisted.global_search("IsoA", doctype="Patient")}
		self.assertIn(self.fx.a.patient, found)

	def _is_member(self, user: str, side: str) -> bool:
		practice = self.fx.a.practice if side == "a" else self.fx.b.practice
		return bool(frappe.db.exists("Practice Member", {"user": user, "practice": practice, "is_active": 1}))

	def _missing_message(self, doctype: str) -> str:
		try:
			frappe.get_doc(doctype, "ISO-DOES-NOT-EXIST")
		except frappe.DoesNotExistError as e:
			return str(e).replace("ISO-DOES-NOT-EXIST", "<name>")
		raise AssertionError("a missing record loaded")


class TestSharedDoctypes(TenancyTestCase):
	def test_practice_sees_only_its_member_practitioners(self):
		fx = self.fx
		everyone = [fx.a.practitioner, fx.b.practitioner, fx.both_practitioner]
		expect = {
			fx.a.admin: {fx.a.practitioner, fx.both_practitioner},
			fx.a.recep: {fx.a.practitioner, fx.both_practitioner},
			fx.b.recep: {fx.b.practitioner},
			fx.both: {fx.a.practitioner, fx.b.practitioner, fx.both_practitioner},
			fx.platform: set(everyone),
		}
		for user, visible in expect.items():
			with self.subTest(user=user):
				frappe.set_user(user)
				names = frappe.get_list(
					"Healthcare Practitioner", filters={"name": ("in", everyone)}, pluck="name"
				)
				self.assertEqual(set(names), visible)
				for name in everyone:
					doc = frappe.get_doc("Healthcare Practitioner", name)
					self.assertEqual(bool(doc.has_permission("read")), name in visible, name)

	def test_practitioner_link_search_offers_only_member_practitioners(self):
		fx = self.fx
		frappe.set_user(fx.a.recep)
		results = search_link("Healthcare Practitioner", "ISO Doc", page_length=50)
		values = {r["value"] if isinstance(r, dict) else r.value for r in results}
		self.assertEqual(
			values & {fx.a.practitioner, fx.b.practitioner, fx.both_practitioner},
			{fx.a.practitioner, fx.both_practitioner},
		)
		frappe.set_user(fx.platform)
		values = {
			r["value"] if isinstance(r, dict) else r.value
			for r in search_link("Healthcare Practitioner", "ISO Doc", page_length=50)
		}
		self.assertIn(fx.b.practitioner, values)

	def test_private_files_attached_to_another_practice_stay_hidden(self):
		# (public files are public: Frappe lists them to every user and serves them to anyone)
		fx = self.fx
		files = {}
		for side, patient in (("a", fx.a.patient), ("b", fx.b.patient)):
			files[side] = frappe.get_doc(
				{
					"doctype": "File",
					"file_name": f"iso-{side}-scan.txt",
					"content": "scan",
					"is_private": 1,
					"attached_to_doctype": "Patient",
					"attached_to_name": patient,
				}
			).insert(ignore_permissions=True)
		frappe.set_user(fx.a.admin)
		names = set(
			frappe.get_list("File", filters={"name": ("in", [f.name for f in files.values()])}, pluck="name")
		)
		self.assertEqual(names, {files["a"].name})
		self.assertFalse(frappe.has_permission("File", "read", doc=files["b"]))
		self.assertTrue(frappe.has_permission("File", "read", doc=files["a"]))
		frappe.set_user(fx.platform)
		names = set(
			frappe.get_list("File", filters={"name": ("in", [f.name for f in files.values()])}, pluck="name")
		)
		self.assertEqual(names, {files["a"].name, files["b"].name})

	def test_practitioner_link_validation_follows_membership(self):
		fx = self.fx
		frappe.set_user(fx.a.recep)
		self.assertEqual(
			whitelisted.validate_link("Healthcare Practitioner", fx.a.practitioner).get("name"),
			fx.a.practitioner,
		)
		self.assertEqual(
			whitelisted.validate_link("Healthcare Practitioner", fx.b.practitioner), {"name": None}
		)

	def test_practice_users_see_only_their_practices(self):
		fx = self.fx
		both = {fx.a.practice, fx.b.practice}
		for user, visible in {fx.a.recep: {fx.a.practice}, fx.both: both, fx.platform: both}.items():
			with self.subTest(user=user):
				frappe.set_user(user)
				self.assertEqual(
					set(frappe.get_list("Practice", filters={"name": ("in", list(both))}, pluck="name")),
					visible,
				)

	def test_members_are_listed_per_practice(self):
		fx = self.fx
		frappe.set_user(fx.a.recep)
		practices = set(frappe.get_list("Practice Member", pluck="practice"))
		self.assertEqual(practices, {fx.a.practice})

	def test_users_without_membership_see_no_practice(self):
		frappe.set_user(self.fx.nobody)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list("Practice")
