"""Who a portal session is, and the Patient records it may see (core/portal.py is the
rule). A portal session is a Website User with the portal's role, tied to the one
e-mail address or mobile number it verified and the name it gave (Portal Account); it
never holds a Desk role, and its user is no address anyone receives mail at."""

from __future__ import annotations

from functools import cache

import frappe
from frappe import _
from frappe.query_builder import Parameter
from frappe.utils import cint, now_datetime

from medic_plus.core import portal as core
from medic_plus.tenancy.guard import not_found

ROLE = core.ROLE
USER_DOMAIN = "patients.medic-plus.invalid"  # never delivered (RFC 2606)


def ensure_role() -> None:
	if not frappe.db.exists("Role", ROLE):
		frappe.get_doc({"doctype": "Role", "role_name": ROLE, "desk_access": 0, "is_custom": 0}).insert(
			ignore_permissions=True
		)


def is_portal_user(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user not in ("Guest", "Administrator") and ROLE in frappe.get_roles(user)


ACCOUNTS = "medic_plus_portal_account"  # cache: user -> their Portal Account's identity


def account_of(user: str | None = None) -> frappe._dict:
	"""The session's Portal Account; "not permitted" for anyone else. Cached by user (an
	account's identity never changes; removing it clears the entry)."""
	user = user or frappe.session.user
	account = is_portal_user(user) and frappe.cache.hget(
		ACCOUNTS,
		user,
		lambda: frappe.db.get_value(
			"Portal Account",
			{"user": user},
			["name", "channel", "identifier", "first_name", "last_name"],
			as_dict=True,
		),
	)
	if not account:
		frappe.throw(_("Please sign in to your patient portal."), frappe.PermissionError)
	return frappe._dict(account)


def forget_account(user: str) -> None:
	frappe.cache.hdel(ACCOUNTS, user)


def account_for(kind: str, identifier: str, first_name: str, last_name: str) -> str:
	"""The user of the one account of this person (made on their first sign-in)."""
	key = core.account_key(kind, identifier, first_name, last_name)
	if user := frappe.db.get_value("Portal Account", key, "user"):
		frappe.db.set_value("Portal Account", key, "last_sign_in", now_datetime(), update_modified=False)
		return user
	ensure_role()
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": f"patient-{key}@{USER_DOMAIN}",
			"first_name": first_name,
			"last_name": last_name,
			"user_type": "Website User",
			"send_welcome_email": 0,
			"roles": [{"role": ROLE}],
		}
	)
	user.flags.ignore_permissions = True
	user.flags.no_welcome_mail = True
	# Frappe holds open sign-ups to throttle_user_limit new users an hour (60); a portal
	# account is made only for a person who proved an address a practice holds, with a
	# code under the portal's own budgets (per address, per client, 300 codes an hour for
	# the whole portal), which bound it instead
	conf = frappe.local.conf
	limit = conf.get("throttle_user_limit")
	conf["throttle_user_limit"] = max(cint(limit) or 60, core.NEW_ACCOUNTS_AN_HOUR)
	try:
		user.insert()
	finally:
		if limit is None:
			conf.pop("throttle_user_limit", None)
		else:
			conf["throttle_user_limit"] = limit
	frappe.get_doc(
		{
			"doctype": "Portal Account",
			"account_key": key,
			"user": user.name,
			"channel": kind,
			"identifier": identifier,
			"first_name": first_name,
			"last_name": last_name,
			"last_sign_in": now_datetime(),
		}
	).insert(ignore_permissions=True)
	return user.name


def matching(kind: str, identifier: str, first_name: str, last_name: str) -> list[core.Record]:
	"""The person's own records, at any practice, and the children linked to them: the
	records that hold the identifier, each with the Patient Relation rows that name it (and
	their child's record), in one query."""
	rows = frappe.db.sql(_matching_query(kind), {"identifier": identifier}, as_dict=True)
	records = {row.name: row for row in rows}.values()  # a record once, whatever its links
	own = core.own_records(records, first_name, last_name)
	if not own:
		return []
	links = [frappe._dict(row, parent=row.name) for row in rows if row.child]
	return own + core.children(own, links)


@cache
def _matching_query(kind: str) -> str:
	"""Built once per process and kind (every portal page asks it)."""
	if kind not in (core.EMAIL, core.MOBILE):
		raise ValueError(kind)
	patient = frappe.qb.DocType("Patient")
	relation = frappe.qb.DocType("Patient Relation")
	child = frappe.qb.DocType("Patient").as_("child")
	return (
		frappe.qb.from_(patient)
		.left_join(relation)
		.on(
			(relation.patient == patient.name)
			& (relation.parenttype == "Patient")
			& (relation.parentfield == "patient_relation")
		)
		.left_join(child)
		.on(child.name == relation.parent)
		.select(
			patient.name,
			patient.first_name,
			patient.last_name,
			patient.custom_practice.as_("practice"),
			patient.custom_record_status.as_("status"),
			patient.patient_name.as_("full_name"),
			child.name.as_("child"),
			child.custom_practice.as_("child_practice"),
			child.custom_record_status.as_("child_status"),
			child.patient_name.as_("child_name"),
			relation.relation,
		)
		.where((patient[kind] == Parameter("%(identifier)s")) & patient.custom_practice.isnotnull())
		.get_sql()
	)


def records(account: frappe._dict | None = None) -> list[core.Record]:
	"""The records the session (its ``account``) may see, read afresh (a practice may have
	changed them)."""
	account = account or account_of()
	return matching(account.channel, account.identifier, account.first_name, account.last_name)


def own_row(doctype: str, name: str, fields: list[str]) -> frappe._dict:
	"""A ``doctype`` row (``fields``, with its name and patient) about one of the session's
	records, else "not found" exactly as for a missing one."""
	row = isinstance(name, str) and frappe.db.get_value(
		doctype, name, ["name", "patient", *fields], as_dict=True
	)
	if not row or row.patient not in {r.patient for r in records()}:
		not_found(doctype, name)
	return row


def record(patient: str) -> core.Record:
	"""One of the session's records, else "not found" exactly as for a missing one."""
	for row in records():
		if isinstance(patient, str) and row.patient == patient:
			return row
	not_found("Patient", patient)
