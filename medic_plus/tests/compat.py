"""Test base class for Frappe v15 (FrappeTestCase) and v16 (IntegrationTestCase)."""

try:
	from frappe.tests import IntegrationTestCase
except ImportError:  # Frappe v15
	from frappe.tests.utils import FrappeTestCase as IntegrationTestCase

__all__ = ["IntegrationTestCase", "TenancyFixtureTestCase"]


class TenancyFixtureTestCase(IntegrationTestCase):
	"""Runs on the two-practice fixture (``fixtures.py``) as ``self.fx``; every test ends
	as Administrator with its changes rolled back."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from medic_plus.tests.fixtures import get_fixture

		cls.fx = get_fixture()

	def tearDown(self):
		import frappe

		frappe.set_user("Administrator")
		frappe.db.rollback()
		super().tearDown()
