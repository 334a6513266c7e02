"""Tenant-aware replacements for the few Frappe endpoints that read records without
Frappe's permission query: global search, link validation, ``frappe.client.get_count``,
the "Assigned To" sidebar count, the @mention list and the form's viewers. Each one checks the tenancy, then hands over to Frappe's own method."""

from __future__ import annotations

import inspect

import frappe
from frappe import _
from frappe.client import get_count as _get_count
from frappe.client import validate_link as _validate_link
from frappe.desk.form.load import get_user_info_for_viewers as _get_user_info_for_viewers
from frappe.desk.listview import get_group_by_count as _get_group_by_count
from frappe.desk.search import get_names_for_mentions as _get_names_for_mentions
from frappe.utils import get_safe_filters
from frappe.utils.global_search import search as _global_search

from medic_plus.tenancy import context, guard
from medic_plus.tenancy.records import get_scoped_parents, is_scoped
from medic_plus.tenancy.scope import PRACTICE_FIELD, Mode, get_scope


@frappe.whitelist()
def validate_link(doctype: str, docname: str, fields: str | list | None = None):
	"""Another practice's record answers exactly as a missing one."""
	# is_visible is False for a missing record too, which Frappe answers the same way
	if get_scope(doctype) and not guard.is_visible(doctype, docname):
		if not (frappe.has_permission(doctype, "select") or frappe.has_permission(doctype, "read")):
			frappe.throw(
				_("You do not have Read or Select Permissions for {}").format(frappe.bold(doctype)),
				frappe.PermissionError,
			)
		return frappe._dict(name=None)
	return _validate_link(doctype, docname, fields)


@frappe.whitelist()
def global_search(text: str, start: int = 0, limit: int = 20, doctype: str = ""):
	"""Frappe's global search, less the records of other practices, filtered before
	paging: page ``start // limit`` holds ``limit`` visible results when there are."""
	start, limit = max(int(start or 0), 0), min(max(int(limit or 20), 1), 100)
	if context.sees_everything():
		return _global_search(text, start=start, limit=limit, doctype=doctype)
	visible: list = []
	offset, batch = 0, max(limit * 4, 50)
	while len(visible) < start + limit:
		rows = _global_search(text, start=offset, limit=batch, doctype=doctype)
		visible.extend(_visible_results(rows))
		if len(rows) < batch or offset > 5000:
			break
		offset += batch
	return visible[start : start + limit]


def _visible_results(results: list) -> list:
	names_by_doctype: dict[str, set[str]] = {}
	for row in results:
		if is_scoped(row.doctype):
			names_by_doctype.setdefault(row.doctype, set()).add(row.name)
	visible = {
		dt: set(frappe.get_list(dt, filters={"name": ("in", list(names))}, pluck="name"))
		for dt, names in names_by_doctype.items()
	}
	return [r for r in results if r.doctype not in visible or r.name in visible[r.doctype]]


@frappe.whitelist()
def get_group_by_count(doctype: str, current_filters: str, field: str) -> list[dict]:
	"""Frappe's sidebar group-by counts; the "Assigned To" count is built without the
	permission query, so the tenancy is added to its filters here."""
	scope = get_scope(doctype)
	if scope and field == "assigned_to" and not context.sees_everything():
		filters = frappe.parse_json(current_filters) or []
		if isinstance(filters, dict):
			filters = [[doctype, key, "=", value] for key, value in filters.items()]
		if scope.mode is Mode.MEMBERS:
			visible = frappe.get_list(doctype, pluck="name") or [""]
			filters.append([doctype, "name", "in", visible])
		else:
			filters.append([doctype, scope.field, "in", context.practices_for(doctype, "read") or [""]])
		current_filters = frappe.as_json(filters)
	return _get_group_by_count(doctype, current_filters, field)


@frappe.whitelist()
@frappe.read_only()
def get_count(
	doctype: str, filters: str | dict | list | None = None, debug: bool = False, cache: bool = False
) -> int:
	"""Frappe's ``frappe.client.get_count`` counts with no permission check at all: for
	anyone but a platform admin, count what the user may list, on any doctype."""
	parents = get_scoped_parents(doctype)
	if context.sees_everything():
		return _get_count(doctype, filters, debug, cache)
	if not parents and frappe.get_meta(doctype).istable:
		return 0  # a child table is counted through its parent only
	try:
		rows = frappe.get_list(
			doctype,
			filters=get_safe_filters(filters),
			fields=[f"count(distinct `tab{doctype}`.`name`) as total_count"],
			order_by=None,
			parent_doctype=parents[0] if parents else None,
		)
	except frappe.PermissionError:
		frappe.clear_last_message()
		return 0  # nothing the user may list (a workspace shortcut's badge, say)
	return rows[0].total_count if rows else 0


