"""The read-only FHIR API at /fhir/R4 (Frappe keeps /api/* for itself): who asks, and
the reads, searches and ``$everything`` (``fhir/server.py`` takes the requests; the bulk
export is ``fhir/bulk.py``)."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import frappe
from fhir.resources.R4B import get_fhir_model_class
from frappe.query_builder import Case, Criterion, Field
from frappe.query_builder.functions import Count, Sum, Trim
from pypika import analytics  # frappe.qb is PyPika: its window functions
from werkzeug.wrappers import Response

from medic_plus import __version__
from medic_plus.core import fhir_map
from medic_plus.core.access_log import Access
from medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token import find_token
from medic_plus.onboarding import plans
from medic_plus.privacy import access_log
from medic_plus.tenancy import context
from medic_plus.tenancy.scope import get_scope

BASE_PATH = "/fhir/R4"
CONTENT_TYPE = "application/fhir+json; charset=utf-8"
DEFAULT_COUNT, MAX_COUNT = 20, 100
DOCTYPE = {
	"Patient": "Patient",
	"Practitioner": "Healthcare Practitioner",
	"Organization": "Practice",
	"Appointment": "Patient Appointment",
	"Encounter": "Patient Encounter",
	"AllergyIntolerance": "Patient Allergy",
	"Condition": "Patient Problem",
	# the Drug Prescription rows of encounters, read and scoped as their encounter
	"MedicationRequest": "Patient Encounter",
	# an Observation per vital a submitted Vital Signs document measured
	"Observation": "Vital Signs",
}
# the column each date parameter searches
DATE_FIELD = {
	("Patient", "birthdate"): "dob",
	("Appointment", "date"): "appointment_date",
	("Encounter", "date"): "encounter_date",
	("AllergyIntolerance", "date"): "recorded_on",
	("Condition", "date"): "recorded_on",
	("Condition", "recorded-date"): "recorded_on",
	("MedicationRequest", "date"): "encounter_date",
	("MedicationRequest", "authoredon"): "encounter_date",
	("Observation", "date"): "signs_date",
}
DATE_PREFIX = re.compile(r"^(eq|ne|gt|lt|ge|le)?(\d{4}-\d{2}-\d{2})$")
OPERATORS = {"eq": "=", "ne": "!=", "gt": ">", "lt": "<", "ge": ">=", "le": "<="}
# a filter no row matches (every row has a name)
NOTHING = ["name", "=", ""]
COMPARE = {
	"=": operator.eq,
	"!=": operator.ne,
	">": operator.gt,
	"<": operator.lt,
	">=": operator.ge,
	"<=": operator.le,
}


class FHIRError(Exception):
	def __init__(self, status: int, code: str, message: str):
		super().__init__(message)
		self.status, self.code, self.message = status, code, message


@dataclass
class Caller:
	practices: list[str] | None  # None: every practice (platform admins)
	token: str | None = None
	# the practices are given whole (a token's, a patient's own record's), not narrowed
	# by the session user's roles per doctype
	given: bool = False

	def scope(self, doctype: str) -> list[str] | None:
		if self.token or self.given or self.practices is None:
			return self.practices
		return [p for p in context.practices_for(doctype, "read") if p in self.practices]


def respond(request, route_request=None) -> Response:
	"""The response to an FHIR request, answered by ``route_request`` (default: ``route``),
	which returns (status, body) or a finished Response."""
	try:
		answer = (route_request or route)(request)
		if isinstance(answer, Response):  # a bulk export's status, manifest or file
			return answer
		status, body = answer
	except FHIRError as e:
		status, body = e.status, fhir_map.outcome(e.code, e.message)
	except Exception:
		frappe.log_error(title="medic_plus FHIR API")
		status, body = 500, fhir_map.outcome("exception", "The server could not answer this request.")
	response = Response(fhir_map.to_json(body), status=status, content_type=CONTENT_TYPE)
	if status == 401:
		response.headers["WWW-Authenticate"] = 'Bearer realm="medic_plus FHIR"'
	if status == 405:
		response.headers["Allow"] = "GET, HEAD, DELETE" if "/$export-status/" in request.path else "GET, HEAD"
	return response


def parts_of(request) -> list[str]:
	return [p for p in request.path[len(BASE_PATH) :].split("/") if p]


def route(request):
	parts = parts_of(request)
	if request.method not in ("GET", "HEAD"):
		raise FHIRError(405, "not-supported", "This FHIR API is read-only.")
	if parts == ["metadata"]:
		return 200, fhir_map.capability_statement(base_url(), __version__, "2026-11-21")
	# who asks is read on the primary: a token revoked a moment ago no longer works
	caller = authenticate(request)
	if not parts or parts[0] not in DOCTYPE:
		raise FHIRError(404, "not-found", "Unknown resource type.")
	return answer(caller, request, parts)


@frappe.read_only()
def answer(caller: Caller, request, parts: list[str]):
	"""The resources asked for, read from the replica where the site has one (the access
	log goes to the primary)."""
	rtype = parts[0]
	if len(parts) == 1:
		body = search(caller, rtype, request.args)
		if patient := request.args.get("patient"):  # a search about one patient
			log(
				caller,
				request,
				[Access(DOCTYPE[rtype], "", "read")],
				fhir_map.frappe_name(patient.split("/")[-1]),
			)
		return 200, body
	if len(parts) == 2:
		resource = read(caller, rtype, parts[1])
		log(caller, request, [Access(*read_record(rtype, resource), "read")])
		return 200, resource
	if len(parts) == 3 and rtype == "Patient" and parts[2] == "$everything":
		body = everything(caller, parts[1], request.args)
		log(caller, request, [Access("Patient", fhir_map.frappe_name(parts[1]), "export")])
		return 200, body
	raise FHIRError(404, "not-found", "Unknown operation.")


def read_record(rtype: str, resource) -> tuple[str, str]:
	"""The document a resource was read from: (doctype, name)."""
	if rtype == "MedicationRequest":  # a row of its encounter
		return "Patient Encounter", fhir_map.frappe_name(resource.encounter.reference.split("/")[-1])
	if rtype == "Observation":
		return "Vital Signs", fhir_map.split_vital_signs_id(resource.id)[0]
	return DOCTYPE[rtype], fhir_map.frappe_name(resource.id)


def log(caller: Caller, request, found: list, patient: str | None = None) -> None:
	"""The access log: what an application (token) or a user read over FHIR."""
	found = [a for a in found if access_log.holds_patient_data(a.doctype)]
	if found:
		user = None if caller.token else frappe.session.user
		access_log.push(found, user, request, fhir_token=caller.token, patient=patient)


def base_url() -> str:
	return frappe.utils.get_url(BASE_PATH)


def authenticate(request, for_export: bool = False) -> Caller:
	"""Who asks; ``for_export``: the bulk export's routes (a leaving practice's export-only
	token reads its export there, whatever its plan)."""
	header = request.headers.get("Authorization", "")
	if header.lower().startswith("bearer "):
		row = find_token(header[7:].strip(), for_export=for_export)
		if not row:
			raise FHIRError(401, "login", "The access token is not valid, has expired or was revoked.")
		if not row.export_only:
			refuse_plan([row.practice])
		return Caller([row.practice], token=row.name)
	user = frappe.session.user if getattr(frappe.local, "session", None) else "Guest"
	if user == "Guest":
		raise FHIRError(401, "login", "Log in, or send 'Authorization: Bearer <token>'.")
	if context.is_platform_admin(user):
		return Caller(None)
	practices = context.get_user_practices(user)
	if not practices:
		raise FHIRError(403, "forbidden", "You are not a member of any practice.")
	return Caller(refuse_plan(practices))


def refuse_plan(practices: list[str]) -> list[str]:
	"""The practices whose plan includes the FHIR API; none: 403, naming the plan."""
	of = {p: plans.plan_of(p) for p in practices}
	allowed = [p for p in practices if not plans.lacks(of[p], "fhir")]
	if not allowed:
		raise FHIRError(403, "forbidden", plans.refusal(of[practices[0]], "fhir"))
	return allowed


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
	"AllergyIntolerance": [
		"name",
		"patient",
		"practice",
		"status",
		"criticality",
		"substance",
		"substance_code",
		"category",
		"reaction",
		"recorded_on",
		"note",
	],
	"Condition": [
		"name",
		"patient",
		"practice",
		"status",
		"chronic",
		"code",
		"condition_name",
		"onset",
		"abatement",
		"source_encounter",
		"recorded_on",
		"note",
	],
}
VITAL_SIGNS_FIELDS = (
	"name",
	"patient",
	"encounter",
	"signs_date",
	"signs_time",
	*(f for vital in fhir_map.VITALS for f in vital.fields),
)


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
	return [[get_scope(doctype).field, "in", practices]]


def read(caller: Caller, rtype: str, resource_id: str):
	if rtype == "Observation":
		name, key = fhir_map.split_vital_signs_id(resource_id) or (None, None)
		by_id = [["name", "=", name], ["vital", "in", [key]]]
	else:
		name = fhir_map.frappe_name(resource_id)
		by_id = [["name", "=", name]]
	rows = fetch(rtype, [*scope_filters(caller, rtype), *by_id], limit=1) if name else []
	if not rows:
		raise FHIRError(404, "not-found", f"{rtype}/{resource_id} not found")
	return to_resource(rtype, rows[0])


def fetch(rtype: str, filters: list, limit: int = 0, offset: int = 0, or_filters=None) -> list:
	"""One row per resource, in a stable order: ``limit`` of them (0: all) from ``offset``."""
	if rtype == "MedicationRequest":
		return fetch_prescriptions(filters, limit, offset)
	if rtype == "Observation":
		return fetch_vital_signs(filters, limit, offset)
	rows = frappe.get_all(
		DOCTYPE[rtype],
		filters=filters,
		or_filters=or_filters,
		fields=FIELDS[rtype],
		order_by="creation asc, name asc",
		limit_start=offset,
		limit_page_length=limit,
	)
	if rtype == "AllergyIntolerance":
		add_substance_codes(rows)
	return rows


def count_matches(rtype: str, filters: list, or_filters=None) -> int:
	"""How many resources the filters match, counted by the database."""
	if rtype == "MedicationRequest":
		return count_prescriptions(filters)
	if rtype == "Observation":
		return count_vital_signs(filters)
	if or_filters:
		return _count(rtype, filters, or_filters)
	return frappe.db.count(DOCTYPE[rtype], filters=filters)


def to_resource(rtype: str, row):
	"""The validated FHIR resource of a row."""
	return get_fhir_model_class(rtype).model_validate(to_body(rtype, row))


def to_body(rtype: str, row) -> dict:
	"""The resource of a row as plain data (``to_resource`` validates it; the bulk export
	writes it as it is: core/fhir_map.dumps)."""
	if rtype == "Patient":
		return fhir_map.patient_body(row)
	if rtype == "Practitioner":
		return fhir_map.practitioner_body(row)
	if rtype == "Organization":
		return fhir_map.organization_body(row)
	if rtype == "AllergyIntolerance":
		return fhir_map.allergy_intolerance_body(row)
	if rtype == "Condition":
		return fhir_map.condition_body(row)
	tz = practice_timezone(row.practice)
	if rtype == "MedicationRequest":
		return fhir_map.medication_request_body(row, tz)
	if rtype == "Observation":
		return fhir_map.observation_body(row, row.vital, tz)
	if rtype == "Appointment":
		return fhir_map.appointment_body(row, tz)
	return fhir_map.encounter_body(row, tz)


def add_substance_codes(rows: list) -> None:
	"""The code, display and code system uri of each allergy's coded substance."""
	names = {r.substance_code for r in rows if r.substance_code}
	if not names:
		return
	values = {
		v.name: v
		for v in frappe.get_all(
			"Code Value",
			filters={"name": ("in", list(names))},
			fields=["name", "code_value", "display", "code_system", "system_uri"],
		)
	}
	systems = {v.code_system for v in values.values() if v.code_system}
	uris = (
		dict(
			frappe.get_all(
				"Code System", filters={"name": ("in", list(systems))}, fields=["name", "uri"], as_list=True
			)
		)
		if systems
		else {}
	)
	for row in rows:
		value = values.get(row.substance_code)
		if value:
			row.substance_code_value = value.code_value
			row.substance_display = value.display
			row.substance_system = uris.get(value.code_system) or value.system_uri


