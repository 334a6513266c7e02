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
