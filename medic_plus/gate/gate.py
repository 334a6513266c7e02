"""The request gate: deny by default.

For a practice user who is no platform admin, for a website user and for a guest, a
request runs only code that ``allowlist.py`` names. Everything else answers exactly like
a method that does not exist, on every route form, and is counted (``get_denials``).

Hooked as an ``auth_hooks`` entry: Frappe runs it on every request once it knows the user
who will really run the code (session cookie, API key and secret, or OAuth bearer token),
before anything is dispatched. The route is matched against Frappe's own URL map and
turned into one target by :func:`medic_plus.core.gate.resolve`, so ``/api/method``,
``/api/v1``, ``/api/v2``, ``cmd=`` on any path and the document-method routes are all
judged on the function or controller method that would run.

Past the allowlist, every argument that names a record of a scoped doctype (also inside
``args``, ``kwargs``, ``doc``, ``docs`` and ``document``) must be one plain name of a record
the user may see; a document sent as an object is judged by what is stored.
"""

from __future__ import annotations

import inspect
import json

import frappe
from frappe import _
from werkzeug.exceptions import HTTPException

from medic_plus.core import gate as core
from medic_plus.gate import allowlist
from medic_plus.methods import canonical
from medic_plus.portal.identity import is_portal_user
from medic_plus.privacy import access_log
from medic_plus.tenancy import context
from medic_plus.tenancy.guard import check_visible, is_visible, not_found
from medic_plus.tenancy.records import is_scoped
from medic_plus.tenancy.roles import BOOK_REPORTS

DENIALS_KEY = "medic_plus:gate_denials"

# argument names that carry a record of a scoped doctype whatever the method
ARGUMENT_DOCTYPES = {
	"patient": "Patient",
	"patient_id": "Patient",
	"appointment": "Patient Appointment",
	"appointment_id": "Patient Appointment",
	"appointment_name": "Patient Appointment",
	"encounter": "Patient Encounter",
	"inpatient_record": "Inpatient Record",
	# a practice's books: its company, and what is kept in it
	"company": "Company",
	"price_list": "Price List",
	"selling_price_list": "Price List",
	"customer": "Customer",
	"account": "Account",
	"party_account": "Account",
	"paid_from": "Account",
	"paid_to": "Account",
	"cost_center": "Cost Center",
	"bank_account": "Bank Account",
}


class InvalidRecordArgument(frappe.ValidationError):
	http_status_code = 400


# --- who is gated ----------------------------------------------------------------------


def allowed_methods(user: str | None = None) -> frozenset[str] | None:
	"""What ``user`` may run, or None when the user is not gated."""
	methods = gated_methods(user)
	return None if methods is None else methods | open_checkout()


def gated_methods(user: str | None = None) -> frozenset[str] | None:
	"""The allowlist that holds ``user`` (less a gateway's checkout, which
	:func:`may_run` looks up only for a method not on it), or None when the user is not
	gated."""
	user = user or frappe.session.user
	if not context.is_tenant_user(user):
		return None
	if user != "Guest" and (
		context.get_user_practices(user)
		or frappe.get_cached_value("User", user, "user_type") != "Website User"
	):
		# a practice user; or a system user with a clinical role in no practice, who may use
		# the Desk and sees no practice's records
		return allowlist.desk_methods()
	if user != "Guest" and is_portal_user(user):
		return allowlist.portal_methods()
	return allowlist.public_methods()


def may_run(name: str | None, methods: frozenset[str]) -> bool:
	return name in methods or name in open_checkout()


def open_checkout() -> frozenset[str]:
	"""The checkout of the payment gateway the platform set up for plan invoices, if any."""
	account = frappe.get_cached_doc("Medic Plus Settings").payment_gateway_account
	if not account:
		return frozenset()
	gateway = frappe.get_cached_value("Payment Gateway Account", account, "payment_gateway")
	return frozenset(allowlist.CHECKOUT.get(gateway, ()))


