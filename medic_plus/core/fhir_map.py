"""Frappe rows (plain dicts) -> FHIR resources, built and validated with fhir.resources.

Pure: no Frappe import. The models are FHIR R4B (4.3.0), the current release of FHIR
R4 that fhir.resources ships.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fhir.resources.R4B import __fhir_version__ as FHIR_VERSION
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner

SYSTEM = "urn:medic-plus"
GENDER = {
	"male": "male",
	"female": "female",
	"other": "other",
	"transgender": "other",
	"non-conforming": "other",
}
APPOINTMENT_STATUS = {
	"Scheduled": "booked",
	"Confirmed": "booked",
	"Open": "pending",
	"Checked In": "arrived",
	"Checked Out": "fulfilled",
	"Closed": "fulfilled",
	"Cancelled": "cancelled",
	"No Show": "noshow",
}
ENCOUNTER_STATUS = {0: "in-progress", 1: "finished", 2: "cancelled"}
SEARCH_PARAMS = {
	"Patient": ("_id", "identifier", "name", "birthdate", "gender"),
	"Practitioner": ("_id", "identifier", "name"),
	"Organization": ("_id", "identifier", "name"),
	"Appointment": ("_id", "patient", "date", "status", "practitioner"),
	"Encounter": ("_id", "patient", "date", "status", "practitioner"),
}


_ID_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_ID_RE = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def fhir_id(name: str) -> str:
	"""A Frappe document name as an FHIR id ([A-Za-z0-9-.], at most 64): characters
	outside the set, and ".", are written as ".XX" per UTF-8 byte ("Mia Schulz" ->
	"Mia.20Schulz"); names that are already valid ids stay as they are."""
	return "".join(c if c in _ID_SAFE else "".join(f".{b:02X}" for b in c.encode()) for c in str(name))


def frappe_name(resource_id: str) -> str | None:
	"""The document name behind an FHIR id, or None when it is not one of ours."""
	if not resource_id or not _ID_RE.match(resource_id):
		return None
	out, i = bytearray(), 0
	while i < len(resource_id):
		c = resource_id[i]
		if c == ".":
			try:
				out.append(int(resource_id[i + 1 : i + 3], 16))
			except ValueError:
				return None
			i += 3
		else:
			out += c.encode()
			i += 1
	try:
		return out.decode()
	except UnicodeDecodeError:
		return None


def _ref(rtype: str, name: str) -> dict:
	return {"reference": f"{rtype}/{fhir_id(name)}"}


def frappe_statuses(resource: str, fhir_status: str) -> list:
	"""The Frappe values behind a FHIR status (for searching)."""
	if resource == "Appointment":
		return [k for k, v in APPOINTMENT_STATUS.items() if v == fhir_status]
	return [k for k, v in ENCOUNTER_STATUS.items() if v == fhir_status]


def _clean(d: Mapping) -> dict:
	return {k: v for k, v in d.items() if v not in (None, "", [], {})}


def _telecom(email=None, phone=None, mobile=None) -> list:
	out = []
	if phone:
		out.append({"system": "phone", "value": phone, "use": "work"})
	if mobile:
		out.append({"system": "phone", "value": mobile, "use": "mobile"})
	if email:
		out.append({"system": "email", "value": email})
	return out


def _instant(day: date | str | None, at, tz: str) -> str | None:
	"""A wall-clock date and time of the practice as an FHIR instant with its offset."""
	if not day:
		return None
	day = date.fromisoformat(str(day)) if not isinstance(day, date) else day
	if isinstance(at, timedelta):
		seconds = int(at.total_seconds())
		at = time(seconds // 3600, (seconds % 3600) // 60, seconds % 60)
	elif isinstance(at, str):
		at = time.fromisoformat(at)
	local = datetime.combine(day, at or time(0)).replace(tzinfo=ZoneInfo(tz or "UTC"))
	return local.isoformat(timespec="seconds")


def patient(row: Mapping) -> Patient:
	given = [n for n in (row.get("first_name"), row.get("middle_name")) if n]
	return Patient.model_validate(
		_clean(
			{
				"resourceType": "Patient",
				"id": fhir_id(row["name"]),
				"identifier": [{"system": f"{SYSTEM}/patient", "value": row["name"]}],
				"active": row.get("status", "Active") == "Active",
				"name": [
					_clean({"family": row.get("last_name"), "given": given, "text": row.get("patient_name")})
				],
				"gender": GENDER.get((row.get("sex") or "").lower(), "unknown"),
				"birthDate": str(row["dob"]) if row.get("dob") else None,
				"telecom": _telecom(row.get("email"), row.get("phone"), row.get("mobile")),
				"managingOrganization": _ref("Organization", row["practice"])
				if row.get("practice")
				else None,
			}
		)
	)


def practitioner(row: Mapping) -> Practitioner:
	identifiers = [{"system": f"{SYSTEM}/practitioner", "value": row["name"]}]
	if row.get("registration"):
		identifiers.append({"system": f"{SYSTEM}/registration", "value": row["registration"]})
	given = [n for n in (row.get("first_name"), row.get("middle_name")) if n]
	return Practitioner.model_validate(
		_clean(
			{
				"resourceType": "Practitioner",
				"id": fhir_id(row["name"]),
				"identifier": identifiers,
				"active": row.get("status", "Active") == "Active",
				"name": [
					_clean(
						{"family": row.get("last_name"), "given": given, "text": row.get("practitioner_name")}
					)
				],
				"gender": GENDER.get((row.get("gender") or "").lower()),
				"telecom": _telecom(row.get("email_id"), None, row.get("mobile_phone")),
			}
		)
	)


def organization(row: Mapping) -> Organization:
	return Organization.model_validate(
		_clean(
			{
				"resourceType": "Organization",
				"id": fhir_id(row["name"]),
				"identifier": [
					{"system": f"{SYSTEM}/practice-slug", "value": row.get("slug")},
					{"system": f"{SYSTEM}/practice-code", "value": row.get("short_code")},
				],
				"active": row.get("status") == "Active",
				"type": [{"text": row.get("practice_type")}] if row.get("practice_type") else None,
				"name": row.get("practice_name"),
				"telecom": _telecom(row.get("email"), row.get("phone")),
				"address": [{"text": row["address"].replace("\n", ", ")}] if row.get("address") else None,
			}
		)
	)


def appointment(row: Mapping, tz: str) -> Appointment:
	start = _instant(row.get("appointment_date"), row.get("appointment_time"), tz)
	end = None
	if start and row.get("duration"):
		end = (datetime.fromisoformat(start) + timedelta(minutes=int(row["duration"]))).isoformat(
			timespec="seconds"
		)
	participants = [{"actor": _ref("Patient", row["patient"]), "status": "accepted"}]
	if row.get("practitioner"):
		participants.append({"actor": _ref("Practitioner", row["practitioner"]), "status": "accepted"})
	identifiers = [{"system": f"{SYSTEM}/appointment", "value": row["name"]}]
	if row.get("booking_reference"):
		identifiers.append({"system": f"{SYSTEM}/booking-reference", "value": row["booking_reference"]})
	return Appointment.model_validate(
		_clean(
			{
				"resourceType": "Appointment",
				"id": fhir_id(row["name"]),
				"identifier": identifiers,
				"status": APPOINTMENT_STATUS.get(row.get("status"), "proposed"),
				"appointmentType": {"text": row.get("appointment_type")}
				if row.get("appointment_type")
				else None,
				"start": start,
				"end": end,
				"minutesDuration": int(row["duration"]) if row.get("duration") else None,
				"participant": participants,
			}
		)
	)


def encounter(row: Mapping, tz: str) -> Encounter:
	start = _instant(row.get("encounter_date"), row.get("encounter_time"), tz)
	return Encounter.model_validate(
		_clean(
			{
				"resourceType": "Encounter",
				"id": fhir_id(row["name"]),
				"identifier": [{"system": f"{SYSTEM}/encounter", "value": row["name"]}],
				"status": ENCOUNTER_STATUS.get(int(row.get("docstatus") or 0), "unknown"),
				"class": {
					"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
					"code": "AMB",
					"display": "ambulatory",
				},
				"subject": _ref("Patient", row["patient"]) if row.get("patient") else None,
				"participant": [{"individual": _ref("Practitioner", row["practitioner"])}]
				if row.get("practitioner")
				else None,
				"appointment": [_ref("Appointment", row["appointment"])] if row.get("appointment") else None,
				"period": {"start": start} if start else None,
				"serviceProvider": _ref("Organization", row["practice"]) if row.get("practice") else None,
			}
		)
	)


def bundle(resources: Iterable, base_url: str, total: int, links: Mapping[str, str]) -> Bundle:
	return Bundle.model_validate(
		{
			"resourceType": "Bundle",
			"type": "searchset",
			"total": total,
			"link": [{"relation": rel, "url": url} for rel, url in links.items()],
			"entry": [
				{
					"fullUrl": f"{base_url}/{r.get_resource_type()}/{r.id}",
					"resource": r,
					"search": {"mode": "match"},
				}
				for r in resources
			],
		}
	)


def outcome(code: str, diagnostics: str, severity: str = "error") -> OperationOutcome:
	return OperationOutcome.model_validate(
		{
			"resourceType": "OperationOutcome",
			"issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
		}
	)


def capability_statement(base_url: str, software_version: str, date_published: str) -> CapabilityStatement:
	resources = []
	for rtype, params in SEARCH_PARAMS.items():
		entry = {
			"type": rtype,
			"interaction": [{"code": "read"}, {"code": "search-type"}],
			"searchParam": [{"name": p, "type": _param_type(p)} for p in params],
		}
		if rtype == "Patient":
			entry["operation"] = [
				{
					"name": "everything",
					"definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
				}
			]
		resources.append(entry)
	return CapabilityStatement.model_validate(
		{
			"resourceType": "CapabilityStatement",
			"status": "active",
			"date": date_published,
			"kind": "instance",
			"software": {"name": "medic_plus", "version": software_version},
			"implementation": {"description": "Medic Plus read-only FHIR API", "url": base_url},
			"fhirVersion": FHIR_VERSION,
			"format": ["application/fhir+json"],
			"rest": [
				{
					"mode": "server",
					"security": {
						"description": "A logged-in session, or 'Authorization: Bearer <token>' with a FHIR Access Token of one practice. Read-only."
					},
					"resource": resources,
				}
			],
		}
	)


def _param_type(name: str) -> str:
	return {
		"_id": "token",
		"identifier": "token",
		"name": "string",
		"birthdate": "date",
		"date": "date",
		"gender": "token",
		"status": "token",
		"patient": "reference",
		"practitioner": "reference",
	}[name]


def to_json(resource) -> str:
	return resource.model_dump_json(exclude_none=True)
