"""The read-only FHIR API at /fhir/R4 (Frappe keeps /api/* for itself).

A ``before_request`` hook takes every request under /fhir/R4, whatever its method,
before Frappe's own authentication (which would refuse our bearer tokens), answers it
here and hands the response back by raising it (werkzeug's HTTPException carrying a
response is returned as is by Frappe's application).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import frappe
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from medic_plus import __version__
from medic_plus.core import fhir_map
from medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token import find_token
from medic_plus.tenancy import context

BASE_PATH = "/fhir/R4"
CONTENT_TYPE = "application/fhir+json; charset=utf-8"
DEFAULT_COUNT, MAX_COUNT = 20, 100
DOCTYPE = {
	"Patient": "Patient",
	"Practitioner": "Healthcare Practitioner",
	"Organization": "Practice",
	"Appointment": "Patient Appointment",
	"Encounter": "Patient Encounter",
}
DATE_PREFIX = re.compile(r"^(eq|ne|gt|lt|ge|le)?(\d{4}-\d{2}-\d{2})$")
OPERATORS = {"eq": "=", "ne": "!=", "gt": ">", "lt": "<", "ge": ">=", "le": "<="}


class FHIRError(Exception):
	def __init__(self, status: int, code: str, message: str):
		super().__init__(message)
		self.status, self.code, self.message = status, code, message


class FHIRResponse(HTTPException):
	"""Carries a finished response out of Frappe's request handling."""

	def __init__(self, response: Response):
		super().__init__(response=response)


@dataclass
class Caller:
	practices: list[str] | None  # None: every practice (platform admins)
	token: str | None = None

	def scope(self, doctype: str) -> list[str] | None:
		if self.token or self.practices is None:
			return self.practices
		return context.practices_for(doctype, "read")


def intercept() -> None:
	"""before_request hook."""
	path = frappe.request.path if frappe.request else ""
	if path != BASE_PATH and not path.startswith(BASE_PATH + "/"):
		return
	raise FHIRResponse(respond(frappe.request))


def respond(request) -> Response:
	try:
		status, body = route(request)
	except FHIRError as e:
		status, body = e.status, fhir_map.outcome(e.code, e.message)
	except Exception:
		frappe.log_error(title="medic_plus FHIR API")
		status, body = 500, fhir_map.outcome("exception", "The server could not answer this request.")
	response = Response(fhir_map.to_json(body), status=status, content_type=CONTENT_TYPE)
	if status == 401:
		response.headers["WWW-Authenticate"] = 'Bearer realm="medic_plus FHIR"'
	if status == 405:
		response.headers["Allow"] = "GET, HEAD"
	return response


def route(request):
	parts = [p for p in request.path[len(BASE_PATH) :].split("/") if p]
	if request.method not in ("GET", "HEAD"):
		raise FHIRError(405, "not-supported", "This FHIR API is read-only.")
	if parts == ["metadata"]:
		return 200, fhir_map.capability_statement(base_url(), __version__, "2026-11-21")
	caller = authenticate(request)
	if not parts or parts[0] not in DOCTYPE:
		raise FHIRError(404, "not-found", "Unknown resource type.")
	rtype = parts[0]
	if len(parts) == 1:
		return 200, search(caller, rtype, request.args)
	if len(parts) == 2:
		return 200, read(caller, rtype, parts[1])
	if len(parts) == 3 and rtype == "Patient" and parts[2] == "$everything":
		return 200, everything(caller, parts[1], request.args)
	raise FHIRError(404, "not-found", "Unknown operation.")


def base_url() -> str:
	return frappe.utils.get_url(BASE_PATH)


def authenticate(request) -> Caller:
	header = request.headers.get("Authorization", "")
	if header.lower().startswith("bearer "):
		row = find_token(header[7:].strip())
		if not row:
			raise FHIRError(401, "login", "The access token is not valid, has expired or was revoked.")
		return Caller([row.practice], token=row.name)
	user = frappe.session.user if getattr(frappe.local, "session", None) else "Guest"
	if user == "Guest":
		raise FHIRError(401, "login", "Log in, or send 'Authorization: Bearer <token>'.")
	if context.is_platform_admin(user):
		return Caller(None)
	if not context.get_user_practices(user):
		raise FHIRError(403, "forbidden", "You are not a member of any practice.")
	return Caller(context.get_user_practices(user))


# --- reading ----------------------------------------------------------------------------