def _parsed(value):
	"""A form value that may be JSON, parsed; None where it is not valid JSON."""
	try:
		return frappe.parse_json(value)
	except ValueError:
		return None


def _checkout(form) -> None:
	"""A checkout page pays a Payment Request and nothing else: its reference, and the one
	in the payment data it sends, name one (PayPal's return takes only its own token)."""
	references = [form.get("reference_doctype")]
	for key in ("data", "options"):
		data = _parsed(form.get(key))
		if isinstance(data, dict) and "reference_doctype" in data:
			references.append(data["reference_doctype"])
	if any(doctype != allowlist.CHECKOUT_PAYS for doctype in references):
		frappe.throw(_("{0} not found").format(_("Payment Request")), frappe.DoesNotExistError)


# --- the hook ----------------------------------------------------------------------------


def hide_tracebacks() -> None:
	"""before_request: practice users, website users and guests get no tracebacks (Frappe
	shows them on error pages and in API errors when the site allows them): the lines of
	a traceback would tell another practice's record from a missing one."""
	if getattr(frappe.local, "session", None) and context.is_tenant_user():
		frappe.local.flags.disable_traceback = True


def enforce() -> None:
	request = getattr(frappe.local, "request", None)
	if request is None or request.method == "OPTIONS":
		return
	methods = gated_methods()
	if methods is None:
		return
	form = frappe.local.form_dict
	target = core.resolve(*_match(request), form, request.path, request.method)
	if target.kind == core.METHOD:
		_judge_method(target, form, methods)
	elif target.kind == core.DOC_METHOD:
		_judge_doc_method(target, form)
	elif target.kind == core.RESOURCE and target.docname and is_scoped(target.doctype):
		# another practice's record answers as a missing one before Frappe looks it up
		check_visible(target.doctype, target.docname)
	elif target.kind == core.RESOURCE and target.doctype:
		check_linked_joins(target.doctype, form.get("fields"))
	elif request.path.rstrip("/") in RECORD_PAGES:
		check_record_page(form)
	# what the request opens goes into the access log once it has succeeded
	access_log.note(target, form, request)


# web pages that show the record named by ``doctype`` and ``name`` in the query string
RECORD_PAGES = frozenset({"/printview", "/printpreview"})


def check_record_page(form) -> None:
	"""Another practice's record on a print page answers as a missing one (the page would
	say "not permitted", which tells that it exists)."""
	doctype, name = form.get("doctype"), form.get("name")
	if isinstance(doctype, str) and isinstance(name, str) and is_scoped(doctype):
		check_visible(doctype, name)


# ``/api/method/<name>``, the Desk's every call: the rule Frappe's URL map gives it, without
# matching the whole map (a name with a slash, or any other form, goes through the map)
_METHOD_RULE = "/api/method/<path:method>"
_METHOD_PREFIX = "/api/method/"


def _match(request) -> tuple[str | None, dict]:
	path = request.path
	if not path.startswith("/api/"):
		return None, {}
	if path.startswith(_METHOD_PREFIX) and "/" not in (name := path[len(_METHOD_PREFIX) :]) and name:
		return _METHOD_RULE, {"method": name}
	from frappe.api import API_URL_MAP

	try:
		rule, values = API_URL_MAP.bind_to_environ(request.environ).match(return_rule=True)
	except HTTPException:
		return None, {}
	return rule.rule, values


def _judge_method(target: core.Target, form, methods: frozenset[str]) -> None:
	name = canonical(target.name, target.doctype if target.extra.get("doctype_module") else None)
	if not may_run(name, methods):
		deny(target.name)
	if check := DISPATCHERS.get(name):
		check(form)
	if name not in allowlist.checkout_methods():
		# (a checkout's only record is the Payment Request it pays: the platform's bill,
		# which the gateway's page shows to whoever holds its link)
		check_record_arguments(form, inserting=name in INSERTS)
	# after the records: another practice's record is "not found" whatever else is missing
	check_arguments_given(name, form)


