"""FHIR resources (the ones ``fhir_map`` writes, from this platform or another system) read
back into what a practice keeps: the values of a row, and the resources it refers to.

Pure: no Frappe import. What it cannot keep is refused with a reason (``Refused``); a
reference is left as ``(resource type, id)`` for the import to resolve within the
practice it imports into (``fhir/imports.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from medic_plus.core import fhir_map

# the order a file's resources are kept in: what a row refers to comes first
ORDER = (
	"Practitioner",
	"Patient",
	"Appointment",
	"Encounter",
	"AllergyIntolerance",
	"Condition",
	"MedicationRequest",
	"Observation",
)
# FHIR gender -> Healthcare's Gender (a patient needs one: "unknown", or none, is not said)
SEX = {"male": "Male", "female": "Female", "other": "Other", "unknown": "Prefer not to say"}
UNKNOWN_SEX = "Prefer not to say"
APPOINTMENT_STATUS = {
	"booked": "Scheduled",
	"pending": "Open",
	"proposed": "Open",
	"arrived": "Checked In",
	"checked-in": "Checked In",
	"fulfilled": "Closed",
	"cancelled": "Cancelled",
	"noshow": "No Show",
}
ENCOUNTER_DOCSTATUS = {"in-progress": 0, "planned": 0, "arrived": 0, "finished": 1, "cancelled": 2}
# "<dosage> (<form>) for <period>. <comment>", as fhir_map.medication_request writes it
_INSTRUCTION = re.compile(
	r"^(?P<dosage>.*?)(?: \((?P<form>[^()]*)\))?(?: for (?P<period>[^.]*?))?(?:\. (?P<comment>.*))?$"
)


class Refused(ValueError):
	"""A resource the import cannot keep, and why (shown on its line)."""


@dataclass
class Read:
	"""A resource as a practice keeps it."""

	rtype: str
	id: str
	values: dict
	# field -> (resource type, id) it refers to
	refs: dict[str, tuple[str, str]] = field(default_factory=dict)
	# identifiers it may match an existing record by: (system, value)
	identifiers: tuple[tuple[str, str], ...] = ()


_KIND = re.compile(r'"resourceType"\s*:\s*"([A-Za-z]+)"')


def lines(text_lines: Iterable[str], only: str | None = None) -> Iterator[tuple[int, dict | Refused]]:
	"""(line number, resource or why it is not one) of NDJSON; blank lines are skipped.
	``only``: a resource type; a line that says another type is skipped unread."""
	for number, line in enumerate(text_lines, start=1):
		line = line.strip()
		if not line:
			continue
		if only is not None and (kind := _KIND.search(line)) and kind.group(1) != only:
			continue
		try:
			resource = json.loads(line)
		except ValueError as e:
			yield number, Refused(f"not JSON: {e.msg}")
			continue
		yield number, resource if isinstance(resource, dict) else Refused("not a FHIR resource")


def bundle(resource: Mapping) -> Iterator[tuple[int, dict | Refused]]:
	"""(entry number, resource) of a Bundle."""
	if resource.get("resourceType") != "Bundle":
		raise Refused("a Bundle was expected")
	for number, entry in enumerate(resource.get("entry") or [], start=1):
		inner = entry.get("resource") if isinstance(entry, Mapping) else None
		yield number, inner if isinstance(inner, dict) else Refused("an entry without a resource")


# a CSV of patients: each header (folded, without spaces, dashes and underscores) -> field
CSV_HEADERS = {
	"id": "id",
	"sourceid": "id",
	"externalid": "id",
	"patientid": "id",
	"firstname": "first_name",
	"givenname": "first_name",
	"middlename": "middle_name",
	"lastname": "last_name",
	"surname": "last_name",
	"familyname": "last_name",
	"gender": "gender",
	"sex": "gender",
	"dateofbirth": "dob",
	"dob": "dob",
	"birthdate": "dob",
	"email": "email",
	"emailaddress": "email",
	"mobile": "mobile",
	"mobilenumber": "mobile",
	"cellphone": "mobile",
	"phone": "phone",
	"telephone": "phone",
}
CSV_GENDER = {"m": "male", "male": "male", "f": "female", "female": "female", "other": "other", "o": "other"}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def csv_patients(text_lines: Iterable[str]) -> Iterator[tuple[int, dict | Refused]]:
	"""(line number, a Patient resource or why not) of a CSV of patients (a header row;
	columns as CSV_HEADERS names them, in any case). A row without an id column is known
	by its name, birth date and contact, so the same file imported again matches it."""
	import csv
	import hashlib

	reader = csv.reader(text_lines)
	header = next(reader, None)
	if not header:
		return
	fields = [CSV_HEADERS.get(re.sub(r"[\s_\-]", "", h).casefold()) for h in header]
	if "first_name" not in fields:
		yield 1, Refused("the first row must name the columns, with one for the first name")
		return
	for number, cells in enumerate(reader, start=2):
		row = {f: (c or "").strip() for f, c in zip(fields, cells, strict=False) if f}
		if not any(row.values()):
			continue
		if row.get("dob") and not _DAY.match(row["dob"]):
			yield number, Refused(f"the date of birth must read like 1990-05-17, not {row['dob']}")
			continue
		key = "|".join(
			row.get(f, "").casefold() for f in ("first_name", "last_name", "dob", "email", "mobile")
		)
		resource = {
			"resourceType": "Patient",
			"id": row.get("id") or "csv-" + hashlib.sha256(key.encode()).hexdigest()[:24],
			"name": [_clean_name(row)],
			"gender": CSV_GENDER.get(row.get("gender", "").casefold(), "unknown"),
			"birthDate": row.get("dob") or None,
			"telecom": [
				t
				for t in (
					{"system": "email", "value": row.get("email")},
					{"system": "phone", "use": "mobile", "value": row.get("mobile")},
					{"system": "phone", "value": row.get("phone")},
				)
				if t["value"]
			],
		}
		yield number, {k: v for k, v in resource.items() if v not in (None, [], "")}


def _clean_name(row: Mapping) -> dict:
	given = [n for n in (row.get("first_name"), row.get("middle_name")) if n]
	return {k: v for k, v in {"family": row.get("last_name"), "given": given}.items() if v}


def read(resource: Mapping, tz: str) -> Read:
	"""The resource as a row; Refused when it is not FHIR, not a kind a practice keeps, or
	lacks what the row needs. Times are turned into the practice's (``tz``) wall clock."""
	rtype = resource.get("resourceType")
	if rtype not in READERS:
		raise Refused(f"{rtype or 'a resource without resourceType'} is not imported")
	try:
		model = fhir_map_model(rtype).model_validate(resource)
	except ValidationError as e:
		first = e.errors()[0]
		where = ".".join(str(p) for p in first.get("loc", ()))
		raise Refused(f"not valid FHIR {rtype}: {where} {first.get('msg', '')}".strip()) from None
	if not model.id:
		raise Refused(f"{rtype} without an id")
	body = json.loads(model.model_dump_json(exclude_none=True))
	return READERS[rtype](body, tz)