def _criterion(column, op: str, value):
	"""A ``[field, op, value]`` filter as a query builder condition on ``column``."""
	if op == "in":
		return column.isin(list(value) or [""])
	return COMPARE[op](column, value)


# --- MedicationRequest: Drug Prescription rows joined to their Patient Encounter -------


def prescription_query(filters: list):
	"""The drug prescription rows of encounters that ``filters`` (on the encounter's
	columns, ``encounter`` for its name, or ``name`` of the row) match, and the two tables."""
	row, enc = frappe.qb.DocType("Drug Prescription"), frappe.qb.DocType("Patient Encounter")
	query = (
		frappe.qb.from_(row)
		.join(enc)
		.on(enc.name == row.parent)
		.where(row.parenttype == "Patient Encounter")
		.where(row.parentfield == "drug_prescription")
	)
	for field, op, value in filters:
		column = (
			row.name if field == "name" else enc.name if field == "encounter" else Field(field, table=enc)
		)
		query = query.where(_criterion(column, op, value))
	return query, row, enc


def count_prescriptions(filters: list) -> int:
	query, _row, _enc = prescription_query(filters)
	return int(query.select(Count("*")).run()[0][0] or 0)


def fetch_prescriptions(filters: list, limit: int = 0, offset: int = 0) -> list:
	query, row, enc = prescription_query(filters)
	query = query.select(
		row.name,
		row.medication,
		row.drug_code,
		row.drug_name,
		row.dosage,
		row.period,
		row.dosage_form,
		row.comment,
		enc.name.as_("encounter"),
		enc.patient,
		enc.practitioner,
		enc.encounter_date,
		enc.encounter_time,
		enc.docstatus,
		enc.custom_practice.as_("practice"),
	).orderby(enc.creation, enc.name, row.idx, row.name)
	if limit or offset:
		query = query.limit(limit or 10**12).offset(offset)
	return query.run(as_dict=True)