# methods whose documents are new ones, named as the caller likes
INSERTS = frozenset({"frappe.client.insert", "frappe.client.insert_many"})


class MissingArgumentError(frappe.ValidationError):
	http_status_code = 400


_PARAMETERS: dict[str, tuple[tuple[str, bool], ...]] = {}


def check_arguments_given(name: str, form) -> None:
	"""A call without a required argument answers 400 and names it (Python would raise a
	TypeError: a 500)."""
	if name not in _PARAMETERS:
		try:
			signature = inspect.signature(frappe.get_attr(name))
		except Exception:
			signature = None
		optional = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
		_PARAMETERS[name] = tuple(
			(p.name, p.default is not p.empty or p.kind in optional)
			for p in (signature.parameters.values() if signature else ())
		)
	if missing := core.missing_arguments(_PARAMETERS[name], form):
		frappe.throw(
			_("{0} is required.").format(missing[0]), MissingArgumentError, title=_("Missing argument")
		)


def _judge_doc_method(target: core.Target, form) -> None:
	label = f"{target.doctype}.{target.name}" if target.name else target.doctype
	if target.name not in allowlist.DOC_METHODS.get(target.doctype, ()):
		deny(label)
	document = target.extra.get("document")
	if document is not None:
		check_document(document)
	elif target.docname and is_scoped(target.doctype):
		check_visible(target.doctype, target.docname)
	check_record_arguments(form)


def deny(method: str) -> None:
	"""Answer as for a method that does not exist, and count it for the platform admins."""
	try:
		frappe.cache.hincrby(frappe.cache.make_key(DENIALS_KEY), str(method)[:140], 1)
		frappe.logger("medic_plus.gate").warning(
			{"denied": str(method)[:140], "user": frappe.session.user, "path": frappe.request.path}
		)
	except Exception:
		pass  # counting never decides the answer
	frappe.throw(_("Method {0} not found").format(method), frappe.DoesNotExistError)


# --- record arguments --------------------------------------------------------------------


def check_record_arguments(form, inserting: bool = False) -> None:
	for arg in core.record_arguments(form, ARGUMENT_DOCTYPES, is_scoped):
		if not core.is_plain_name(arg.value):
			frappe.throw(
				_("{0} must be the name of one record.").format(arg.path),
				InvalidRecordArgument,
				title=_("Invalid argument"),
			)
		if is_visible(arg.doctype, arg.value):
			continue
		# an unsaved document: the Desk names it "new-<doctype>-<hash>" and marks it
		# __islocal until its first save; an insert names it as it likes. Any other
		# document sent by a name that is not stored answers as another practice's does.
		unsaved = arg.marked_new or (arg.may_be_new and inserting) or str(arg.value).startswith("new")
		if not (unsaved and not frappe.db.exists(arg.doctype, arg.value)):
			not_found(arg.doctype, arg.value)


def check_document(document, doctype: str | None = None) -> None:
	"""A document sent as an object: by its stored twin when its name exists; an unsaved
	one only through the records it points at."""
	document = core.parse(document)
	if isinstance(document, str):
		if doctype:
			check_visible(doctype, document)
		return
	if not isinstance(document, dict):
		frappe.throw(_("A document was expected."), InvalidRecordArgument)
	if doctype and not document.get("doctype"):
		document = {**document, "doctype": doctype}
	# its own name and its links are record arguments like any other
	check_record_arguments({"doc": document})


# --- dispatchers: judged on what they dispatch to ----------------------------------------


def _mapper(form) -> None:
	method = canonical(form.get("method"))
	if method not in allowlist.MAPPERS:
		deny(form.get("method"))
	source = form.get("source_name")
	if source is not None:
		check_visible(allowlist.MAPPERS[method], source)


def _report(form, script: bool = False) -> None:
	name = form.get("report_name")
	if name in BOOK_REPORTS and frappe.db.exists("Report", name):
		if not script:  # a script is code, no data: it needs no company
			_book_report(name, form)
		return
	report = frappe.db.get_value("Report", name, ["module", "report_type"], as_dict=True) if name else None
	if not report or not (
		report.report_type == "Report Builder"
		or frappe.db.get_value("Module Def", report.module, "app_name") == "medic_plus"
	):
		not_found("Report", name)