@frappe.whitelist()
def get_dashboard_chart(
	chart_name: str | None = None,
	chart: str | dict | None = None,
	no_cache: int | str | None = None,
	filters: str | list | dict | None = None,
	from_date: str | None = None,
	to_date: str | None = None,
	timespan: str | None = None,
	time_interval: str | None = None,
	heatmap_year: str | int | None = None,
	refresh: int | str | None = None,
):
	"""Frappe caches a chart's data per chart, for whoever asks next: for charts over
	scoped doctypes, practice users get data computed for them, never from that cache."""
	from frappe.desk.doctype.dashboard_chart.dashboard_chart import get as _get

	doc = (
		frappe.get_doc("Dashboard Chart", chart_name)
		if chart_name
		else frappe._dict(frappe.parse_json(chart))
	)
	args = dict(
		chart_name=chart_name,
		chart=chart,
		no_cache=no_cache,
		filters=filters,
		from_date=from_date,
		to_date=to_date,
		timespan=timespan,
		time_interval=time_interval,
		heatmap_year=heatmap_year,
		refresh=refresh,
	)
	scoped = doc.document_type and is_scoped(doc.document_type)
	if context.sees_everything() or not scoped:
		return _get(**args)
	return _practice_chart(_get, args)


@frappe.read_only()
def _practice_chart(_get, args: dict):
	"""A chart over scoped doctypes computed for a practice user, on the replica: Frappe's
	cache wrapper (which stamps the chart's "last synced" on the primary) is left out."""
	from unittest.mock import patch

	from frappe.desk.doctype.dashboard_chart import dashboard_chart

	# Frappe's heatmap reads with get_all; get_list is stricter for anyone, so the swap
	# is safe process-wide. As Frappe's cache wrapper does: the Desk sends "" for unset dates.
	with patch.object(dashboard_chart, "get_heatmap_chart_config", _permitted_heatmap):
		return inspect.unwrap(_get)(**{key: value or None for key, value in args.items()})


def _permitted_heatmap(chart, filters: list, heatmap_year) -> dict:
	"""Frappe's heatmap data (``get_heatmap_chart_config``), read through the permission query."""
	from frappe.desk.doctype.dashboard_chart.dashboard_chart import get_aggregate_function
	from frappe.utils import cint, getdate, nowdate

	doctype, datefield = chart.document_type, chart.based_on
	year = cint(heatmap_year) if heatmap_year else getdate(nowdate()).year
	filters.append([doctype, datefield, ">", f"{year}-01-01", False])
	filters.append([doctype, datefield, "<", f"{year + 1}-01-01", False])
	value = f"{get_aggregate_function(chart.chart_type)}({chart.value_based_on or '1'})"
	if frappe.db.db_type == "mariadb":
		timestamp = f"unix_timestamp({datefield})"
	else:
		timestamp = f"extract(epoch from timestamp {datefield})"
	rows = frappe.get_list(
		doctype,
		fields=[timestamp, value],
		filters=filters,
		group_by=f"date({datefield})",
		as_list=1,
		order_by=f"{datefield} asc",
	)
	return {"labels": [], "dataPoints": dict(rows)}


@frappe.whitelist()
@frappe.read_only()
def get_number_card_result(
	doc: str | dict, filters: str | list | dict | None = None, to_date: str | None = None
):
	"""A workspace's number card (Frappe's ``get_result``), read from the replica."""
	from frappe.desk.doctype.number_card.number_card import get_result

	return get_result(doc, filters, to_date)


@frappe.whitelist()
@frappe.read_only()
def get_number_card_difference(doc: str | dict, filters: str | list | dict | None, result: str | float):
	"""A number card's change against the previous period (Frappe's
	``get_percentage_difference``), read from the replica."""
	from frappe.desk.doctype.number_card.number_card import get_percentage_difference

	return get_percentage_difference(doc, filters, result)


@frappe.whitelist()
@frappe.read_only()
def get_appointment_events(start: str, end: str, filters: str | dict | list | None = None):
	"""Healthcare's appointment calendar reads with raw SQL, and Frappe's
	get_event_conditions leaves the permission query out: keep the user's own. Each visit
	is labelled as a receptionist looks for it, "Mia Schulz · Dr Berg" (``title``), not by
	the patient's record ID."""
	from healthcare.healthcare.doctype.patient_appointment.patient_appointment import get_events

	events = get_events(start, end, filters)
	if not events:
		return events
	read = frappe.get_all if context.sees_everything() else frappe.get_list
	names = {
		row.name: row
		for row in read(
			"Patient Appointment",
			filters={"name": ("in", [e.name for e in events])},
			fields=["name", "patient_name", "practitioner_name"],
		)
	}
	visible = []
	for event in events:
		if row := names.get(event.name):
			event.title = " · ".join(
				filter(None, (row.patient_name or event.patient, row.practitioner_name or event.practitioner))
			)
			visible.append(event)
	return visible


