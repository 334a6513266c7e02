"""Test base class for Frappe v15 (FrappeTestCase) and v16 (IntegrationTestCase)."""

from contextlib import contextmanager

try:
	from frappe.tests import IntegrationTestCase
except ImportError:  # Frappe v15
	from frappe.tests.utils import FrappeTestCase as IntegrationTestCase

__all__ = ["IntegrationTestCase", "TenancyFixtureTestCase", "freeze_time"]


@contextmanager
def freeze_time(when, **kwargs):
	"""The clock at ``when`` (the site's time zone), as Frappe v15's FrappeTestCase.freeze_time
	sets it (v16 moved it): freezegun, a development dependency of Frappe."""
	import pytz
	from frappe.utils import get_datetime, get_system_timezone
	from freezegun import freeze_time as freeze

	utc = pytz.timezone(get_system_timezone()).localize(get_datetime(when)).astimezone(pytz.utc)
	with freeze(utc, **kwargs):
		yield


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
