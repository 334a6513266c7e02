"""The request gate's pure core: which callable a request will run, and which of its
arguments name records.

Frappe reaches Python code through many route forms (``/api/method/<m>``, ``/api/v1``,
``/api/v2``, ``cmd=`` on any path, document methods, ``run_doc_method``). The Frappe side
matches the request against Frappe's own URL map and hands the matched rule here; this
module turns every form into one :class:`Target`, so the gate judges the code that will
really run, not the path it was reached by.

Pure: no Frappe import. Unit-tested in ``tests/unit/test_gate.py``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

# kinds of target
METHOD = "method"  # a whitelisted function, by the name the client sent (before overrides)
DOC_METHOD = "doc_method"  # a whitelisted controller method of a doctype
RESOURCE = "resource"  # REST CRUD on a doctype: guarded by the permission hooks
NONE = "none"  # nothing runs on the user's behalf (a page, a file, a static asset)

# the handler's short names (``cmd=run_doc_method``): functions of frappe.handler
HANDLER_SHORT_NAMES = frozenset(
	{
		"run_doc_method",
		"runserverobj",
		"uploadfile",
		"upload_file",
		"logout",
		"web_logout",
		"download_file",
		"ping",
	}
)
# dispatchers that run a controller method given by the ``method`` argument
DOC_METHOD_DISPATCHERS = frozenset(
	{
		"run_doc_method",
		"runserverobj",
		"frappe.handler.run_doc_method",
		"frappe.handler.runserverobj",
		"frappe.api.v2.run_doc_method",
	}
)

# arguments that carry a record name of the doctype named in their pair argument
DOCTYPE_NAME_PAIRS: tuple[tuple[str, str], ...] = (
	("doctype", "name"),
	("doctype", "docname"),
	("doctype", "source_name"),
	("doctype", "doc_name"),
	("dt", "dn"),
	("reference_doctype", "reference_name"),
	("ref_doctype", "ref_docname"),
	("link_doctype", "link_name"),
	("share_doctype", "share_name"),
	("attached_to_doctype", "attached_to_name"),
	("doc", "name"),  # printview.get_html_and_style
	# ERPNext's books: a party and a tax template
	("party_type", "party"),
	("ptype", "pty"),
	("master_doctype", "master_name"),
	("master_doctype", "tax_template"),
)
# arguments whose value is a document or more arguments, searched for record names too
CONTAINER_ARGUMENTS = ("args", "kwargs", "doc", "docs", "document", "arg")


@dataclass(frozen=True)
class Target:
	kind: str
	name: str = ""  # the method name (METHOD), the controller method (DOC_METHOD)
	doctype: str = ""  # DOC_METHOD / RESOURCE
	docname: str = ""  # DOC_METHOD / RESOURCE, when the route names a stored record
	extra: Mapping = field(default_factory=dict)


def resolve(rule: str | None, values: Mapping, form: Mapping, path: str, http_method: str = "GET") -> Target:
	"""The target of a request.

	``rule`` is the template of the rule of Frappe's ``API_URL_MAP`` that the path matched
	(``/api/v2/method/<method>``), ``None`` when it matched none; ``values`` are that
	rule's arguments; ``form`` is Frappe's ``form_dict``.

	``cmd`` wins over the path, as in ``frappe.app.application``.
	"""
	cmd = form.get("cmd")
	if cmd:
		return _method(str(cmd), form)
	if not path.startswith("/api/"):
		return Target(NONE)
	if rule is None:
		return Target(NONE)  # Frappe answers 404 itself
	tail = _strip_version(rule)
	if tail in ("/method/login", "/method/logout", "/method/ping", "/method/upload_file"):
		name = tail.rsplit("/", 1)[1]
		return _method(name, form)
	if tail == "/method/run_doc_method":
		return _doc_method_from_form("frappe.api.v2.run_doc_method", form)
	if tail == "/method/<path:method>" or tail == "/method/<method>":
		return _method(str(values.get("method", "")).split("/")[0], form)
	if tail == "/method/<doctype>/<method>":
		return Target(
			METHOD,
			name=str(values.get("method", "")),
			doctype=str(values.get("doctype", "")),
			extra={"doctype_module": True},
		)
	if tail.endswith("/method/<method>/"):  # v2 document method
		return Target(
			DOC_METHOD,
			name=str(values.get("method", "")),
			doctype=str(values.get("doctype", "")),
			docname=str(values.get("name", "")),
		)
	doctype = str(values.get("doctype", ""))
	name = values.get("name")
	if tail.startswith("/resource/<doctype>/<path:name>") and ("run_method" in form or http_method == "POST"):
		# v1: GET with run_method, or any POST on a document, runs a controller method
		method = form.get("run_method")
		return Target(
			DOC_METHOD, name=method if isinstance(method, str) else "", doctype=doctype, docname=str(name)
		)
	return Target(RESOURCE, doctype=doctype, docname=str(name) if name is not None else "")


def _strip_version(rule: str) -> str:
	for prefix in ("/api/v1", "/api/v2", "/api"):
		if rule.startswith(prefix + "/"):
			return rule[len(prefix) :]
	return rule


def _method(name: str, form: Mapping) -> Target:
	if name in DOC_METHOD_DISPATCHERS:
		return _doc_method_from_form(name, form)
	return Target(METHOD, name=name)


def _doc_method_from_form(dispatcher: str, form: Mapping) -> Target:
	"""``run_doc_method``: judged on the controller method it runs, of the document's doctype."""
	method = form.get("method")
	doctype = form.get("dt") or ""
	docname = form.get("dn") or ""
	document = parse(form.get("docs") if form.get("docs") is not None else form.get("document"))
	if not doctype and isinstance(document, Mapping):
		doctype = document.get("doctype") or ""
		docname = document.get("name") or ""
	elif doctype and not docname:
		docname = doctype  # a single doctype
	return Target(
		DOC_METHOD,
		name=method if isinstance(method, str) else "",
		doctype=doctype if isinstance(doctype, str) else "",
		docname=docname if isinstance(docname, str) else "",
		extra={"dispatcher": dispatcher, "document": document if isinstance(document, Mapping) else None},
	)