# --- Observation: the vitals of submitted Vital Signs -----------------------------------


def vital_signs_query(filters: list):
	"""(table, conditions, vital keys) for Observation filters; the pseudo-filter
	``["vital", "in", keys]`` narrows the vitals (several narrow together)."""
	vs = frappe.qb.DocType("Vital Signs")
	keys = set(fhir_map.VITAL_BY_KEY)
	conditions = [vs.docstatus == 1]
	for field, op, value in filters:
		if field == "vital":
			keys &= set(value)
		else:
			conditions.append(_criterion(Field(field, table=vs), op, value))
	return vs, Criterion.all(conditions), [v.key for v in fhir_map.VITALS if v.key in keys]


def measured(vs, keys: list[str]):
	"""How many of the vitals ``keys`` a Vital Signs row measured: the SQL twin of
	``fhir_map.vital_keys`` (text fields must match fhir_map.NUMBER once trimmed)."""

	def taken(vital, field):
		column = Field(field, table=vs)
		return Trim(column).regexp(fhir_map.NUMBER) if vital.text else column > 0

	terms = [
		Case().when(Criterion.any([taken(v, f) for f in v.fields]), 1).else_(0)
		for v in fhir_map.VITALS
		if v.key in keys
	]
	total = terms[0]
	for term in terms[1:]:
		total = total + term
	return total


