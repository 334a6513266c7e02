"""Test base class for Frappe v15 (FrappeTestCase) and v16 (IntegrationTestCase)."""

try:
	from frappe.tests import IntegrationTestCase
except ImportError:  # Frappe v15
	from frappe.tests.utils import FrappeTestCase as IntegrationTestCase

__all__ = ["IntegrationTestCase"]
