"""Frappe rows (plain dicts) -> FHIR resources, built and validated with fhir.resources.

Pure: no Frappe import. The models are FHIR R4B (4.3.0), the current release of FHIR
R4 that fhir.resources ships.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from fhir.resources.R4B import __fhir_version__ as FHIR_VERSION
from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
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
# a drug prescription row is a request of its encounter: drafted, active once submitted
MEDICATION_REQUEST_STATUS = {0: "draft", 1: "active", 2: "cancelled"}
# Patient Allergy and Patient Problem keep the FHIR codes themselves
ALLERGY_CLINICAL_STATUS = ("active", "inactive", "resolved")
ALLERGY_CRITICALITY = ("low", "high", "unable-to-assess")
ALLERGY_CATEGORY = ("food", "medication", "environment", "biologic")
CONDITION_CLINICAL_STATUS = ("active", "recurrence", "relapse", "inactive", "remission", "resolved")
SEARCH_PARAMS = {
	"Patient": ("_id", "identifier", "name", "birthdate", "gender", "organization"),
	"Practitioner": ("_id", "identifier", "name"),
	"Organization": ("_id", "identifier", "name"),
	"Appointment": ("_id", "patient", "date", "status", "practitioner"),
	"Encounter": ("_id", "patient", "date", "status", "practitioner"),
	"AllergyIntolerance": ("_id", "patient", "date", "clinical-status", "criticality"),
	"Condition": ("_id", "patient", "date", "recorded-date", "clinical-status", "code"),
	"MedicationRequest": ("_id", "patient", "date", "authoredon", "status"),
	"Observation": ("patient", "date", "code", "category"),
}

TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CHRONIC_EXTENSION = f"{SYSTEM}/chronic"
BULK_DATA = "http://hl7.org/fhir/uv/bulkdata"
VITAL_SIGNS = "vital-signs"


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
	if resource == "MedicationRequest":
		return [k for k, v in MEDICATION_REQUEST_STATUS.items() if v == fhir_status]
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
	return Patient.model_validate(patient_body(row))


def patient_body(row: Mapping) -> dict:
	given = [n for n in (row.get("first_name"), row.get("middle_name")) if n]
	return _clean(
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
			"managingOrganization": _ref("Organization", row["practice"]) if row.get("practice") else None,
		}
	)


def practitioner(row: Mapping) -> Practitioner:
	return Practitioner.model_validate(practitioner_body(row))


def practitioner_body(row: Mapping) -> dict:
	identifiers = [{"system": f"{SYSTEM}/practitioner", "value": row["name"]}]
	if row.get("registration"):
		identifiers.append({"system": f"{SYSTEM}/registration", "value": row["registration"]})
	given = [n for n in (row.get("first_name"), row.get("middle_name")) if n]
	return _clean(
		{
			"resourceType": "Practitioner",
			"id": fhir_id(row["name"]),
			"identifier": identifiers,
			"active": row.get("status", "Active") == "Active",
			"name": [
				_clean({"family": row.get("last_name"), "given": given, "text": row.get("practitioner_name")})
			],
			"gender": GENDER.get((row.get("gender") or "").lower()),
			"telecom": _telecom(row.get("email_id"), None, row.get("mobile_phone")),
		}
	)


def organization(row: Mapping) -> Organization:
	return Organization.model_validate(organization_body(row))


def organization_body(row: Mapping) -> dict:
	return _clean(
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


def appointment(row: Mapping, tz: str) -> Appointment:
	return Appointment.model_validate(appointment_body(row, tz))


def appointment_body(row: Mapping, tz: str) -> dict:
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
	return _clean(
		{
			"resourceType": "Appointment",
			"id": fhir_id(row["name"]),
			"identifier": identifiers,
			"status": APPOINTMENT_STATUS.get(row.get("status"), "proposed"),
			"appointmentType": {"text": row.get("appointment_type")} if row.get("appointment_type") else None,
			"start": start,
			"end": end,
			"minutesDuration": int(row["duration"]) if row.get("duration") else None,
			"participant": participants,
		}
	)


def encounter(row: Mapping, tz: str) -> Encounter:
	return Encounter.model_validate(encounter_body(row, tz))


def encounter_body(row: Mapping, tz: str) -> dict:
	start = _instant(row.get("encounter_date"), row.get("encounter_time"), tz)
	return _clean(
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


def _coding(system: str, code: str, display: str | None = None) -> dict:
	return _clean({"system": system, "code": code, "display": display})


def _concept(system: str, code: str | None, display: str | None = None) -> dict | None:
	return {"coding": [_coding(system, code, display)]} if code else None


def _date(value) -> str | None:
	return str(value) if value else None


def _note(text: str | None) -> list | None:
	return [{"text": text}] if text and text.strip() else None


def allergy_intolerance(row: Mapping) -> AllergyIntolerance:
	return AllergyIntolerance.model_validate(allergy_intolerance_body(row))


def allergy_intolerance_body(row: Mapping) -> dict:
	"""A Patient Allergy row; ``substance_code_value``, ``substance_display`` and
	``substance_system`` (the Code System's uri) describe its ``substance_code``."""
	status = row.get("status") if row.get("status") in ALLERGY_CLINICAL_STATUS else None
	coding = None
	if row.get("substance_code"):
		coding = [
			_clean(
				{
					"system": row.get("substance_system"),
					"code": row.get("substance_code_value") or row["substance_code"],
					"display": row.get("substance_display"),
				}
			)
		]
	reaction = " ".join((row.get("reaction") or "").split())
	return _clean(
		{
			"resourceType": "AllergyIntolerance",
			"id": fhir_id(row["name"]),
			"identifier": [{"system": f"{SYSTEM}/allergy", "value": row["name"]}],
			"clinicalStatus": _concept(
				f"{TERMINOLOGY}/allergyintolerance-clinical", status, (status or "").capitalize()
			),
			"verificationStatus": _concept(
				f"{TERMINOLOGY}/allergyintolerance-verification", "confirmed", "Confirmed"
			),
			"category": [row["category"]] if row.get("category") in ALLERGY_CATEGORY else None,
			"criticality": row.get("criticality") if row.get("criticality") in ALLERGY_CRITICALITY else None,
			"code": _clean({"coding": coding, "text": row.get("substance")}) or None,
			"patient": _ref("Patient", row["patient"]),
			"recordedDate": _date(row.get("recorded_on")),
			"reaction": [{"manifestation": [{"text": reaction}]}] if reaction else None,
			"note": _note(row.get("note")),
		}
	)


def condition(row: Mapping) -> Condition:
	return Condition.model_validate(condition_body(row))


def condition_body(row: Mapping) -> dict:
	"""A Patient Problem row: a condition of the problem list, coded in ICD-10; whether it
	is chronic is the extension ``urn:medic-plus/chronic``."""
	status = row.get("status") if row.get("status") in CONDITION_CLINICAL_STATUS else None
	code = None
	if row.get("code") or row.get("condition_name"):
		code = _clean(
			{
				"coding": [_coding(ICD10, row["code"], row.get("condition_name"))]
				if row.get("code")
				else None,
				"text": row.get("condition_name"),
			}
		)
	return _clean(
		{
			"resourceType": "Condition",
			"id": fhir_id(row["name"]),
			"extension": [{"url": CHRONIC_EXTENSION, "valueBoolean": bool(row.get("chronic"))}],
			"identifier": [{"system": f"{SYSTEM}/problem", "value": row["name"]}],
			"clinicalStatus": _concept(
				f"{TERMINOLOGY}/condition-clinical", status, (status or "").capitalize()
			),
			"verificationStatus": _concept(f"{TERMINOLOGY}/condition-ver-status", "confirmed", "Confirmed"),
			"category": [
				_concept(f"{TERMINOLOGY}/condition-category", "problem-list-item", "Problem List Item")
			],
			"code": code,
			"subject": _ref("Patient", row["patient"]),
			"encounter": _ref("Encounter", row["source_encounter"]) if row.get("source_encounter") else None,
			"onsetDateTime": _date(row.get("onset")),
			"abatementDateTime": _date(row.get("abatement")),
			"recordedDate": _date(row.get("recorded_on")),
			"note": _note(row.get("note")),
		}
	)


def medication_request(row: Mapping, tz: str) -> MedicationRequest:
	return MedicationRequest.model_validate(medication_request_body(row, tz))


def medication_request_body(row: Mapping, tz: str) -> dict:
	"""A Drug Prescription row with its encounter's ``encounter``, ``patient``,
	``practitioner``, ``encounter_date``, ``encounter_time`` and ``docstatus``."""
	medication = row.get("medication") or row.get("drug_name") or row.get("drug_code")
	dosage = " ".join(
		p
		for p in (
			row.get("dosage"),
			f"({row['dosage_form']})" if row.get("dosage_form") else None,
			f"for {row['period']}" if row.get("period") else None,
		)
		if p
	)
	comment = " ".join((row.get("comment") or "").split())
	instruction = ". ".join(p for p in (dosage, comment) if p)
	return _clean(
		{
			"resourceType": "MedicationRequest",
			"id": fhir_id(row["name"]),
			"identifier": [{"system": f"{SYSTEM}/drug-prescription", "value": row["name"]}],
			"status": MEDICATION_REQUEST_STATUS.get(int(row.get("docstatus") or 0), "unknown"),
			"intent": "order",
			"medicationCodeableConcept": {"text": medication or "Unspecified medication"},
			"subject": _ref("Patient", row["patient"]),
			"encounter": _ref("Encounter", row["encounter"]) if row.get("encounter") else None,
			"authoredOn": _instant(row.get("encounter_date"), row.get("encounter_time"), tz),
			"requester": _ref("Practitioner", row["practitioner"]) if row.get("practitioner") else None,
			"dosageInstruction": [{"text": instruction}] if instruction else None,
		}
	)


# --- vital signs ------------------------------------------------------------------------

# what a text field of Vital Signs must look like to be a measurement (one pattern for
# Python and for the database's REGEXP, after trimming spaces, so both count alike)
NUMBER = "^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$"
_NUMBER_RE = re.compile(NUMBER)


@dataclass(frozen=True)
class Vital:
	"""One Observation of a Vital Signs document: ``field`` holds its value, or
	``components`` (field, LOINC code, display) make it a panel."""

	key: str  # in the Observation's id: <vital signs name>-<key>
	loinc: str
	display: str
	unit: str
	ucum: str
	field: str | None = None
	components: tuple[tuple[str, str, str], ...] = ()
	text: bool = True  # a Data field that must read as a number; else a Float, 0 when not taken

	@property
	def fields(self) -> tuple[str, ...]:
		return tuple(c[0] for c in self.components) if self.components else (self.field,)


VITALS: tuple[Vital, ...] = (
	Vital("temp", "8310-5", "Body temperature", "°C", "Cel", "temperature"),
	Vital("hr", "8867-4", "Heart rate", "beats/minute", "/min", "pulse"),
	Vital("rr", "9279-1", "Respiratory rate", "breaths/minute", "/min", "respiratory_rate"),
	Vital(
		"bp",
		"85354-9",
		"Blood pressure panel with all children optional",
		"mmHg",
		"mm[Hg]",
		components=(
			("bp_systolic", "8480-6", "Systolic blood pressure"),
			("bp_diastolic", "8462-4", "Diastolic blood pressure"),
		),
	),
	# Healthcare keeps the height in metres
	Vital("height", "8302-2", "Body height", "m", "m", "height", text=False),
	Vital("weight", "29463-7", "Body weight", "kg", "kg", "weight", text=False),
	Vital("bmi", "39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", "kg/m2", "bmi", text=False),
)
VITAL_BY_KEY: dict[str, Vital] = {v.key: v for v in VITALS}
VITAL_SIGNS_CATEGORY = {
	"coding": [_coding(f"{TERMINOLOGY}/observation-category", VITAL_SIGNS, "Vital Signs")]
}


def measurement(value, text: bool = True) -> Decimal | None:
	"""The number in a field of Vital Signs, or None when there is none: text must match
	NUMBER once spaces are trimmed (a decimal comma is read as a point); a Float of 0 was
	not taken."""
	if value is None:
		return None
	if not text:
		return Decimal(str(value)) if float(value) > 0 else None
	value = str(value).strip(" ")
	if not _NUMBER_RE.match(value):
		return None
	return Decimal(value.strip().replace(",", "."))


def vital_keys(row: Mapping, keys: Iterable[str] | None = None) -> list[str]:
	"""The keys of the vitals the row measured (in the order of VITALS), of ``keys`` only
	when given."""
	wanted = set(VITAL_BY_KEY if keys is None else keys)
	return [
		v.key
		for v in VITALS
		if v.key in wanted and any(measurement(row.get(f), v.text) is not None for f in v.fields)
	]


def vital_signs_id(name: str, key: str) -> str:
	return fhir_id(f"{name}-{key}")


def split_vital_signs_id(resource_id: str) -> tuple[str, str] | None:
	"""(Vital Signs name, vital key) behind an Observation id, or None."""
	name = frappe_name(resource_id)
	if not name or "-" not in name:
		return None
	doc, key = name.rsplit("-", 1)
	return (doc, key) if doc and key in VITAL_BY_KEY else None


def _quantity(value: Decimal, vital: Vital) -> dict:
	return {"value": value, "unit": vital.unit, "system": UCUM, "code": vital.ucum}


def observation(row: Mapping, key: str, tz: str) -> Observation:
	return Observation.model_validate(observation_body(row, key, tz))


def observation_body(row: Mapping, key: str, tz: str) -> dict:
	"""The Observation of one vital of a Vital Signs row (raises ValueError when the row
	did not measure it); a panel whose one side is missing says why it is absent."""
	vital = VITAL_BY_KEY[key]
	if key not in vital_keys(row, (key,)):
		raise ValueError(f"{row.get('name')} has no {vital.display}")
	value, components = None, None
	if vital.components:
		components = []
		for field, loinc, display in vital.components:
			number = measurement(row.get(field), vital.text)
			component = {"code": {"coding": [_coding(LOINC, loinc, display)], "text": display}}
			if number is None:
				component["dataAbsentReason"] = _concept(
					f"{TERMINOLOGY}/data-absent-reason", "unknown", "Unknown"
				)
			else:
				component["valueQuantity"] = _quantity(number, vital)
			components.append(component)
	else:
		value = _quantity(measurement(row.get(vital.field), vital.text), vital)
	return _clean(
		{
			"resourceType": "Observation",
			"id": vital_signs_id(row["name"], key),
			"identifier": [{"system": f"{SYSTEM}/vital-signs", "value": f"{row['name']}-{key}"}],
			"status": "final",
			"category": [VITAL_SIGNS_CATEGORY],
			"code": {"coding": [_coding(LOINC, vital.loinc, vital.display)], "text": vital.display},
			"subject": _ref("Patient", row["patient"]),
			"encounter": _ref("Encounter", row["encounter"]) if row.get("encounter") else None,
			"effectiveDateTime": _instant(row.get("signs_date"), row.get("signs_time"), tz),
			"valueQuantity": value,
			"component": components,
		}
	)


def observations(row: Mapping, tz: str, keys: Iterable[str] | None = None) -> list[Observation]:
	"""An Observation per vital the Vital Signs row measured."""
	return [observation(row, key, tz) for key in vital_keys(row, keys)]


# the kinds of document a practice keeps, as DocumentReference.type codes of this system
DOCUMENT_TYPES = {
	"sick-note": "Sick note",
	"consultation-note": "Consultation note",
	"prescription": "Prescription",
	"attachment": "Attachment",
}


def document_reference(row: Mapping, tz: str) -> DocumentReference:
	return DocumentReference.model_validate(document_reference_body(row, tz))


def document_reference_body(row: Mapping, tz: str) -> dict:
	"""A document of a patient's record (a sick note, a consultation note, an attached
	file) and where its content is: ``kind`` (a DOCUMENT_TYPES key), ``name`` (the
	document's id), ``patient``, ``practice``, ``encounter``, ``practitioner``, ``title``,
	``content_type``, ``url``, ``size``, ``sha1`` (base64, as FHIR's Attachment.hash
	wants), ``created`` (a datetime of the practice) and ``docstatus``."""
	created = row.get("created")
	when = _instant(created.date(), created.time(), tz) if isinstance(created, datetime) else None
	return _clean(
		{
			"resourceType": "DocumentReference",
			"id": fhir_id(row["name"]),
			"identifier": [{"system": f"{SYSTEM}/document", "value": row["name"]}],
			"status": "entered-in-error" if int(row.get("docstatus") or 0) == 2 else "current",
			"docStatus": "final" if int(row.get("docstatus") or 0) == 1 else None,
			"type": {
				"coding": [_coding(f"{SYSTEM}/document-type", row["kind"], DOCUMENT_TYPES[row["kind"]])],
				"text": DOCUMENT_TYPES[row["kind"]],
			},
			"subject": _ref("Patient", row["patient"]) if row.get("patient") else None,
			"date": when,
			"author": [_ref("Practitioner", row["practitioner"])] if row.get("practitioner") else None,
			"custodian": _ref("Organization", row["practice"]) if row.get("practice") else None,
			"description": row.get("title"),
			"content": [
				{
					"attachment": _clean(
						{
							"contentType": row.get("content_type") or "application/octet-stream",
							"url": row.get("url"),
							"size": row.get("size"),
							"hash": row.get("sha1"),
							"title": row.get("title"),
							"creation": when,
						}
					)
				}
			],
			"context": {"encounter": [_ref("Encounter", row["encounter"])]} if row.get("encounter") else None,
		}
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
				},
				{"name": "export", "definition": f"{BULK_DATA}/OperationDefinition/patient-export"},
			]
		resources.append(entry)
	# a practice as a Group, for its bulk export
	resources.append(
		{
			"type": "Group",
			"operation": [{"name": "export", "definition": f"{BULK_DATA}/OperationDefinition/group-export"}],
		}
	)
	return CapabilityStatement.model_validate(
		{
			"resourceType": "CapabilityStatement",
			"instantiates": [f"{BULK_DATA}/CapabilityStatement/bulk-data"],
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
		"organization": "reference",
		"recorded-date": "date",
		"authoredon": "date",
		"clinical-status": "token",
		"criticality": "token",
		"code": "token",
		"category": "token",
	}[name]


def to_json(resource) -> str:
	return resource.model_dump_json(exclude_none=True)


def _number(value):
	"""A Decimal as the JSON number FHIR's decimal writes (an integral one without a point)."""
	if isinstance(value, Decimal):
		return int(value) if value == value.to_integral_value() else float(value)
	raise TypeError(f"{type(value).__name__} is not JSON")


def dumps(body: Mapping) -> str:
	"""A resource's body (a ``*_body`` builder's) as the JSON its validated model writes, at
	a fraction of the cost: for the bulk export, whose builders the unit tests hold to the
	models (``test_fhir_map.test_the_bodies_write_what_the_models_write``)."""
	return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=_number)