def count_vital_signs(filters: list) -> int:
	vs, where, keys = vital_signs_query(filters)
	if not keys:
		return 0
	return int(frappe.qb.from_(vs).select(Sum(measured(vs, keys))).where(where).run()[0][0] or 0)


def fetch_vital_signs(filters: list, limit: int = 0, offset: int = 0) -> list:
	"""A row per Observation, the ``vital`` key naming which: documents in their order
	(creation, name), each its vitals in the order of fhir_map.VITALS. The database sums
	the Observations of the documents before each (a window), so a page reads only the
	documents it shows."""
	vs, where, keys = vital_signs_query(filters)
	if not keys:
		return []
	n = measured(vs, keys)
	documents = (
		frappe.qb.from_(vs)
		.select(
			*(Field(f, table=vs) for f in VITAL_SIGNS_FIELDS),
			vs.custom_practice.as_("practice"),
			n.as_("n"),
			analytics.Sum(n).orderby(vs.creation, vs.name).as_("upto"),
		)
		.where(where)
		.where(n > 0)
	)
	query = frappe.qb.from_(documents).select("*").where(documents.upto > offset).orderby(documents.upto)
	if limit:
		query = query.limit(limit)  # every document gives one Observation at least
	rows = []
	for doc in query.run(as_dict=True):
		first = int(doc.upto) - int(doc.n)  # the place of its first Observation
		for i, key in enumerate(fhir_map.vital_keys(doc, keys)):
			if first + i >= offset:
				rows.append(frappe._dict(doc, vital=key))
	return rows[:limit] if limit else rows


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
	total = count_matches(rtype, filters, or_filters)
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
	if (rtype, key) in DATE_FIELD:
		match = DATE_PREFIX.match(value)
		if not match:
			raise FHIRError(
				400, "invalid", f"{key} must look like 2026-01-31, with an optional prefix such as ge"
			)
		try:
			day = date.fromisoformat(match.group(2))
		except ValueError:
			raise FHIRError(400, "invalid", f"Not a date: {value}") from None
		return [[DATE_FIELD[rtype, key], OPERATORS[match.group(1) or "eq"], day]], None
	if key in ("patient", "practitioner"):
		return [[key, "=", fhir_map.frappe_name(value.split("/")[-1]) or ""]], None
	if key == "organization":  # Patient.managingOrganization: the practice
		field = get_scope(DOCTYPE[rtype]).field
		return [[field, "=", fhir_map.frappe_name(value.split("/")[-1]) or ""]], None
	if key == "status":
		statuses = fhir_map.frappe_statuses(rtype, value)
		if not statuses:
			raise FHIRError(400, "invalid", f"Unknown status: {value}")
		field = "status" if rtype == "Appointment" else "docstatus"
		return [[field, "in", statuses]], None
	if key in ("clinical-status", "criticality"):
		allowed = {
			("AllergyIntolerance", "clinical-status"): fhir_map.ALLERGY_CLINICAL_STATUS,
			("AllergyIntolerance", "criticality"): fhir_map.ALLERGY_CRITICALITY,
			("Condition", "clinical-status"): fhir_map.CONDITION_CLINICAL_STATUS,
		}[rtype, key]
		codes = tokens(value)
		if not codes or any(c not in allowed for c in codes):
			raise FHIRError(400, "invalid", f"Unknown {key}: {value}")
		return [["status" if key == "clinical-status" else key, "in", codes]], None
	if key == "code" and rtype == "Condition":
		codes = tokens(value, fhir_map.ICD10)
		return [["code", "in", codes] if codes else NOTHING], None
	if key == "code":  # Observation: the LOINC codes of the vitals
		codes = set(tokens(value, fhir_map.LOINC))
		return [["vital", "in", [v.key for v in fhir_map.VITALS if v.loinc in codes]]], None
	if key == "category":
		vital_signs = fhir_map.VITAL_SIGNS in tokens(value, f"{fhir_map.TERMINOLOGY}/observation-category")
		return [["vital", "in", list(fhir_map.VITAL_BY_KEY) if vital_signs else []]], None
	raise FHIRError(400, "not-supported", f"Unknown search parameter: {key}")


