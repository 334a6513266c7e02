"""Hooks for the test run: ``before_tests`` readies a fresh site."""

import sys

import frappe


def before_tests():
	"""Complete ERPNext's setup wizard on a fresh site (a company, a fiscal year), as
	ERPNext's own test run does, so that Healthcare records can be created."""
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	if not frappe.db.a_row_exists("Company") or not frappe.is_setup_complete():
		erpnext_before_tests()
	frappe.db.commit()  # nosemgrep: the test runner's own setup, outside any request


def bench_command(*args: str, site: str | None = None) -> list[str]:
	"""The command line of ``bench --site <site> <args>`` in this bench's Python (run it
	from the sites folder)."""
	return [
		sys.executable,
		"-m",
		"frappe.utils.bench_helper",
		"frappe",
		"--site",
		site or frappe.local.site,
		*args,
	]


def delete_booked(appointment: str, patient: str) -> None:
	"""Remove an appointment that a test committed, with its patient and what Healthcare
	made for them (fee validity), so no row is left linking a patient that is gone."""
	import frappe

	frappe.delete_doc("Patient Appointment", appointment, force=True, ignore_permissions=True)
	for name in frappe.get_all("Fee Validity", filters={"patient": patient}, pluck="name"):
		frappe.delete_doc("Fee Validity", name, force=True, ignore_permissions=True)
	if not frappe.db.exists("Patient Appointment", {"patient": patient}):
		frappe.delete_doc("Patient", patient, force=True, ignore_permissions=True)


def mails() -> set[str]:
	"""The names of the queued e-mails now: what a test takes before it acts."""
	import frappe

	return set(frappe.get_all("Email Queue", pluck="name"))


def new_mail(before: set[str], **filters):
	"""The one e-mail queued since ``before`` that matches ``filters``. By name, not by
	time: a record name or reference rolled back and used again may carry older mails,
	some dated ahead by a test run under a fake clock."""
	import frappe

	(name,) = [n for n in frappe.get_all("Email Queue", filters=filters, pluck="name") if n not in before]
	return frappe.get_doc("Email Queue", name)


def delete_booked_with_note(text: str) -> None:
	"""Remove what a browser test booked over HTTP (its appointments carry ``text`` in
	their notes) and commit: the server committed it."""
	import frappe

	frappe.db.rollback()
	for name, patient in frappe.get_all(
		"Patient Appointment",
		filters={"notes": ("like", f"%{text}%")},
		fields=["name", "patient"],
		as_list=True,
	):
		delete_booked(name, patient)
	frappe.db.commit()  # nosemgrep: remove what the server committed
