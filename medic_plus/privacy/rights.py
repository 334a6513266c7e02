"""The patient's rights over their record (core/erasure.py is the rule): the practice's
admin *restricts* it at the patient's request (kept, but no new entries, edits, bookings
or messages), *archives* it or *erases* it once it is past its retention end, and
*restores* a restricted or archived one. Erasure removes the personal data from the
patient and from every record about them, keeps the anonymised rows for the practice's
statistics, and cannot be undone. Each change is written to the access log.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate, today

from medic_plus.core import erasure
from medic_plus.core.access_log import Access
from medic_plus.core.membership import ADMIN
from medic_plus.privacy import access_log, retention
from medic_plus.tenancy import context
from medic_plus.tenancy.scope import REFERENCES

# records about the patient that erasure leaves as they are: the log of who opened the record
KEEP_DOCTYPES = frozenset({"Patient Access Log"})
# references to the patient's records that stay: who opened them (no personal data)
KEEP_REFERENCES = frozenset({"View Log"})
OPEN_APPOINTMENTS = ("Scheduled", "Open", "Confirmed")
# the Patient's fields that only the rights below set
STATUS_FIELDS = (
	"custom_record_status",
	"custom_record_status_on",
	"custom_record_status_by",
	"custom_restriction_reason",
)


class RecordClosedError(frappe.PermissionError):
	"""A restricted, archived or erased record takes no new entries and no edits."""


def status(patient: str) -> str:
	return erasure.status_of(frappe.db.get_value("Patient", patient, "custom_record_status"))


def closed_message(patient: str, current: str) -> str:
	if current == erasure.RESTRICTED:
		return _(
			"The record of patient {0} is restricted at the patient's request: nothing can be added to it or changed in it until the practice's admin lifts the restriction."
		).format(patient)
	if current == erasure.ARCHIVED:
		return _(
			"The record of patient {0} is archived: nothing can be added to it or changed in it until the practice's admin restores it."
		).format(patient)
	return _("The record of patient {0} has been erased.").format(patient)


# --- the guards (doc_events) ------------------------------------------------------------


def guard_patient(doc, method: str | None = None) -> None:
	"""validate of Patient: a record that is not Active is not edited, and its status is
	set only by the rights below (through the database), never by a save or an import."""
	if doc.is_new():
		doc.update(dict.fromkeys(STATUS_FIELDS))
		doc.custom_record_status = erasure.ACTIVE
		return
	stored = frappe.db.get_value("Patient", doc.name, STATUS_FIELDS, as_dict=True) or {}
	current = erasure.status_of(stored.get("custom_record_status"))
	if not erasure.is_open(current):
		frappe.throw(closed_message(doc.name, current), RecordClosedError, title=_("Record Closed"))
	doc.update({field: stored.get(field) for field in STATUS_FIELDS})


def guard_record(doc, method: str | None = None) -> None:
	"""validate of an appointment or clinical record: none is added or changed for a
	patient whose record is not Active (a cancel is still possible)."""
	patient = doc.get("patient")
	if not patient:
		return
	current = status(patient)
	if not erasure.is_open(current):
		frappe.throw(closed_message(patient, current), RecordClosedError, title=_("Record Closed"))


# --- the rights -------------------------------------------------------------------------

_REFUSED = {
	"restrict": lambda: _("Only an active record can be restricted."),
	"restore": lambda: _("Only a restricted or archived record can be restored."),
	"archive": lambda: _("Only an active or restricted record can be archived."),
	"erase": lambda: _("This record has already been erased."),
}


def change(patient: str, action: str, reason: str | None = None, confirm: str | None = None) -> str:
	"""Restrict, restore, archive or erase ``patient``'s record; returns the new status."""
	doc = frappe.get_doc("Patient", patient)  # another practice's patient: "not found"
	doc.check_permission("read")
	_require_admin(doc.get("custom_practice"))
	past = False
	if action in erasure.AFTER_RETENTION:
		end = retention.kept_until(doc.name, getdate(doc.dob) if doc.dob else None)
		past = end is None
		if not past and erasure.status_of(doc.get("custom_record_status")) != erasure.ERASED:
			frappe.throw(
				_("This record must be kept until {0}: it can be archived or erased only after that.").format(
					frappe.format(end, {"fieldtype": "Date"})
				),
				retention.RetentionError,
				title=_("Kept by Law"),
			)
	try:
		after = erasure.next_status(doc.get("custom_record_status"), action, past)
	except erasure.TransitionError:
		frappe.throw(_REFUSED.get(action, lambda: _("Not possible"))(), title=_("Not Possible"))
	if action == "restrict" and not (reason or "").strip():
		frappe.throw(_("Please give the reason for the restriction (what the patient asked)."))
	if action == "erase":
		_check_erasable(doc, confirm)

	values = {
		"custom_record_status": after,
		"custom_record_status_on": today(),
		"custom_record_status_by": frappe.session.user,
		"custom_restriction_reason": (reason or "").strip() if action == "restrict" else None,
	}
	if action in ("archive", "erase"):
		values["status"] = "Disabled"
	elif action == "restore" and erasure.status_of(doc.get("custom_record_status")) == erasure.ARCHIVED:
		values["status"] = "Active"
	if action == "erase":
		_erase(doc)
	frappe.db.set_value("Patient", doc.name, values)
	request = getattr(frappe.local, "request", None)
	access_log.push([Access("Patient", doc.name, action)], frappe.session.user, request)
	return after


