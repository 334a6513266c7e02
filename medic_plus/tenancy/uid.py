"""Healthcare makes a Patient's identification number (``uid``) unique across the site,
which tells a practice whether a national ID is known anywhere. Here it is unique per
practice: Healthcare's unique index is dropped (a Property Setter) and a composite unique
index on (``custom_practice``, ``uid``) takes its place. Idempotent: run on install and
on every migrate."""

from __future__ import annotations

import frappe
from frappe.custom.doctype.property_setter.property_setter import make_property_setter

INDEX = "unique_practice_uid"


def setup() -> None:
	if not frappe.db.has_column("Patient", "uid") or not frappe.db.has_column("Patient", "custom_practice"):
		return
	if frappe.get_meta("Patient").get_field("uid").unique:
		make_property_setter("Patient", "uid", "unique", 0, "Check", validate_fields_for_doctype=False)
		frappe.clear_cache(doctype="Patient")
	if _index_exists("uid", unique=True):
		frappe.db.sql_ddl("alter table `tabPatient` drop index `uid`")
	if not _index_exists(INDEX):
		frappe.db.add_unique("Patient", ["custom_practice", "uid"], constraint_name=INDEX)


def _index_exists(name: str, unique: bool = False) -> bool:
	rows = frappe.db.sql("show index from `tabPatient` where Key_name = %s", name, as_dict=True)
	return bool(rows) and (not unique or not rows[0].Non_unique)
