"""permission_query_conditions and has_permission, both built from the scope table.

The list condition and the single-document check read the same inputs (the scope row
and :func:`context.practices_for`), so a record is never listed yet unreadable, or
readable yet missing from the list.

Hooked on "*" so that child tables of scoped doctypes are covered too: Frappe lets a
user query a child table directly (``frappe.get_list("Drug Prescription",
parent_doctype="Patient Encounter")``) and checks only the child's own hook there.
"""

from __future__ import annotations

import frappe

from medic_plus.core import tenancy_sql
from medic_plus.tenancy import context
from medic_plus.tenancy.guard import is_visible
from medic_plus.tenancy.records import (
	book_practices,
	books_allow,
	get_scoped_parents,
	owned_row_visible,
	practice_companies,
	shared_rows,
)
from medic_plus.tenancy.scope import (
	BOOKS_BY_DOCTYPE,
	HIDDEN,
	LINKED_BY_DOCTYPE,
	OWNED_BY_DOCTYPE,
	REFERENCE_BY_DOCTYPE,
	SCOPE_BY_DOCTYPE,
	WALLED_DOCTYPES,
	Mode,
	Scope,
	get_scope,
)

# doctypes that point at any document by (doctype, name) columns (scope.REFERENCES):
# visible only when what they point at is (for File: Frappe lists a private File
# attached to any doctype the user can read; public files stay public, as Frappe's own
# condition ORs them in)
REFERENCE_FIELDS = {row.doctype: (row.type_field, row.name_field) for row in REFERENCE_BY_DOCTYPE.values()}


# --- list, report, count, link search -------------------------------------------------


def get_permission_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	if not doctype:
		return ""
	user = user or frappe.session.user
	if doctype == "User" or doctype in user_child_tables():
		# staff see their colleagues (and their roles...), not every practice's users
		if not context.is_tenant_user(user):
			return ""
		field = "name" if doctype == "User" else "parent"
		return tenancy_sql.colleagues(user, context.get_user_practices(user), _quote, doctype, field)
	if doctype in HIDDEN:
		return tenancy_sql.DENY_ALL if context.is_tenant_user(user) else ""
	if doctype in REFERENCE_FIELDS:
		return _reference_condition(doctype, user)
	if owned := OWNED_BY_DOCTYPE.get(doctype):
		if context.sees_everything(user):
			return ""
		practices = context.get_user_practices(user)
		return tenancy_sql.owned_by_none_or(
			doctype, "Practice", owned.practice_field, practices, _quote, shared_rows(owned)
		)
	scope = get_scope(doctype) or LINKED_BY_DOCTYPE.get(doctype) or BOOKS_BY_DOCTYPE.get(doctype)
	parents = [] if scope else get_scoped_parents(doctype)
	if not scope and not parents:
		return ""
	if context.sees_everything(user):
		return ""
	if scope:
		return condition_of(doctype, user)
	return tenancy_sql.via_parent(doctype, {parent: condition_of(parent, user) for parent in parents})


_USER_TABLES: dict[str, frozenset[str]] = {}


def user_child_tables() -> frozenset[str]:
	"""The child tables of User (Has Role, its e-mail accounts, ...), once per site and
	process: every list asks."""
	site = frappe.local.site
	if site not in _USER_TABLES:
		_USER_TABLES[site] = frozenset(df.options for df in frappe.get_meta("User").get_table_fields())
	return _USER_TABLES[site]


def _reference_condition(doctype: str, user: str) -> str:
	if context.sees_everything(user):
		return ""
	type_field, name_field = REFERENCE_FIELDS[doctype]
	targets = {dt: condition_of(dt, user) for dt in WALLED_DOCTYPES}
	return tenancy_sql.via_reference(doctype, type_field, name_field, targets)


def condition_of(doctype: str, user: str) -> str:
	"""The condition of a scoped doctype: by its own practice, or through the record it
	is linked to (a clinical note through its patient)."""
	if linked := LINKED_BY_DOCTYPE.get(doctype):
		target = condition_of(linked.target, user)
		return tenancy_sql.via_link(doctype, linked.field, linked.target, target)
	if books := BOOKS_BY_DOCTYPE.get(doctype):
		if not context.keeps_books_walled(user):
			# the platform's own accountants keep every company's books
			return ""
		return tenancy_sql.in_books(
			doctype, books.field, book_practices(doctype, "read", user), _quote, books.shared_unset
		)
	return condition_for(SCOPE_BY_DOCTYPE[doctype], user)


def condition_for(scope: Scope, user: str) -> str:
	quote = _quote
	if scope.mode is Mode.MEMBERS:
		owner = user if context.practices_for(scope.doctype, "create", user) else None
		return tenancy_sql.member_practitioners(
			scope.doctype, context.get_user_practices(user), quote, owner=owner
		)
	return tenancy_sql.own_field(
		scope.doctype, scope.field, context.practices_for(scope.doctype, "read", user), quote
	)


def _quote(value: str) -> str:
	return frappe.db.escape(value, percent=False)


# --- a single document -----------------------------------------------------------------


