"""Stamping new records with their practice, and refusing links across practices."""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.tenancy import context
from medic_plus.tenancy.guard import is_visible
from medic_plus.tenancy.scope import (
	LINKED_BY_DOCTYPE,
	OWNED_BY_DOCTYPE,
	SCOPE_BY_DOCTYPE,
	STAMPED_DOCTYPES,
	UNDECLARED_LINKS,
	WALLED_DOCTYPES,
	Mode,
	Scope,
	get_scope,
)

PRACTITIONER = "Healthcare Practitioner"


def stamp_practice(doc, method: str | None = None) -> None:
	"""before_insert: the practice of the linked patient, else the user's active practice."""
	scope = get_scope(doc.doctype)
	if not scope or not scope.stamp:
		return
	explicit = doc.get(scope.field)
	inherited = _practice_of_patient(scope, doc)
	practice = explicit or inherited

	if context.sees_everything():
		doc.set(scope.field, practice or context.get_active_practice())
		return

	if inherited and not context.is_member(inherited):
		# another practice's patient: answer as for a patient that does not exist
		df = doc.meta.get_field(scope.patient_field)
		frappe.throw(
			_("Could not find {0}").format(_link_label(df, doc, doc.get(scope.patient_field))),
			frappe.LinkValidationError,
		)
	if not context.get_user_practices():
		frappe.throw(
			_("You are not a member of any practice, so you cannot create a {0}.").format(_(doc.doctype)),
			frappe.PermissionError,
			title=_("No Practice"),
		)
	practice = practice or context.get_active_practice()
	if practice not in context.practices_for(doc.doctype, "create"):
		frappe.throw(
			_("You cannot create a {0} in this practice.").format(_(doc.doctype)),
			frappe.PermissionError,
		)
	doc.set(scope.field, practice)
	_set_company(doc, practice)


def _set_company(doc, practice: str) -> None:
	"""A practice's records go to the practice's company (when it has one), whatever the
	user's default company is."""
	if doc.meta.has_field("company") and (company := frappe.db.get_value("Practice", practice, "company")):
		doc.company = company


def _owned_by(practice: str, doctype: str, name: str | None) -> bool:
	"""Whether ``name`` (of an owned doctype) is unowned, shared, or owned by ``practice``."""
	from medic_plus.tenancy.records import owned_row_open_to

	return bool(name) and owned_row_open_to(OWNED_BY_DOCTYPE[doctype], name, [practice])


def validate_tenancy(doc, method: str | None = None) -> None:
	"""validate: the practice stays put, and every linked record belongs to it."""
	scope = get_scope(doc.doctype)
	if linked := LINKED_BY_DOCTYPE.get(doc.doctype):
		# scoped through its patient: the patient must be one the user may see, and the
		# other links stay inside that patient's practice
		patient = doc.get(linked.field)
		if patient and not context.sees_everything() and not is_visible(linked.target, patient):
			df = doc.meta.get_field(linked.field)
			frappe.throw(
				_("Could not find {0}").format(_link_label(df, doc, patient)), frappe.LinkValidationError
			)
		target = SCOPE_BY_DOCTYPE[linked.target]
		practice = frappe.db.get_value(linked.target, patient, target.field) if patient else None
	elif not scope or scope.mode is not Mode.OWN:
		return
	else:
		_validate_practice_unchanged(scope, doc)
		practice = doc.get(scope.field)
	if not practice:
		return
	for row in [doc, *doc.get_all_children()]:
		for df in row.meta.get_link_fields() + row.meta.get_dynamic_link_fields():
			value = row.get(df.fieldname)
			if not value or (scope and df.fieldname == scope.field):
				continue
			target = df.options if df.fieldtype == "Link" else row.get(df.options)
			if target == PRACTITIONER:
				_validate_practitioner(practice, value, df, row)
				continue
			if target in OWNED_BY_DOCTYPE:
				if not context.sees_everything() and not _owned_by(practice, target, value):
					frappe.throw(
						_("Could not find {0}").format(_link_label(df, row, value)),
						frappe.LinkValidationError,
					)
				continue
			target_scope = get_scope(target)
			if not target_scope or target_scope.mode is not Mode.OWN or not target_scope.stamp:
				continue
			if target == doc.doctype and value == doc.name:
				continue
			if target == getattr(linked, "target", None) and value == doc.get(linked.field):
				continue
			_validate_same_practice(practice, target_scope, value, df, row)