def fhir_map_model(rtype: str):
	from fhir.resources.R4B import get_fhir_model_class

	return get_fhir_model_class(rtype)


def reference(value: Mapping | None, rtype: str) -> str | None:
	"""The id a reference names when it is to ``rtype`` ("Patient/x", or a full URL)."""
	ref = (value or {}).get("reference") or ""
	parts = ref.rstrip("/").split("/")
	if len(parts) >= 2 and parts[-2] == rtype and parts[-1]:
		return parts[-1]
	return None


def identifiers(body: Mapping) -> tuple[tuple[str, str], ...]:
	return tuple(
		(i.get("system") or "", i.get("value") or "") for i in body.get("identifier") or [] if i.get("value")
	)


def local(instant: str | None, tz: str) -> datetime | None:
	"""An FHIR date or dateTime as a naive wall-clock time of ``tz``."""
	if not instant:
		return None
	if len(instant) == 10:
		return datetime.combine(date.fromisoformat(instant), datetime.min.time())
	moment = datetime.fromisoformat(instant.replace("Z", "+00:00"))
	if moment.tzinfo is None:
		return moment
	return moment.astimezone(ZoneInfo(tz or "UTC")).replace(tzinfo=None)


def _day(value: str | None) -> str | None:
	return value[:10] if value else None