FIELDS = {
	"Patient": [
		"name",
		"first_name",
		"middle_name",
		"last_name",
		"patient_name",
		"sex",
		"dob",
		"email",
		"mobile",
		"phone",
		"status",
		"custom_practice as practice",
	],
	"Practitioner": [
		"name",
		"first_name",
		"middle_name",
		"last_name",
		"practitioner_name",
		"gender",
		"status",
		"mobile_phone",
		"custom_registration_number as registration",
	],
	"Organization": [
		"name",
		"practice_name",
		"slug",
		"short_code",
		"status",
		"practice_type",
		"email",
		"phone",
		"address",
		"timezone",
	],
	"Appointment": [
		"name",
		"patient",
		"practitioner",
		"appointment_date",
		"appointment_time",
		"duration",
		"status",
		"appointment_type",
		"custom_booking_reference as booking_reference",
		"custom_practice as practice",
	],
	"Encounter": [
		"name",
		"patient",
		"practitioner",
		"encounter_date",
		"encounter_time",
		"docstatus",
		"appointment",
		"custom_practice as practice",
	],
}


def scope_filters(caller: Caller, rtype: str) -> list:
	doctype = DOCTYPE[rtype]
	practices = caller.scope(doctype)
	if practices is None:
		return []
	practices = practices or [""]
	if rtype == "Organization":
		return [["name", "in", practices]]
	if rtype == "Practitioner":
		members = frappe.get_all(
			"Practice Member",
			filters={"practice": ("in", practices), "is_active": 1, "practitioner": ("is", "set")},
			pluck="practitioner",
		)
		return [["name", "in", members or [""]]]
	return [["custom_practice", "in", practices]]


def read(caller: Caller, rtype: str, resource_id: str):
	name = fhir_map.frappe_name(resource_id)
	rows = fetch(rtype, [*scope_filters(caller, rtype), ["name", "=", name]], limit=1) if name else []
	if not rows:
		raise FHIRError(404, "not-found", f"{rtype}/{resource_id} not found")
	return to_resource(rtype, rows[0])


def fetch(rtype: str, filters: list, limit: int = 0, offset: int = 0, or_filters=None) -> list:
	return frappe.get_all(
		DOCTYPE[rtype],
		filters=filters,
		or_filters=or_filters,
		fields=FIELDS[rtype],
		order_by="creation asc, name asc",
		limit_start=offset,
		limit_page_length=limit,
	)


def to_resource(rtype: str, row):
	if rtype == "Patient":
		return fhir_map.patient(row)
	if rtype == "Practitioner":
		return fhir_map.practitioner(row)
	if rtype == "Organization":
		return fhir_map.organization(row)
	tz = practice_timezone(row.practice)
	return fhir_map.appointment(row, tz) if rtype == "Appointment" else fhir_map.encounter(row, tz)


def practice_timezone(practice: str | None) -> str:
	if not hasattr(frappe.local, "medic_plus_fhir_tz"):
		frappe.local.medic_plus_fhir_tz = {}
	cache = frappe.local.medic_plus_fhir_tz
	if practice not in cache:
		cache[practice] = (
			frappe.db.get_value("Practice", practice, "timezone") if practice else None
		) or frappe.utils.get_system_timezone()
	return cache[practice]


# --- searching --------------------------------------------------------------------------


def search(caller: Caller, rtype: str, args):
	count = _int(args.get("_count"), DEFAULT_COUNT, "_count", 0, MAX_COUNT)
	offset = _int(args.get("_offset"), 0, "_offset", 0, 10**9)
	filters, or_filters = scope_filters(caller, rtype), None
	for key in args:
		if key in ("_count", "_offset", "_format"):
			continue
		if key not in fhir_map.SEARCH_PARAMS[rtype]:
			raise FHIRError(400, "not-supported", f"Unknown search parameter for {rtype}: {key}")
		for value in args.getlist(key):
			clause, alternatives = parse(rtype, key, value)
			filters += clause
			if alternatives:
				or_filters = alternatives
	total = (
		frappe.db.count(DOCTYPE[rtype], filters=filters)
		if not or_filters
		else _count(rtype, filters, or_filters)
	)
	rows = fetch(rtype, filters, limit=count, offset=offset, or_filters=or_filters) if count else []
	links = {"self": page_url(rtype, args, offset, count)}
	if offset + count < total:
		links["next"] = page_url(rtype, args, offset + count, count)
	if offset > 0:
		links["previous"] = page_url(rtype, args, max(offset - count, 0), count)
	return fhir_map.bundle([to_resource(rtype, r) for r in rows], base_url(), total, links)


def _count(rtype: str, filters: list, or_filters) -> int:
	"""A COUNT query with both kinds of filters (``frappe.db.count`` takes no or-filters)."""
	rows = frappe.get_all(
		DOCTYPE[rtype], filters=filters, or_filters=or_filters, fields=["count(*) as total"], as_list=True
	)
	return int(rows[0][0]) if rows else 0


def page_url(rtype: str, args, offset: int, count: int) -> str:
	params = [(k, v) for k in args for v in args.getlist(k) if k not in ("_count", "_offset")]
	params += [("_count", count), ("_offset", offset)]
	return f"{base_url()}/{rtype}?{urlencode(params)}"