@frappe.whitelist()
@frappe.validate_and_sanitize_search_inputs
def practitioner_query(
	doctype: str,
	txt: str,
	searchfield: str,
	start: int,
	page_len: int,
	filters: dict | list | str | None = None,
):
	"""Link search for Healthcare Practitioner. Healthcare's own (a standard query, with
	``frappe.get_all``) lists every practitioner of the site; this one lists those the
	user may see: the active practitioners who are members of their practices."""
	filters = frappe.parse_json(filters) if isinstance(filters, str) else filters
	if isinstance(filters, list):
		filters = [*filters, ["Healthcare Practitioner", "status", "=", "Active"]]
	else:
		filters = {"status": "Active", **(filters or {})}
	return frappe.get_list(
		"Healthcare Practitioner",
		fields=["name", "practitioner_name", "mobile_phone"],
		filters=filters,
		or_filters={"name": ("like", f"%{txt}%"), "practitioner_name": ("like", f"%{txt}%")},
		start=start,
		page_length=page_len,
		order_by="name, practitioner_name",
		as_list=1,
	)


@frappe.whitelist()
@frappe.validate_and_sanitize_search_inputs
def patient_query(
	doctype: str,
	txt: str,
	searchfield: str,
	start: int,
	page_len: int,
	filters: dict | list | str | None = None,
):
	"""Link search for Patient, by name, ID, mobile, e-mail, phone or identification
	number, like Frappe's own; for a user who sees several practices, each result also
	names its practice."""
	filters = frappe.parse_json(filters) if isinstance(filters, str) else filters
	if not filters:
		# an archived or erased record (disabled) is not offered; a form asks for it by status
		filters = {"status": ("!=", "Disabled")}
	fields = ["name", "patient_name", PRACTICE_FIELD, "mobile", "email"]
	searched = ("name", "patient_name", "mobile", "email", "phone", "uid")
	rows = frappe.get_list(
		"Patient",
		fields=fields,
		filters=filters or {},
		or_filters={f: ("like", f"%{txt}%") for f in searched},
		start=start,
		page_length=page_len,
		order_by="patient_name asc, name asc",
		as_list=1,
	)
	if not several_practices():
		return [(name, patient_name, mobile, email) for name, patient_name, _p, mobile, email in rows]
	names = dict(
		frappe.get_all(
			"Practice",
			filters={"name": ("in", list({r[2] for r in rows if r[2]}) or [""])},
			fields=["name", "practice_name"],
			as_list=1,
		)
	)
	return [
		(name, patient_name, names.get(p), mobile, email) for name, patient_name, p, mobile, email in rows
	]


def several_practices(user: str | None = None) -> bool:
	"""Whether the user sees the records of more than one practice."""
	return context.sees_everything(user) or len(set(context.get_user_practices(user))) > 1


@frappe.whitelist()
def get_open_count(doctype: str, name: str, items: str | list | None = None) -> dict:
	"""The form dashboard's counts of linked records. Frappe counts them with ``get_all``:
	on a shared master (a practitioner who works in several practices) that would count
	other practices' records, so practice users' counts go through the permission query."""
	from unittest.mock import patch

	from frappe.desk import notifications

	if context.sees_everything():
		return notifications.get_open_count(doctype, name, items)
	# get_list is stricter than get_all for anyone, so the swap is safe process-wide
	with patch.object(notifications, "get_doc_count", _permitted_doc_count):
		return notifications.get_open_count(doctype, name, items)


def _permitted_doc_count(doctype: str, filters: dict) -> int:
	try:
		return len(frappe.get_list(doctype, filters=filters, limit=100, distinct=True, order_by=None))
	except frappe.PermissionError:
		frappe.clear_last_message()
		return 0


@frappe.whitelist()
@frappe.read_only()
def get_events(
	start: str,
	end: str,
	user: str | None = None,
	for_reminder: bool = False,
	filters: str | list | dict | None = None,
) -> list:
	"""The Desk's upcoming events. Frappe lists the events of any ``user`` asked for (with
	raw SQL): a practice user gets their own calendar only."""
	from frappe.desk.doctype.event.event import get_events as _get_events

	if not context.sees_everything():
		user = None  # the session user
	return _get_events(start, end, user=user, for_reminder=for_reminder, filters=filters)


def _colleagues() -> set[str]:
	"""The session user and the active members of their practices."""
	members = frappe.get_all(
		"Practice Member",
		{"practice": ("in", context.get_user_practices() or [""]), "is_active": 1},
		pluck="user",
	)
	return {frappe.session.user, *members}


@frappe.whitelist()
def get_names_for_mentions(search_term: str) -> list[dict]:
	"""The @mention list: a practice user is offered their colleagues, not the staff of
	other practices, nor user groups (which span practices)."""
	names = _get_names_for_mentions(search_term)
	if not context.is_tenant_user():
		return names
	colleagues = _colleagues()
	return [m for m in names if not m.get("is_group") and m.get("id") in colleagues]


@frappe.whitelist()
def get_user_info_for_viewers(users: str) -> dict:
	"""Who else has the form open: names, pictures and e-mails of colleagues only (another
	practice's user is left out, like a user that does not exist)."""
	if context.is_tenant_user():
		wanted = frappe.parse_json(users)
		if not isinstance(wanted, list):
			frappe.throw(_("users must be a list."), frappe.ValidationError)
		users = frappe.as_json([u for u in wanted if u in _colleagues()])
	return _get_user_info_for_viewers(users)
