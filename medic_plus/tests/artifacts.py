"""Where the tests leave what a person should look at (screenshots, PDFs)."""

import os

import frappe


def artifacts_dir(kind: str) -> str:
	"""$MEDIC_PLUS_ARTIFACTS/<kind>, by default artifacts/<kind> in the repository."""
	base = os.environ.get("MEDIC_PLUS_ARTIFACTS") or os.path.join(
		frappe.get_app_path("medic_plus"), "..", "artifacts"
	)
	path = os.path.abspath(os.path.join(base, kind))
	os.makedirs(path, exist_ok=True)
	return path
