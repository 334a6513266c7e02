"""Every form a practice role may create can be filled in: each Link field the user fills
(on the form and in its child tables) points at a doctype the role may read or select,
unless the scope table hides that doctype from practice roles (and says why)."""

from __future__ import annotations

import frappe

from medic_plus.tenancy.context import role_allows
from medic_plus.tenancy.roles import ROLE_PERMISSIONS, ROLES
from medic_plus.tenancy.scope import HIDDEN
from medic_plus.tests.compat import IntegrationTestCase, TenancyFixtureTestCase

# targets every Desk user reaches through Frappe itself (link titles, the user's own record)
FRAPPE_OWN = {"DocType", "User", "Role", "Module Def", "Print Format", "Letter Head", "Currency", "Country"}


def fillable_links(doctype: str):
	"""(where, fieldname, target) of the Link fields a user fills on ``doctype``'s form."""
	meta = frappe.get_meta(doctype)
	for df in meta.get_link_fields():
		if not (df.hidden or df.read_only):
			yield doctype, df.fieldname, df.options
	for table in meta.get_table_fields():
		if df_hidden(table):
			continue
		child = frappe.get_meta(table.options)
		for df in child.get_link_fields():
			if not (df.hidden or df.read_only):
				yield f"{doctype} > {table.options}", df.fieldname, df.options


def df_hidden(df) -> bool:
	return bool(df.hidden or df.read_only)


class TestRoleLinks(IntegrationTestCase):
	def test_each_role_can_read_the_targets_of_the_links_it_fills(self):
		missing = []
		for role in ROLES:
			for doctype, ptypes in ROLE_PERMISSIONS[role].items():
				if "create" not in ptypes or not frappe.db.exists("DocType", doctype):
					continue
				for where, fieldname, target in fillable_links(doctype):
					if target in HIDDEN or target in FRAPPE_OWN or not frappe.db.exists("DocType", target):
						continue
					if not role_allows(target, role, "select"):
						missing.append(f"{role}: {where}.{fieldname} → {target}")
		self.assertFalse(missing, "\n" + "\n".join(sorted(set(missing))))


class TestPracticeInLinkSearch(TenancyFixtureTestCase):
	"""A user who sees several practices sees each patient's practice in link search; a
	user of one practice sees the same results as before, without it."""

	def descriptions(self, user: str) -> list[str]:
		from frappe.desk.search import search_link

		frappe.set_user(user)
		return [r.get("description") or "" for r in search_link("Patient", "Iso")]

	def test_several_practices_name_the_practice(self):
		found = self.descriptions(self.fx.both)
		self.assertTrue(any("ISO Alpha Practice" in d for d in found), found)
		self.assertTrue(any("ISO Beta Practice" in d for d in found), found)

	def test_one_practice_does_not_and_sees_only_its_own(self):
		found = self.descriptions(self.fx.a.recep)
		self.assertTrue(found)
		self.assertFalse(any("Practice" in d for d in found), found)
		frappe.set_user(self.fx.a.recep)
		from frappe.desk.search import search_link

		names = [r["value"] for r in search_link("Patient", "Iso")]
		self.assertNotIn(self.fx.b.patient, names)
