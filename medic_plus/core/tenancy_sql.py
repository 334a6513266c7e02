"""Builds the SQL conditions that scope a doctype to a user's practices.

Pure: the caller passes the quoting function (``frappe.db.escape`` on a site), so the
strings can be built and tested with no database. Frappe's permission_query_conditions
hook must return SQL text; every value in it goes through ``quote``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

Quote = Callable[[str], str]

DENY_ALL = "1=0"


def column(table: str, field: str) -> str:
	_check_identifier(table)
	_check_identifier(field)
	return f"`tab{table}`.`{field}`"


def in_list(values: Iterable[str], quote: Quote) -> str:
	return ", ".join(quote(v) for v in sorted(set(values)))


def own_field(table: str, field: str, practices: Iterable[str], quote: Quote) -> str:
	"""Rows whose own practice field is one of ``practices``."""
	practices = list(practices)
	if not practices:
		return DENY_ALL
	return f"{column(table, field)} in ({in_list(practices, quote)})"


def in_books(table: str, field: str, practices: Iterable[str], quote: Quote, or_unset: bool = False) -> str:
	"""Rows booked (``field`` names a Company) in the books of one of ``practices`` (with
	``or_unset``: also the rows in no company's books)."""
	practices = list(practices)
	unset = f"ifnull({column(table, field)}, '') = ''"
	if not practices:
		return unset if or_unset else DENY_ALL
	own = (
		f"{column(table, field)} in (select `company` from `tabPractice` "
		f"where `name` in ({in_list(practices, quote)}) and ifnull(`company`, '') != '')"
	)
	return f"({own} or {unset})" if or_unset else own


def via_link(table: str, link_field: str, target: str, target_condition: str) -> str:
	"""Rows whose ``link_field`` points at a ``target`` row matching ``target_condition``."""
	if target_condition == DENY_ALL:
		return DENY_ALL
	_check_identifier(target)
	return f"{column(table, link_field)} in (select `name` from `tab{target}` where {target_condition})"


def via_parent(table: str, parent_conditions: Mapping[str, str]) -> str:
	"""Child-table rows whose parent document is visible.

	Rows of parents that are not scoped stay visible (they are governed by their own
	parent's permissions), rows of scoped parents only when the parent matches.
	"""
	return via_reference(table, "parenttype", "parent", parent_conditions)


def via_reference(table: str, type_field: str, name_field: str, conditions: Mapping[str, str]) -> str:
	"""Rows that point at a document by (doctype, name) columns, such as a File's
	attached_to_doctype/attached_to_name: visible when they point at an unscoped
	doctype (or nothing), or at a scoped document that matches its condition."""
	if not conditions:
		return ""
	type_col, name_col = column(table, type_field), column(table, name_field)
	parts = [
		f"{type_col} is null",
		f"{type_col} not in ({', '.join(_literal(p) for p in sorted(conditions))})",
	]
	for target in sorted(conditions):
		cond = conditions[target]
		if cond == DENY_ALL:
			continue
		target_cond = "1=1" if not cond else cond
		parts.append(
			f"({type_col} = {_literal(target)} and {name_col} in (select `name` from `tab{target}` where {target_cond}))"
		)
	return "(" + " or ".join(parts) + ")"


def owned_by_none_or(
	table: str,
	owner: str,
	owner_field: str,
	practices: Iterable[str],
	quote: Quote,
	shared: Iterable[str] = (),
) -> str:
	"""Rows that no practice owns, that one of ``practices`` owns (``owner``.``owner_field``
	names the row), or that are ``shared`` by all (the site's default company): a practice's
	letter head or company is seen by its own practices only (a company several practices
	share, by each of them)."""
	_check_identifier(owner)
	_check_identifier(owner_field)
	name = column(table, "name")
	owned = f"select `{owner_field}` from `tab{owner}` where `{owner_field}` is not null and `{owner_field}` != ''"
	conditions = [f"{name} not in ({owned})"]
	if practices := list(practices):
		conditions.append(f"{name} in ({owned} and `name` in ({in_list(practices, quote)}))")
	if shared := [s for s in shared if s]:
		conditions.append(f"{name} in ({in_list(shared, quote)})")
	return conditions[0] if len(conditions) == 1 else "(" + " or ".join(conditions) + ")"


def member_practitioners(table: str, practices: Iterable[str], quote: Quote, owner: str | None = None) -> str:
	"""Healthcare Practitioners who are active members of one of ``practices``
	(plus, when ``owner`` is given, those the user created and has not yet linked)."""
	practices = list(practices)
	if not practices:
		return DENY_ALL
	cond = (
		f"{column(table, 'name')} in (select `practitioner` from `tabPractice Member` "
		f"where `is_active` = 1 and `practice` in ({in_list(practices, quote)}))"
	)
	if owner:
		cond = f"({cond} or {column(table, 'owner')} = {quote(owner)})"
	return cond


def _literal(identifier: str) -> str:
	"""A doctype name as an SQL string literal (doctype names are checked identifiers)."""
	_check_identifier(identifier)
	return "'" + identifier + "'"


def _check_identifier(name: str) -> None:
	# DocType and field names: letters, digits, spaces, hyphens and underscores only.
	if not name or any(not (c.isalnum() or c in " _-") for c in name):
		raise ValueError(f"not a safe identifier: {name!r}")


def colleagues(
	user: str, practices: Iterable[str], quote: Quote, table: str = "User", field: str = "name"
) -> str:
	"""Users a practice user may list (``table``.``field`` names the user: a User row, or
	a row of one of its child tables by its parent): themselves and the active members of
	their practices, never another practice's staff."""
	who = column(table, field)
	me = f"{who} = {quote(user)}"
	practices = list(practices)
	if not practices:
		return me
	members = (
		"select `user` from `tabPractice Member` "
		f"where `is_active` = 1 and `practice` in ({in_list(practices, quote)})"
	)
	return f"({me} or {who} in ({members}))"