def _require_admin(practice: str | None) -> None:
	if context.is_platform_admin():
		return
	if not context.holds_role(practice, (ADMIN,)):
		frappe.throw(
			_("Only the practice's admins restrict, archive or erase a patient's record."),
			frappe.PermissionError,
		)


def _check_erasable(doc, confirm: str | None) -> None:
	if (confirm or "").strip() != doc.name:
		frappe.throw(_("Type the record's ID ({0}) to confirm the erasure.").format(doc.name))
	upcoming = frappe.get_all(
		"Patient Appointment",
		filters={
			"patient": doc.name,
			"status": ("in", OPEN_APPOINTMENTS),
			"appointment_date": (">=", today()),
		},
		pluck="name",
		ignore_permissions=True,
	)
	if upcoming:
		frappe.throw(
			_("The patient has upcoming appointments ({0}): cancel them before erasing the record.").format(
				", ".join(upcoming)
			)
		)


# --- erasure ----------------------------------------------------------------------------


def _fields(doctype: str) -> list[erasure.Field]:
	meta = frappe.get_meta(doctype)
	return [
		erasure.Field(df.fieldname, df.fieldtype, df.options or "", df.fetch_from or "")
		for df in meta.fields
		if not df.get("is_virtual")
	]


def _update(doctype: str, values: dict, names: list[str], parent_field: str = "name") -> None:
	if not values or not names:
		return
	table = frappe.qb.DocType(doctype)
	for start in range(0, len(names), 1000):
		query = frappe.qb.update(table)
		for field, value in values.items():
			query = query.set(table[field], value)
		query.where(table[parent_field].isin(names[start : start + 1000])).run()


def _patient_links() -> dict[str, set[str]]:
	"""doctype -> its Link fields to Patient (standard and custom)."""
	links: dict[str, set[str]] = {}
	for parent, fieldname in [
		*frappe.get_all(
			"DocField",
			filters={"fieldtype": "Link", "options": "Patient"},
			fields=["parent", "fieldname"],
			as_list=True,
		),
		*frappe.get_all(
			"Custom Field",
			filters={"fieldtype": "Link", "options": "Patient"},
			fields=["dt", "fieldname"],
			as_list=True,
		),
	]:
		links.setdefault(parent, set()).add(fieldname)
	return links


