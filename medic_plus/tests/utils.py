"""Hooks for the test run: ``before_tests`` readies a fresh site."""

import frappe


def before_tests():
	"""Complete ERPNext's setup wizard on a fresh site (a company, a fiscal year), as
	ERPNext's own test run does, so that Healthcare records can be created."""
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	if not frappe.db.a_row_exists("Company") or not frappe.is_setup_complete():
		erpnext_before_tests()
	frappe.db.commit()  # nosemgrep: the test runner's own setup, outside any request