def _code(concept: Mapping | None, system: str | None = None) -> tuple[str | None, str | None]:
	"""(code, display) of the concept's first coding (of ``system`` when given)."""
	for coding in (concept or {}).get("coding") or []:
		if system is None or coding.get("system") == system:
			return coding.get("code"), coding.get("display")
	return None, None


def _note(body: Mapping) -> str | None:
	notes = [n.get("text") for n in body.get("note") or [] if n.get("text")]
	return "\n".join(notes) or None


def _required(rtype: str, refs: Mapping[str, tuple[str, str] | None], *fields: str) -> dict:
	for name in fields:
		if not refs.get(name):
			raise Refused(f"{rtype} without its {name}")
	return {k: v for k, v in refs.items() if v}


# --- each kind ----------------------------------------------------------------------------


def patient(body: Mapping, tz: str) -> Read:
	name = (body.get("name") or [{}])[0]
	given = name.get("given") or []
	first = given[0] if given else None
	last = name.get("family")
	if not first and not last:
		text = (name.get("text") or "").split()
		first, last = (text[0], " ".join(text[1:]) or None) if text else (None, None)
	if not first:
		raise Refused("Patient without a name")
	values = {
		"first_name": first,
		"middle_name": " ".join(given[1:]) or None,
		"last_name": last,
		"sex": SEX.get(body.get("gender") or "", UNKNOWN_SEX),
		"dob": body.get("birthDate"),
		"status": "Active" if body.get("active", True) else "Disabled",
	}
	for contact in body.get("telecom") or []:
		system, value, use = contact.get("system"), contact.get("value"), contact.get("use")
		if system == "email" and not values.get("email"):
			values["email"] = value
		elif system == "phone" and use == "mobile" and not values.get("mobile"):
			values["mobile"] = value
		elif system == "phone" and not values.get("phone"):
			values["phone"] = value
	return Read("Patient", body["id"], values, identifiers=identifiers(body))


def practitioner(body: Mapping, tz: str) -> Read:
	name = (body.get("name") or [{}])[0]
	given = name.get("given") or []
	first = given[0] if given else None
	last = name.get("family")
	if not first:
		raise Refused("Practitioner without a first name")
	values = {
		"first_name": first,
		"middle_name": " ".join(given[1:]) or None,
		"last_name": last,
		"gender": SEX.get(body.get("gender") or ""),
		"status": "Active" if body.get("active", True) else "Disabled",
	}
	for contact in body.get("telecom") or []:
		if contact.get("system") == "phone" and not values.get("mobile_phone"):
			values["mobile_phone"] = contact.get("value")
	for system, value in identifiers(body):
		if system == f"{fhir_map.SYSTEM}/registration":
			values["custom_registration_number"] = value
	return Read("Practitioner", body["id"], values, identifiers=identifiers(body))