def _book_report(name: str, form) -> None:
	"""A report of the books runs for the user's own company: its company filter names
	one, and every filter that names a record of the books names one the user may see
	(another practice's answers as missing). Its script needs no filters."""
	from medic_plus.tenancy.records import book_practices, books_allow

	ref_doctype = frappe.db.get_value("Report", name, "ref_doctype")
	if not book_practices(ref_doctype, "report"):
		not_found("Report", name)  # a user who keeps no books
	filters = _parsed(form.get("filters")) if form.get("filters") not in (None, "") else {}
	if not isinstance(filters, dict):
		frappe.throw(_("filters must be an object."), InvalidRecordArgument, title=_("Invalid argument"))
	company = filters.get("company")
	if not isinstance(company, str) or not books_allow(ref_doctype, company, "report"):
		frappe.throw(
			_("{0} not found").format(_("Company")) if company else _("Choose the company of your practice."),
			frappe.DoesNotExistError if company else frappe.ValidationError,
		)
	named = dict(allowlist.BOOK_REPORT_FILTERS)
	if filters.get("party"):
		# a party of the books is a customer: any other kind answers as missing
		if filters.get("party_type") not in (None, "", "Customer"):
			not_found(filters.get("party_type"), filters.get("party"))
		named["party"] = "Customer"
	for key, doctype in named.items():
		values = filters.get(key)
		for value in values if isinstance(values, list) else [values]:
			if value not in (None, ""):
				check_visible(doctype, value)


def _search(form) -> None:
	query = form.get("query")
	if query and canonical(query) not in allowlist.LINK_QUERIES:
		deny(query)
	doctype = form.get("doctype")
	if isinstance(doctype, str) and is_scoped(doctype):
		# Frappe reads with permissions off when the Desk asks to ignore user permissions
		form["ignore_user_permissions"] = 0


def _next_record(form) -> None:
	"""The form's previous/next buttons start from ``value``, whose sort field Frappe reads
	with permissions off: it must be a record the user may see."""
	doctype, value = form.get("doctype"), form.get("value")
	if isinstance(doctype, str) and is_scoped(doctype):
		if not core.is_plain_name(value):
			frappe.throw(_("value must be the name of one record."), InvalidRecordArgument)
		check_visible(doctype, value)


def _delete_items(form) -> None:
	"""Bulk delete skips a name that is not stored without a word: another practice's
	records are left out the same way (deleting them would say "not found")."""
	doctype, items = form.get("doctype"), form.get("items")
	if not (isinstance(doctype, str) and is_scoped(doctype)):
		return
	names = _parsed(items)
	if not isinstance(names, list) or not all(core.is_plain_name(n) for n in names):
		frappe.throw(_("items must be a list of names."), InvalidRecordArgument, title=_("Invalid argument"))
	form["items"] = json.dumps([n for n in names if is_visible(doctype, n)])


def _get_by_filters(form) -> None:
	"""``frappe.client.get`` with ``filters`` and no name loads the first row that matches
	with permissions off, and its "not found" names that row. The name is found here
	instead, through the permission query; filters that match nothing the user may see
	answer exactly as filters that match nothing at all."""
	doctype, filters = form.get("doctype"), form.get("filters")
	if form.get("name") or filters is None or not isinstance(doctype, str):
		return
	parsed = _parsed(filters)
	if not isinstance(parsed, dict | list):
		frappe.throw(
			_("filters must be a list or an object."), InvalidRecordArgument, title=_("Invalid argument")
		)
	names = frappe.get_list(
		doctype, filters=parsed, pluck="name", limit_page_length=1, parent_doctype=form.get("parent")
	)
	if not names:
		frappe.throw(_("No {0} matches these filters.").format(_(doctype)), frappe.DoesNotExistError)
	form["name"] = names[0]
	form.pop("filters", None)