def parse(value):
	"""A JSON string argument as its value; anything else as it is."""
	if isinstance(value, str) and value[:1] in ("{", "["):
		try:
			return json.loads(value)
		except ValueError:
			return value
	return value


# --- record arguments ---------------------------------------------------------------


@dataclass(frozen=True)
class RecordArgument:
	path: str  # where it was found: "patient", "args.appointment_id", "docs.patient"
	doctype: str
	value: object  # a plain string, or a list/dict the gate refuses
	# the name of a document sent as an object: it may be a new one, not yet stored
	may_be_new: bool = False
	# ... and that object says it is new (the Desk's ``__islocal``)
	marked_new: bool = False


def record_arguments(
	form: Mapping,
	argument_doctypes: Mapping[str, str],
	is_scoped,
	depth: int = 0,
	prefix: str = "",
) -> Iterator[RecordArgument]:
	"""Every argument of ``form`` that names a record of a scoped doctype.

	``argument_doctypes`` maps an argument name to the doctype it names (``patient`` ->
	Patient); ``is_scoped(doctype)`` says whether a doctype is behind the tenant wall. The
	pairs of :data:`DOCTYPE_NAME_PAIRS` name a record of the doctype in their first
	argument. Containers (``args``, ``doc``, ...) are searched the same way, as JSON or
	as objects, a few levels deep. A document sent as an object names itself by its
	``doctype`` and ``name`` (flagged ``may_be_new``: an unsaved one is not stored yet).
	"""
	if depth > 4 or not isinstance(form, Mapping):
		return
	for key, doctype in argument_doctypes.items():
		if key not in form or form[key] in (None, ""):
			continue
		value = parse(form[key])
		if isinstance(value, Mapping) and value.get("doctype") == doctype:
			# a whole document of that doctype (Healthcare's forms send these): its own
			# name and its links are judged like those of any document
			yield from record_arguments(value, argument_doctypes, is_scoped, depth + 1, f"{prefix}{key}.")
		else:
			yield RecordArgument(prefix + key, doctype, form[key])
	for doctype_key, name_key in DOCTYPE_NAME_PAIRS:
		doctype = form.get(doctype_key)
		if isinstance(doctype, str) and name_key in form and form[name_key] not in (None, ""):
			if is_scoped(doctype):
				own_name = depth > 0 and (doctype_key, name_key) == ("doctype", "name")
				yield RecordArgument(
					prefix + name_key,
					doctype,
					form[name_key],
					may_be_new=own_name,
					marked_new=own_name and bool(form.get("__islocal")),
				)
	for key in CONTAINER_ARGUMENTS:
		if key not in form:
			continue
		value = parse(form[key])
		items = value if isinstance(value, list) else [value]
		for i, item in enumerate(items):
			where = f"{prefix}{key}." if not isinstance(value, list) else f"{prefix}{key}[{i}]."
			yield from record_arguments(item, argument_doctypes, is_scoped, depth + 1, where)


def is_plain_name(value: object) -> bool:
	"""A record name as Frappe stores one: a string (or a number), never a list or a filter."""
	return isinstance(value, str | int) and not isinstance(value, bool)


def linked_field_joins(fields) -> list[tuple[str, str]]:
	"""The ``link_field.fieldname`` columns of a list request's ``fields`` (Frappe joins
	the linked table for them): ``[("patient", "dob")]`` for ``["name", "patient.dob"]``."""
	fields = parse(fields)
	if isinstance(fields, str):
		fields = fields.split(",")
	if not isinstance(fields, list):
		return []
	out = []
	for requested in fields:
		if not isinstance(requested, str) or "." not in requested:
			continue
		column = requested.split(" as ", 1)[0].strip()
		if column.startswith("`") or "(" in column:
			continue  # `tabChild`.`field` and functions are Frappe's own checked forms
		link, name = column.split(".", 1)
		out.append((link.strip(), name.strip()))
	return out


def missing_arguments(parameters: Iterable[tuple[str, bool]], given: Collection[str]) -> list[str]:
	"""The required parameters that a call does not give: ``parameters`` are the function's
	(name, optional) pairs, optional for one with a default or a ``*args``/``**kwargs``."""
	return [name for name, optional in parameters if not optional and name not in given]
