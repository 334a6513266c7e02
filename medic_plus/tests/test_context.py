"""medic_plus.api.context: the user's memberships and the active practice."""

import frappe

from medic_plus.api.context import get_context, set_active_practice
from medic_plus.tests.compat import TenancyFixtureTestCase


class TestContextAPI(TenancyFixtureTestCase):
	def test_context_of_a_doctor(self):
		frappe.set_user(self.fx.a.doctor)
		ctx = get_context()
		self.assertEqual(ctx["user"], self.fx.a.doctor)
		self.assertFalse(ctx["is_platform_admin"])
		self.assertEqual(
			[(m["practice"], m["role"]) for m in ctx["memberships"]], [(self.fx.a.practice, "Doctor")]
		)
		self.assertEqual(ctx["active_practice"]["slug"], "iso-alpha")
		self.assertEqual(ctx["practitioner"], self.fx.a.practitioner)

	def test_multi_practice_user_switches_between_own_practices(self):
		frappe.set_user(self.fx.both)
		self.assertEqual(len(get_context()["memberships"]), 2)
		self.assertEqual(
			set_active_practice(self.fx.b.practice)["active_practice"]["name"], self.fx.b.practice
		)
		self.assertEqual(get_context()["active_practice"]["name"], self.fx.b.practice)
		self.assertEqual(
			set_active_practice(self.fx.a.practice)["active_practice"]["name"], self.fx.a.practice
		)

	def test_a_switch_holds_when_another_request_cached_the_old_defaults(self):
		"""Desk polls while the user switches: a request of another worker may cache the
		committed (old) defaults between Frappe's clearing them and this switch's commit."""
		from unittest.mock import patch

		from medic_plus.tenancy.context import ACTIVE_PRACTICE_KEY

		frappe.set_user(self.fx.both)
		frappe.defaults.set_user_default(ACTIVE_PRACTICE_KEY, self.fx.a.practice, self.fx.both)
		old = frappe.defaults.get_defaults_for(self.fx.both)  # what the other worker caches
		original = frappe.defaults.set_user_default

		def set_then_race(key, value, user=None, parenttype=None):
			original(key, value, user, parenttype)
			frappe.cache.hset("defaults", self.fx.both, dict(old))

		with patch("frappe.defaults.set_user_default", side_effect=set_then_race):
			ctx = set_active_practice(self.fx.b.practice)
		self.assertEqual(ctx["active_practice"]["name"], self.fx.b.practice)
		b_books = frappe.db.get_value("Practice", self.fx.b.practice, "company")
		stored = frappe.db.get_value(
			"DefaultValue", {"parent": self.fx.both, "defkey": "company"}, "defvalue"
		)
		self.assertEqual(stored, b_books, "the books follow the choice, not the stale cache")
		# after the commit, no request reads the stale cache
		frappe.db.after_commit.run()
		self.assertEqual(get_context()["active_practice"]["name"], self.fx.b.practice)

	def test_cannot_switch_to_a_foreign_practice(self):
		frappe.set_user(self.fx.a.admin)
		for practice in (self.fx.b.practice, "no-such-practice"):
			with self.subTest(practice=practice), self.assertRaises(frappe.DoesNotExistError):
				set_active_practice(practice)
		self.assertEqual(get_context()["active_practice"]["name"], self.fx.a.practice)

	def test_platform_admin_is_flagged(self):
		frappe.set_user(self.fx.platform)
		ctx = get_context()
		self.assertTrue(ctx["is_platform_admin"])
		self.assertIsNone(ctx["active_practice"])

	def test_user_without_practice_has_no_active_practice(self):
		frappe.set_user(self.fx.nobody)
		ctx = get_context()
		self.assertEqual(ctx["memberships"], [])
		self.assertIsNone(ctx["active_practice"])