def appointment(body: Mapping, tz: str) -> Read:
	start = local(body.get("start"), tz)
	if not start:
		raise Refused("Appointment without a start")
	status = APPOINTMENT_STATUS.get(body.get("status") or "")
	if not status:
		raise Refused(f"Appointment status {body.get('status')} is not kept")
	minutes = body.get("minutesDuration")
	if not minutes and body.get("end"):
		minutes = int((local(body["end"], tz) - start).total_seconds() // 60)
	refs = {"patient": None, "practitioner": None}
	for participant in body.get("participant") or []:
		actor = participant.get("actor")
		for rtype, field_name in (("Patient", "patient"), ("Practitioner", "practitioner")):
			if (found := reference(actor, rtype)) and not refs[field_name]:
				refs[field_name] = (rtype, found)
	values = {
		"appointment_date": start.date().isoformat(),
		"appointment_time": start.time().isoformat(),
		"duration": minutes or None,
		"status": status,
		"appointment_type": (body.get("appointmentType") or {}).get("text"),
	}
	for system, value in identifiers(body):
		if system == f"{fhir_map.SYSTEM}/booking-reference":
			values["custom_booking_reference"] = value
	return Read(
		"Appointment", body["id"], values, _required("Appointment", refs, "patient"), identifiers(body)
	)


def encounter(body: Mapping, tz: str) -> Read:
	start = local((body.get("period") or {}).get("start"), tz)
	if not start:
		raise Refused("Encounter without a start")
	status = body.get("status")
	if status not in ENCOUNTER_DOCSTATUS:
		raise Refused(f"Encounter status {status} is not kept")
	practitioner_ref = None
	for participant in body.get("participant") or []:
		if found := reference(participant.get("individual"), "Practitioner"):
			practitioner_ref = ("Practitioner", found)
			break
	appointment_ref = None
	for ref in body.get("appointment") or []:
		if found := reference(ref, "Appointment"):
			appointment_ref = ("Appointment", found)
	refs = {
		"patient": ("Patient", p) if (p := reference(body.get("subject"), "Patient")) else None,
		"practitioner": practitioner_ref,
		"appointment": appointment_ref,
	}
	values = {
		"encounter_date": start.date().isoformat(),
		"encounter_time": start.time().isoformat(),
		"docstatus": ENCOUNTER_DOCSTATUS[status],
	}
	return Read(
		"Encounter",
		body["id"],
		values,
		_required("Encounter", refs, "patient", "practitioner"),
		identifiers(body),
	)


def allergy_intolerance(body: Mapping, tz: str) -> Read:
	status, _display = _code(body.get("clinicalStatus"))
	concept = body.get("code") or {}
	code, display = _code(concept)
	substance = concept.get("text") or display or code
	if not substance:
		raise Refused("AllergyIntolerance without a substance")
	reaction = " ".join(
		m.get("text") or _code(m)[1] or ""
		for r in body.get("reaction") or []
		for m in r.get("manifestation") or []
	).strip()
	categories = body.get("category") or []
	values = {
		"status": status if status in fhir_map.ALLERGY_CLINICAL_STATUS else "active",
		"criticality": body.get("criticality")
		if body.get("criticality") in fhir_map.ALLERGY_CRITICALITY
		else "unable-to-assess",
		"substance": substance,
		"substance_code_value": code,
		"substance_system": (concept.get("coding") or [{}])[0].get("system"),
		"category": categories[0] if categories and categories[0] in fhir_map.ALLERGY_CATEGORY else None,
		"reaction": reaction or None,
		"recorded_on": _day(body.get("recordedDate")),
		"note": _note(body),
	}
	refs = {"patient": ("Patient", p) if (p := reference(body.get("patient"), "Patient")) else None}
	return Read(
		"AllergyIntolerance",
		body["id"],
		values,
		_required("AllergyIntolerance", refs, "patient"),
		identifiers(body),
	)


def condition(body: Mapping, tz: str) -> Read:
	status, _display = _code(body.get("clinicalStatus"))
	code, display = _code(body.get("code"), fhir_map.ICD10)
	if not code:
		raise Refused("Condition without an ICD-10 code")
	chronic = any(
		e.get("url") == fhir_map.CHRONIC_EXTENSION and e.get("valueBoolean")
		for e in body.get("extension") or []
	)
	values = {
		"status": status if status in fhir_map.CONDITION_CLINICAL_STATUS else "active",
		"chronic": 1 if chronic else 0,
		"code": code,
		"condition_name": (body.get("code") or {}).get("text") or display,
		"onset": _day(body.get("onsetDateTime")),
		"abatement": _day(body.get("abatementDateTime")),
		"recorded_on": _day(body.get("recordedDate")),
		"note": _note(body),
	}
	refs = {
		"patient": ("Patient", p) if (p := reference(body.get("subject"), "Patient")) else None,
		"source_encounter": ("Encounter", e)
		if (e := reference(body.get("encounter"), "Encounter"))
		else None,
	}
	return Read("Condition", body["id"], values, _required("Condition", refs, "patient"), identifiers(body))


def medication_request(body: Mapping, tz: str) -> Read:
	medication = (body.get("medicationCodeableConcept") or {}).get("text") or _code(
		body.get("medicationCodeableConcept")
	)[1]
	if not medication:
		raise Refused("MedicationRequest without a medication")
	instruction = " ".join(d.get("text") or "" for d in body.get("dosageInstruction") or []).strip()
	parts = _INSTRUCTION.match(instruction).groupdict() if instruction else {}
	values = {
		"drug_name": medication,
		"dosage": parts.get("dosage") or None,
		"dosage_form": parts.get("form") or None,
		"period": parts.get("period") or None,
		"comment": parts.get("comment") or None,
		"instruction": instruction or None,
	}
	refs = {
		"patient": ("Patient", p) if (p := reference(body.get("subject"), "Patient")) else None,
		"encounter": ("Encounter", e) if (e := reference(body.get("encounter"), "Encounter")) else None,
	}
	return Read(
		"MedicationRequest",
		body["id"],
		values,
		_required("MedicationRequest", refs, "patient", "encounter"),
		identifiers(body),
	)


def observation(body: Mapping, tz: str) -> Read:
	"""One vital as the fields of a Vital Signs document; ``group`` (in values) names the
	document it belongs to: the id before its vital key (as this platform writes them),
	else the patient, encounter and time."""
	codes = {
		c.get("code")
		for c in (body.get("code") or {}).get("coding") or []
		if c.get("system") == fhir_map.LOINC
	}
	vital = next((v for v in fhir_map.VITALS if v.loinc in codes), None)
	if not vital:
		raise Refused("Observation that is not a vital sign this platform keeps")
	when = local(body.get("effectiveDateTime"), tz)
	if not when:
		raise Refused("Observation without its time")
	fields: dict = {}
	if vital.components:
		for component in body.get("component") or []:
			code, _display = _code(component.get("code"), fhir_map.LOINC)
			for name, loinc, _label in vital.components:
				if code == loinc and "valueQuantity" in component:
					fields[name] = _number(component["valueQuantity"].get("value"), vital.text)
	elif "valueQuantity" in body:
		fields[vital.field] = _number(body["valueQuantity"].get("value"), vital.text)
	if not fields:
		raise Refused("Observation without a value")
	patient_id = reference(body.get("subject"), "Patient")
	encounter_id = reference(body.get("encounter"), "Encounter")
	ours = fhir_map.split_vital_signs_id(body["id"])
	group = ours[0] if ours else f"{patient_id}|{encounter_id}|{when.isoformat()}"
	values = {
		**fields,
		"signs_date": when.date().isoformat(),
		"signs_time": when.time().isoformat(),
		"group": group,
	}
	refs = {
		"patient": ("Patient", patient_id) if patient_id else None,
		"encounter": ("Encounter", encounter_id) if encounter_id else None,
	}
	return Read(
		"Observation", body["id"], values, _required("Observation", refs, "patient"), identifiers(body)
	)


def _number(value, text: bool):
	if value is None:
		return None
	number = float(value)
	if text:
		return f"{number:g}"
	return number


READERS = {
	"Patient": patient,
	"Practitioner": practitioner,
	"Appointment": appointment,
	"Encounter": encounter,
	"AllergyIntolerance": allergy_intolerance,
	"Condition": condition,
	"MedicationRequest": medication_request,
	"Observation": observation,
}
