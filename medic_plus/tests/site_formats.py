"""The site's number and date formats, switched for one more test run (``.ci/run``): a
site set up as in Germany formats numbers as 1.234,56 and dates as 31.12.2026, and the
tests that read formatted values must read them in the site's own format.

    bench --site test_site execute medic_plus.tests.site_formats.use_german
    bench --site test_site run-tests --module medic_plus.tests.test_plans
    bench --site test_site execute medic_plus.tests.site_formats.restore
"""

from __future__ import annotations

import json
import os

import frappe

GERMAN = {"number_format": "#.###,##", "date_format": "dd.mm.yyyy", "float_precision": "3"}
SAVED = "medic_plus_site_formats.json"


def _saved_path() -> str:
	return os.path.join(frappe.get_site_path("private"), SAVED)


def use_german() -> None:
	"""Save the site's formats (once: a second call keeps the first save), then switch."""
	settings = frappe.get_single("System Settings")
	if not os.path.exists(_saved_path()):
		with open(_saved_path(), "w") as f:
			json.dump({key: settings.get(key) for key in GERMAN}, f)
	_apply(GERMAN)
	print(f"{frappe.local.site}: numbers as 1.234,56, dates as 31.12.2026")


def restore() -> None:
	"""The formats saved by :func:`use_german`, back."""
	if not os.path.exists(_saved_path()):
		return
	with open(_saved_path()) as f:
		_apply(json.load(f))
	os.remove(_saved_path())
	print(f"{frappe.local.site}: its own formats again")


def _apply(values: dict) -> None:
	for key, value in values.items():
		frappe.db.set_single_value("System Settings", key, value)
	frappe.db.commit()  # nosemgrep: the formats the test run reads
	frappe.clear_cache()