def parse(rtype: str, key: str, value: str):
	"""(filters, or_filters) for one search parameter value."""
	value = (value or "").strip()
	if not value:
		raise FHIRError(400, "invalid", f"Empty value for {key}")
	if key == "_id":
		return [["name", "in", [fhir_map.frappe_name(v) or "" for v in value.split(",")]]], None
	if key == "identifier":
		return [["name", "=", value.split("|")[-1]]], None
	if key == "name":
		like = f"%{value}%"
		fields = {
			"Patient": ("first_name", "last_name", "patient_name"),
			"Practitioner": ("first_name", "last_name", "practitioner_name"),
			"Organization": ("practice_name", "slug"),
		}[rtype]
		return [], [[f, "like", like] for f in fields]
	if key == "gender":
		genders = {
			"male": ["Male"],
			"female": ["Female"],
			"other": ["Other", "Transgender"],
			"unknown": ["Prefer not to say"],
		}
		if value not in genders:
			raise FHIRError(400, "invalid", f"Unknown gender: {value}")
		return [["sex", "in", genders[value]]], None
	if key in ("birthdate", "date"):
		match = DATE_PREFIX.match(value)
		if not match:
			raise FHIRError(
				400, "invalid", f"{key} must look like 2026-01-31, with an optional prefix such as ge"
			)
		try:
			day = date.fromisoformat(match.group(2))
		except ValueError:
			raise FHIRError(400, "invalid", f"Not a date: {value}") from None
		field = {"Patient": "dob", "Appointment": "appointment_date", "Encounter": "encounter_date"}[rtype]
		return [[field, OPERATORS[match.group(1) or "eq"], day]], None
	if key in ("patient", "practitioner"):
		return [[key, "=", fhir_map.frappe_name(value.split("/")[-1]) or ""]], None
	if key == "status":
		statuses = fhir_map.frappe_statuses(rtype, value)
		if not statuses:
			raise FHIRError(400, "invalid", f"Unknown status: {value}")
		field = "status" if rtype == "Appointment" else "docstatus"
		return [[field, "in", statuses]], None
	raise FHIRError(400, "not-supported", f"Unknown search parameter: {key}")


def _int(value, default: int, name: str, low: int, high: int) -> int:
	if value in (None, ""):
		return default
	try:
		number = int(value)
	except ValueError:
		raise FHIRError(400, "invalid", f"{name} must be a whole number") from None
	if not low <= number <= high:
		raise FHIRError(400, "invalid", f"{name} must be between {low} and {high}")
	return number


# --- Patient/<id>/$everything -----------------------------------------------------------


def everything(caller: Caller, patient_id: str, args=None):
	"""The patient, their appointments and encounters, and the practitioners and practice
	they name: a page of ``_count`` resources at ``_offset`` (the patient on every page)."""
	args = args or {}
	count = _int(args.get("_count"), DEFAULT_COUNT, "_count", 1, MAX_COUNT)
	offset = _int(args.get("_offset"), 0, "_offset", 0, 10**9)
	patient = read(caller, "Patient", patient_id)
	ref = [["patient", "=", fhir_map.frappe_name(patient_id)]]
	parts = [
		("Appointment", [*scope_filters(caller, "Appointment"), *ref]),
		("Encounter", [*scope_filters(caller, "Encounter"), *ref]),
	]
	counts = [frappe.db.count(DOCTYPE[rtype], filters=filters) for rtype, filters in parts]
	total = 1 + sum(counts)
	rows: list[tuple[str, object]] = []
	start, room = offset, count
	for (rtype, filters), n in zip(parts, counts, strict=True):
		if room <= 0:
			break
		if start >= n:
			start -= n
			continue
		page = fetch(rtype, filters, limit=room, offset=start)
		rows += [(rtype, r) for r in page]
		room -= len(page)
		start = 0
	resources = [patient] + [to_resource(rtype, r) for rtype, r in rows]
	practitioners = sorted({r.practitioner for _rtype, r in rows if r.practitioner})
	if practitioners:
		resources += [
			to_resource("Practitioner", r) for r in fetch("Practitioner", [["name", "in", practitioners]])
		]
	practice = (
		fhir_map.frappe_name(patient.managingOrganization.reference.split("/")[-1])
		if patient.managingOrganization
		else None
	)
	if practice:
		resources += [
			to_resource("Organization", r) for r in fetch("Organization", [["name", "=", practice]])
		]
	url = f"{base_url()}/Patient/{patient_id}/$everything"
	links = {"self": f"{url}?{urlencode({'_count': count, '_offset': offset})}"}
	if offset + count < total - 1:
		links["next"] = f"{url}?{urlencode({'_count': count, '_offset': offset + count})}"
	if offset > 0:
		links["previous"] = f"{url}?{urlencode({'_count': count, '_offset': max(offset - count, 0)})}"
	return fhir_map.bundle(resources, base_url(), total, links)
