"""Which requests read (print, change) a record: the access log's view of a request.

Pure: no Frappe import. The gate resolves every request to one target (``core/gate.py``);
this says which records that target opens and how.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from medic_plus.core.gate import parse

# method -> (argument naming the doctype, argument naming the record, action)
METHODS: dict[str, tuple[str, str, str]] = {
	"frappe.desk.form.load.getdoc": ("doctype", "name", "read"),
	"frappe.client.get": ("doctype", "name", "read"),
	"frappe.utils.print_format.download_pdf": ("doctype", "name", "print"),
	"frappe.www.printview.get_html_and_style": ("doc", "name", "print"),
	"frappe.client.delete": ("doctype", "name", "delete"),
	"frappe.desk.form.save.cancel": ("doctype", "name", "update"),
}
# methods that take the document itself (a JSON object in ``doc``): a change of a stored one
DOCUMENT_METHODS: dict[str, tuple[str, str]] = {
	"frappe.desk.form.save.savedocs": ("doc", "update"),
	"frappe.client.save": ("doc", "update"),
	"frappe.client.submit": ("doc", "update"),
}
# method -> (argument naming the doctype, action): a list, logged once per request
LIST_METHODS: dict[str, tuple[str, str]] = {
	"frappe.desk.reportview.get": ("doctype", "read"),
	"frappe.desk.reportview.get_list": ("doctype", "read"),
	"frappe.client.get_list": ("doctype", "read"),
	"frappe.desk.reportview.export_query": ("doctype", "export"),
}
# query reports: a run or an export lists the records of the report's doctype
REPORT_METHODS: dict[str, str] = {
	"frappe.desk.query_report.run": "read",
	"frappe.desk.query_report.export_query": "export",
}
# web pages that show the record named by ``doctype`` and ``name``
PAGES: dict[str, str] = {"/printview": "print", "/printpreview": "print"}
# /api/resource/<doctype>/<name>
RESOURCE_ACTIONS: dict[str, str] = {"GET": "read", "PUT": "update", "DELETE": "delete"}


@dataclass(frozen=True)
class Access:
	doctype: str
	name: str
	action: str


def accesses(
	kind: str,
	method: str,
	doctype: str,
	docname: str,
	http_method: str,
	path: str,
	form: Mapping,
	report_doctype: Callable[[str], str | None] = lambda report: None,
):
	"""The records a request opens, as ``Access`` rows (none for most requests); a list
	is one ``Access`` with no name, however many rows it shows.

	``kind`` is the gate's target kind ("method", "resource", "none"), ``method`` its
	canonical method name, ``doctype``/``docname`` the resource route's record;
	``report_doctype`` names the doctype a query report lists."""
	if kind == "resource" and doctype and docname and http_method in RESOURCE_ACTIONS:
		return [Access(doctype, docname, RESOURCE_ACTIONS[http_method])]
	if kind == "resource" and doctype and not docname and http_method == "GET":
		return [Access(doctype, "", "read")]
	if kind == "method" and method in DOCUMENT_METHODS:
		argument, action = DOCUMENT_METHODS[method]
		doc = _object(form.get(argument))
		if doc.get("__islocal"):  # a new document: nothing of the patient's was read
			return []
		return _named(doc.get("doctype"), doc.get("name"), action)
	if kind == "method" and method in LIST_METHODS:
		doctype_arg, action = LIST_METHODS[method]
		listed = form.get(doctype_arg)
		return [Access(listed, "", action)] if isinstance(listed, str) and listed else []
	if kind == "method" and method in REPORT_METHODS:
		report = form.get("report_name")
		listed = report_doctype(report) if isinstance(report, str) and report else None
		return [Access(listed, "", REPORT_METHODS[method])] if listed else []
	if kind == "method" and method in METHODS:
		doctype_arg, name_arg, action = METHODS[method]
		return _named(form.get(doctype_arg), form.get(name_arg), action)
	if kind == "none" and path.rstrip("/") in PAGES:
		return _named(form.get("doctype"), form.get("name"), PAGES[path.rstrip("/")])
	return []


def _object(value) -> Mapping:
	"""A document sent as JSON (or as an object) as a mapping; anything else as empty."""
	value = parse(value)
	return value if isinstance(value, Mapping) else {}


def _named(doctype, name, action: str) -> list[Access]:
	if isinstance(doctype, str) and isinstance(name, str) and doctype and name:
		return [Access(doctype, name, action)]
	return []


# --- unusual access ---------------------------------------------------------------------

FACTOR = 3  # more distinct patients than FACTOR times the user's usual day
MINIMUM = 20  # and at least this many


@dataclass(frozen=True)
class Unusual:
	user: str
	patients: int  # distinct patients opened that day
	usual: float  # the median of the user's earlier active days (0: none)
	strangers: int  # of them, patients the user never had an appointment with (doctors)
	reasons: tuple[str, ...]


def unusual(
	opened: Mapping[str, Mapping[object, set]],
	day,
	seen_by: Mapping[str, set] | None = None,
	factor: float = FACTOR,
	minimum: int = MINIMUM,
) -> list[Unusual]:
	"""The users whose ``day`` looks unusual. ``opened``: user -> day -> patients opened;
	``seen_by``: for doctors, user -> the patients they ever had an appointment with (a
	user not in it is not judged on that)."""
	out = []
	for user, days in sorted(opened.items()):
		today = days.get(day) or set()
		if not today:
			continue
		earlier = sorted(len(p) for d, p in days.items() if d != day and p)
		usual = _median(earlier)
		reasons = []
		if len(today) >= minimum and len(today) > factor * usual:
			reasons.append("many")
		strangers = len(today - seen_by[user]) if seen_by is not None and user in seen_by else 0
		if strangers:
			reasons.append("strangers")
		if reasons:
			out.append(Unusual(user, len(today), usual, strangers, tuple(reasons)))
	return out


def _median(values: list[int]) -> float:
	if not values:
		return 0.0
	mid = len(values) // 2
	return float(values[mid]) if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