def validate_links_are_visible(doc, method: str | None = None) -> None:
	"""validate, for every doctype: a practice user's record links no record of another
	practice (a ToDo, a Comment's link, a Communication's timeline, a company or letter
	head), and the refusal reads as for a record that does not exist. The practice's own
	doctypes are checked more strictly by ``validate_tenancy``."""
	if doc.doctype in STAMPED_DOCTYPES or doc.doctype in LINKED_BY_DOCTYPE or not context.is_tenant_user():
		return
	for row, df, target, value in _links_into_practices(doc):
		if not is_visible(target, value):
			frappe.throw(
				_("Could not find {0}").format(_link_label(df, row, value)), frappe.LinkValidationError
			)


def _links_into_practices(doc):
	for row in [doc, *doc.get_all_children()]:
		for df in row.meta.get_link_fields() + row.meta.get_dynamic_link_fields():
			value = row.get(df.fieldname)
			target = df.options if df.fieldtype == "Link" else row.get(df.options)
			if _reaches_a_practice(target, value):
				yield row, df, target, value
	for type_field, name_field in UNDECLARED_LINKS.get(doc.doctype, ()):
		target, value = doc.get(type_field), doc.get(name_field)
		if _reaches_a_practice(target, value):
			label = frappe._dict(label=name_field.replace("_", " ").title(), parent=doc.doctype)
			yield doc, label, target, value


def _reaches_a_practice(target: str | None, value) -> bool:
	return (
		bool(value) and isinstance(value, str) and (target in WALLED_DOCTYPES or target in OWNED_BY_DOCTYPE)
	)


def validate_child_rows_are_own(doc, method: str | None = None) -> None:
	"""before_validate (it runs even when validations are ignored): a child row sent with the name of another document's row would overwrite that row
	(Frappe updates child rows by name): it answers as a row that does not exist."""
	by_table: dict[str, dict[str, object]] = {}
	for row in doc.get_all_children():
		if row.name and not row.get("__islocal"):
			by_table.setdefault(row.doctype, {})[row.name] = row
	for child_doctype, rows in by_table.items():
		table = frappe.qb.DocType(child_doctype)
		stored = (
			frappe.qb.from_(table)
			.select(table.name, table.parent, table.parenttype)
			.where(table.name.isin(list(rows)))
			.run()
		)
		for name, parent, parenttype in stored:
			if (parent, parenttype) != (doc.name, doc.doctype):
				frappe.throw(_("{0} {1} not found").format(_(child_doctype), name), frappe.DoesNotExistError)


def _validate_practice_unchanged(scope: Scope, doc) -> None:
	if doc.is_new() or context.sees_everything():
		return
	if doc.has_value_changed(scope.field):
		frappe.throw(
			_("The practice of a {0} cannot be changed.").format(_(doc.doctype)),
			frappe.PermissionError,
		)


def _validate_same_practice(practice: str, target_scope: Scope, value: str, df, row) -> None:
	target_practice = frappe.db.get_value(target_scope.doctype, value, target_scope.field)
	if target_practice == practice:
		return
	if target_practice is None and context.sees_everything():
		return  # an unassigned record, linked by a platform admin
	# Answer exactly as Frappe does for a record that does not exist.
	frappe.throw(_("Could not find {0}").format(_link_label(df, row, value)), frappe.LinkValidationError)


def _validate_practitioner(practice: str, practitioner: str, df, row) -> None:
	if frappe.db.exists(
		"Practice Member", {"practice": practice, "practitioner": practitioner, "is_active": 1}
	):
		return
	frappe.throw(
		_("{0} is not an active doctor of this practice.").format(_link_label(df, row, practitioner)),
		frappe.LinkValidationError,
		title=_("Practitioner not in Practice"),
	)


def _link_label(df, row, value: str) -> str:
	label = f"{_(df.label, context=df.parent)}: {value}"
	if row.get("parentfield"):
		return "{} #{}: {}".format(_("Row"), row.idx, label)
	return label


def _practice_of_patient(scope: Scope, doc) -> str | None:
	if not scope.patient_field or not (patient := doc.get(scope.patient_field)):
		return None
	return frappe.db.get_value("Patient", patient, SCOPE_BY_DOCTYPE["Patient"].field)