def has_permission(
	doc, ptype: str | None = None, user: str | None = None, debug: bool = False
) -> bool | None:
	"""Deny (False) what the tenancy forbids; otherwise defer (None) to role permissions."""
	user = user or frappe.session.user
	if doc.doctype in HIDDEN:
		return False if context.is_tenant_user(user) else None
	if doc.doctype in REFERENCE_FIELDS:
		return _reference_permission(doc, user)
	if doc.doctype in LINKED_BY_DOCTYPE:
		return _linked_permission(doc, user)
	if books := BOOKS_BY_DOCTYPE.get(doc.doctype):
		return _books_permission(doc, books, ptype, user)
	if owned := OWNED_BY_DOCTYPE.get(doc.doctype):
		if context.sees_everything(user) or doc.is_new():
			return None
		return None if owned_row_visible(owned, doc.name, user) else False
	scope = get_scope(doc.doctype)
	if not scope:
		parents = get_scoped_parents(doc.doctype)
		if not parents or doc.get("parenttype") not in parents or not doc.get("parent"):
			return None
		try:
			parent = frappe.get_doc(doc.parenttype, doc.parent)
		except frappe.DoesNotExistError:
			frappe.clear_last_message()
			return False
		if parent.doctype in LINKED_BY_DOCTYPE:
			return _linked_permission(parent, user)
		if books := BOOKS_BY_DOCTYPE.get(parent.doctype):
			return _books_permission(parent, books, ptype, user)
		doc, scope = parent, SCOPE_BY_DOCTYPE[parent.doctype]

	if context.sees_everything(user):
		return None
	ptype = ptype or "read"
	return None if allows(scope, doc, ptype, user) else False


def _linked_permission(doc, user: str) -> bool | None:
	"""A record scoped through its link (a clinical note through its patient), judged by
	the stored link: the one it claims only while it is new."""
	if context.sees_everything(user):
		return None
	linked = LINKED_BY_DOCTYPE[doc.doctype]
	if doc.is_new():
		value = doc.get(linked.field)
		return None if not value or is_visible(linked.target, value) else False
	return None if is_visible(doc.doctype, doc.name) else False


def _books_permission(doc, books, ptype: str | None, user: str) -> bool | None:
	"""A record of the books, judged by the company it is stored in (a new one: by the
	company it names, which must be the books of a practice of the user's)."""
	if not context.keeps_books_walled(user):
		return None
	company = doc.get(books.field)
	if doc.is_new() and not company:
		return None  # stamped with the active practice's books when it is saved
	if not doc.is_new() and doc.name:
		company = frappe.db.get_value(doc.doctype, doc.name, books.field)
	return None if books_allow(doc.doctype, company, ptype or "read", user) else False


def _reference_permission(doc, user: str) -> bool | None:
	type_field, name_field = REFERENCE_FIELDS[doc.doctype]
	target, name = doc.get(type_field), doc.get(name_field)
	if not target or not name or target not in WALLED_DOCTYPES or context.sees_everything(user):
		return None
	if is_visible(target, name):
		return None
	# attached to a document not saved yet (the Desk's "new-patient-…"): Frappe relinks
	# the file to the document when it is first saved
	unsaved = str(name).startswith("new-") and not frappe.db.exists(target, name)
	return None if unsaved else False


def allows(scope: Scope, doc, ptype: str, user: str) -> bool:
	"""Whether the tenancy lets ``user`` do ``ptype`` on ``doc`` (roles aside)."""
	check = "read" if ptype in context.READ_PTYPES else ptype
	if scope.mode is Mode.MEMBERS:
		if doc.get("owner") == user and (doc.is_new() or not _practices_of_practitioner(doc.name)):
			return bool(context.practices_for(scope.doctype, "create", user))
		member_of = set(_practices_of_practitioner(doc.name)) if doc.name else set()
		allowed = set(context.practices_for(scope.doctype, check, user))
		if check == "read":
			return bool(member_of & allowed)
		# a practitioner who works in several practices belongs to none of them alone:
		# their own record changes only where every practice they work in is the user's
		# (or by the practitioner's own user); each practice keeps its own schedules
		return bool(member_of) and (member_of <= allowed or doc.get("user_id") == user)

	practice = stored_practice(scope, doc)
	if doc.is_new() and not practice:
		# stamping decides (and explains) which practice a new record goes to
		return True
	if scope.manager_roles and check != "read":
		return practice in context.practices_for(scope.doctype, check, user) and context.holds_role(
			practice, scope.manager_roles, user
		)
	return practice in context.practices_for(scope.doctype, check, user)


_NOT_LOADED = object()


def stored_practice(scope: Scope, doc) -> str | None:
	"""The practice of ``doc`` as stored: a document sent by a client as an object
	(``run_doc_method docs=``) is judged by its stored twin, never by what it claims."""
	if doc.is_new():
		return doc.get(scope.field) if scope.field != "name" else None
	loaded = doc.flags.get("medic_plus_stored_practice", _NOT_LOADED)
	if loaded is not _NOT_LOADED:
		return loaded
	return frappe.db.get_value(scope.doctype, doc.name, scope.field) if doc.name else None


def _practices_of_practitioner(practitioner: str | None) -> list[str]:
	if not practitioner:
		return []
	return frappe.get_all(
		"Practice Member",
		filters={"practitioner": practitioner, "is_active": 1},
		pluck="practice",
		distinct=True,
	)


def keep_own_book_rows(doc) -> None:
	"""A master every practice reads (Mode of Payment), as loaded for a practice user:
	without its rows of other practices' books (their accounts)."""
	if not context.keeps_books_walled():
		return
	for table in doc.meta.get_table_fields():
		books = BOOKS_BY_DOCTYPE.get(table.options)
		if not books:
			continue
		own = practice_companies(book_practices(table.options, "read"))
		doc.set(
			table.fieldname, [row for row in doc.get(table.fieldname) or [] if row.get(books.field) in own]
		)