def check_linked_joins(doctype, fields) -> None:
	"""``fields=["patient.dob"]`` joins the linked table with no permission check of its
	own: a join into a scoped doctype is refused, but for the title that the target shows
	in place of its name in every link (a list's Practice column asks for
	``custom_practice.practice_name``; a row links only inside its own practice)."""
	if not isinstance(doctype, str) or not fields:
		return
	meta = frappe.get_meta(doctype) if frappe.db.exists("DocType", doctype) else None
	for link, name in core.linked_field_joins(fields):
		df = meta and meta.get_field(link)
		if df and df.fieldtype == "Link" and is_scoped(df.options) and not _link_title(df.options, name):
			frappe.throw(
				_("Fields of a linked {0} cannot be read in a list of {1}.").format(
					_(df.options), _(doctype)
				),
				frappe.PermissionError,
			)


def _link_title(doctype: str, fieldname: str) -> bool:
	target = frappe.get_meta(doctype)
	return bool(target.show_title_field_in_link and fieldname == target.title_field)


def _list(form) -> None:
	check_linked_joins(form.get("doctype"), form.get("fields"))


def _company_named(form) -> None:
	"""A method that takes its company as ``name``."""
	check_visible("Company", form.get("name"))


def _doctype_arguments(method: str):
	"""The check of a method of :data:`allowlist.DOCTYPE_ARGUMENTS`: each doctype argument
	names one of the doctypes allowed there, or the record answers as missing."""
	allowed = allowlist.DOCTYPE_ARGUMENTS[method]

	def check(form) -> None:
		for values in (form, core.parse(form.get("args"))):
			if not isinstance(values, dict):
				continue
			for doctype_key, doctypes in allowed.items():
				doctype = values.get(doctype_key)
				if doctype in (None, "") or doctype in doctypes:
					continue
				names = [
					values.get(n) for d, n in core.DOCTYPE_NAME_PAIRS if d == doctype_key and n in values
				]
				not_found(str(doctype), names[0] if names else "")

	return check


def _upload(form) -> None:
	method = form.get("method")
	if method and canonical(method) not in allowlist.UPLOAD_METHODS:
		deny(method)


DISPATCHERS = {
	"frappe.model.mapper.make_mapped_doc": _mapper,
	"frappe.desk.query_report.run": _report,
	"frappe.desk.query_report.get_script": lambda form: _report(form, script=True),
	"frappe.desk.query_report.export_query": _report,
	"frappe.desk.search.search_link": _search,
	"frappe.desk.search.search_widget": _search,
	"frappe.handler.upload_file": _upload,
	"erpnext.setup.doctype.company.company.get_default_company_address": _company_named,
	**{method: _doctype_arguments(method) for method in allowlist.DOCTYPE_ARGUMENTS},
	"frappe.desk.reportview.get": _list,
	"frappe.desk.reportview.get_list": _list,
	"frappe.desk.reportview.export_query": _list,
	"frappe.client.get_list": _list,
	"frappe.client.get": _get_by_filters,
	"frappe.desk.reportview.delete_items": _delete_items,
	"frappe.desk.form.utils.get_next": _next_record,
	"frappe.client.get_value": lambda form: check_linked_joins(form.get("doctype"), form.get("fieldname")),
	**{
		method: _checkout
		for methods in allowlist.CHECKOUT.values()
		for method in methods
		if method.startswith("payments.templates.pages.")
	},
}


# --- what the platform admins see --------------------------------------------------------


@frappe.whitelist(methods=["GET"])
def get_denials() -> dict[str, int]:
	"""How often each method was refused by the gate (platform admins only)."""
	if not context.is_platform_admin():
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	from redis import Redis

	# the raw hash: Frappe's own hgetall unpickles its values
	raw = Redis.hgetall(frappe.cache, frappe.cache.make_key(DENIALS_KEY)) or {}
	return {frappe.safe_decode(k): int(v) for k, v in raw.items()}
