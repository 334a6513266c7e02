# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import hashlib
import secrets

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import add_days, get_datetime, now_datetime

from medic_plus.onboarding import plans
from medic_plus.tenancy.guard import TenantGuard, check_visible

PREFIX = "mpf_"
MAX_DAYS = 366


def hash_token(token: str) -> str:
	return hashlib.sha256(token.encode()).hexdigest()


class FHIRAccessToken(TenantGuard, Document):
	def before_insert(self):
		token = PREFIX + secrets.token_urlsafe(32)
		self.token_hash = hash_token(token)
		self.token_prefix = token[:10]
		self.issued_by = frappe.session.user
		self.flags.plain_token = token

	def validate(self):
		self.expires_on = self.expires_on or add_days(now_datetime(), 90)
		if self.is_new() and get_datetime(self.expires_on) <= now_datetime():
			frappe.throw(_("The expiry must lie in the future."), frappe.ValidationError)
		if get_datetime(self.expires_on) > add_days(now_datetime(), MAX_DAYS):
			frappe.throw(_("A token may live at most a year."), frappe.ValidationError)

	def before_save(self):
		# after the links are checked: another practice's plan is not told
		if self.is_new():
			plans.check(self.practice, "fhir")

	def after_insert(self):
		frappe.msgprint(
			_("Copy the token now; it is not shown again:") + f"<br><code>{self.flags.plain_token}</code>",
			title=_("FHIR Access Token"),
			indicator="green",
		)


@frappe.whitelist(methods=["POST"])
def issue_token(practice: str, label: str, days: int = 90) -> dict:
	"""A new token for ``practice`` (its admins and platform admins only); the token is
	returned once and stored only as a hash."""
	check_visible("Practice", practice)  # another practice's answers as a missing one
	doc = frappe.get_doc(
		{
			"doctype": "FHIR Access Token",
			"practice": practice,
			"label": label,
			"expires_on": add_days(now_datetime(), days),
		}
	)
	doc.insert()
	frappe.clear_last_message()
	return {"name": doc.name, "token": doc.flags.plain_token, "expires_on": str(doc.expires_on)}


def new_token(practice: str, label: str, expires_on, export_only: bool = False) -> str:
	"""A token the platform issues itself (the offboarding export's); the plain token."""
	doc = frappe.get_doc(
		{
			"doctype": "FHIR Access Token",
			"practice": practice,
			"label": label,
			"expires_on": expires_on,
			"export_only": 1 if export_only else 0,
		}
	)
	doc.flags.ignore_links = True
	doc.insert(ignore_permissions=True)
	return doc.flags.plain_token


def find_token(token: str, for_export: bool = False):
	"""The live token row behind ``token``, or None. ``for_export``: the bulk export's
	routes ask, where an export-only token of a leaving practice still works; it works
	nowhere else."""
	if not token or not token.startswith(PREFIX) or len(token) > 100:
		return None
	row = frappe.db.get_value(
		"FHIR Access Token",
		{"token_hash": hash_token(token)},
		["name", "practice", "expires_on", "revoked", "export_only"],
		as_dict=True,
	)
	if not row or row.revoked or get_datetime(row.expires_on) <= now_datetime():
		return None
	if row.export_only:
		return row if for_export and _leaving(row.practice) else None
	if frappe.db.get_value("Practice", row.practice, "status") != "Active":
		return None  # a suspended or inactive practice's tokens stop working
	return row


def _leaving(practice: str) -> bool:
	return frappe.db.get_value("Practice", practice, "offboarding_status") in ("Offboarding", "Exported")