def records_about(patient: str, links: dict[str, set[str]] | None = None) -> dict[str, list[str]]:
	"""doctype -> names of the records (not child rows) that name ``patient`` in a link."""
	out: dict[str, list[str]] = {}
	for doctype, fields in sorted((links or _patient_links()).items()):
		if doctype in KEEP_DOCTYPES or not frappe.db.table_exists(doctype):
			continue
		meta = frappe.get_meta(doctype)
		if meta.istable or meta.issingle or meta.get("is_virtual"):
			continue
		names: set[str] = set()
		for field in fields:
			if frappe.db.has_column(doctype, field):
				names.update(
					frappe.get_all(doctype, filters={field: patient}, pluck="name", ignore_permissions=True)
				)
		if names:
			out[doctype] = sorted(names)
	return out


def _erase(doc) -> None:
	dob = getdate(doc.dob) if doc.dob else None
	patient_values = erasure.erased_patient(_fields("Patient"), dob, _("Erased"), _("Patient"))
	after = {**doc.as_dict(), **patient_values}
	touched: dict[str, list[str]] = {"Patient": [doc.name]}

	# the patient: personal fields, tables (relations, history), and relations naming them
	for df in frappe.get_meta("Patient").get_table_fields():
		frappe.db.delete(df.options, {"parenttype": "Patient", "parent": doc.name})
	if frappe.db.table_exists("Patient Relation"):
		frappe.db.delete("Patient Relation", {"patient": doc.name})
	_update("Patient", patient_values, [doc.name])

	# every record about the patient, with its child rows
	links = _patient_links()
	for doctype, names in records_about(doc.name, links).items():
		_update(doctype, erasure.erased_record(_fields(doctype), links[doctype], after), names)
		for df in frappe.get_meta(doctype).get_table_fields():
			_update(df.options, erasure.erased_record(_fields(df.options), [], after), names, "parent")
		touched[doctype] = names

	# the patient's ERPNext customer keeps its invoices, under the erased name
	if doc.customer and frappe.db.exists("Customer", doc.customer):
		values = erasure.erased_record(_fields("Customer"), [], after)
		values["customer_name"] = after["patient_name"]
		_update("Customer", values, [doc.customer])
		touched["Customer"] = [doc.customer]
	_delete_contacts(touched)
	_delete_references(touched)
	_delete_deleted_copies(doc.name, [*touched, *links])
	for doctype, names in touched.items():
		for name in names:
			frappe.clear_document_cache(doctype, name)


def _delete_contacts(touched: dict[str, list[str]]) -> None:
	"""The Contacts and Addresses of the patient and their customer."""
	link = frappe.qb.DocType("Dynamic Link")
	for doctype in ("Patient", "Customer"):
		if not touched.get(doctype):
			continue
		for parenttype, parent in (
			frappe.qb.from_(link)
			.select(link.parenttype, link.parent)
			.where((link.link_doctype == doctype) & link.link_name.isin(touched[doctype]))
			.where(link.parenttype.isin(("Contact", "Address")))
			.run()
		):
			if frappe.db.exists(parenttype, parent):
				frappe.delete_doc(
					parenttype, parent, ignore_permissions=True, force=True, delete_permanently=True
				)


def _delete_references(touched: dict[str, list[str]]) -> None:
	"""Comments, e-mails, versions, attachments, assignments... of the patient's records."""
	for ref in REFERENCES:
		if ref.doctype in KEEP_REFERENCES or not frappe.db.table_exists(ref.doctype):
			continue
		table = frappe.qb.DocType(ref.doctype)
		for doctype, names in touched.items():
			for start in range(0, len(names), 1000):
				where = (table[ref.type_field] == doctype) & table[ref.name_field].isin(
					names[start : start + 1000]
				)
				if ref.doctype == "File":  # the file on disk goes too
					for name in frappe.qb.from_(table).select(table.name).where(where).run(pluck=True):
						frappe.delete_doc("File", name, ignore_permissions=True, delete_permanently=True)
				else:
					frappe.qb.from_(table).delete().where(where).run()


def _delete_deleted_copies(patient: str, doctypes: list[str]) -> None:
	"""Copies of the patient's deleted records (Frappe keeps one of each delete)."""
	deleted = frappe.qb.DocType("Deleted Document")
	frappe.qb.from_(deleted).delete().where(
		deleted.deleted_doctype.isin(sorted(set(doctypes))) & deleted.data.like(f'%"{patient}"%')
	).run()