def tokens(value: str, system: str | None = None) -> list[str]:
	"""The codes of a token parameter: ``code``, ``system|code`` or ``|code``, commas
	between alternatives; a code of another system than ``system`` matches nothing."""
	out = []
	for item in value.split(","):
		item_system, _bar, code = item.strip().rpartition("|")
		if code and (not item_system or not system or item_system == system):
			out.append(code)
	return out


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


EVERYTHING = (
	"Appointment",
	"Encounter",
	"AllergyIntolerance",
	"Condition",
	"MedicationRequest",
	"Observation",
)


def everything(caller: Caller, patient_id: str, args=None):
	"""The patient, their appointments, encounters, allergies, problems, prescriptions and
	vital signs, and the practitioners and practice they name: a page of ``_count`` of the
	patient's records at ``_offset`` (the patient on every page)."""
	args = args or {}
	count = _int(args.get("_count"), DEFAULT_COUNT, "_count", 1, MAX_COUNT)
	offset = _int(args.get("_offset"), 0, "_offset", 0, 10**9)
	patient = read(caller, "Patient", patient_id)
	ref = [["patient", "=", fhir_map.frappe_name(patient_id)]]
	parts = [(rtype, [*scope_filters(caller, rtype), *ref]) for rtype in EVERYTHING]
	counts = [count_matches(rtype, filters) for rtype, filters in parts]
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
