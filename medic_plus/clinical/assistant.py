"""The assistant, Frappe side: a practice's settings, what the platform knows of the people
around a record (for the redactor), the request to the practice's provider, and its log.

A draft is made in four steps: the encounter's note is redacted (``core/redaction.py``);
a request that still holds a known identifier is refused unsent; the redacted note goes to
the provider's OpenAI-compatible chat API (``core/assistant.py`` builds it and reads the
answer); the answer gets its real values back only here, on its way to the doctor. Every
request is logged (AI Inference Log), the ones that fail too, and the access log records
the use as a read of the record.
"""

from __future__ import annotations

import json
import socket
import time
from datetime import date

import frappe
import requests
from frappe import _
from frappe.utils import now_datetime
from frappe.utils.password import get_decrypted_password

from medic_plus.core import assistant as core
from medic_plus.core import redaction
from medic_plus.core.access_log import Access
from medic_plus.privacy import access_log

SETTINGS = "Practice AI Settings"
LOG = "AI Inference Log"
FEATURE_LABELS = {
	core.PLAN: "Plan and Letter",
	core.REFERRAL: "Referral Letter",
	core.ICD10: "ICD-10 Suggestions",
}


class AssistantOffError(frappe.ValidationError):
	http_status_code = 403


class IdentifierLeakError(frappe.ValidationError):
	"""The redacted note still holds an identifier of the patient: not sent."""

	http_status_code = 422


class ProviderAddressError(frappe.ValidationError):
	http_status_code = 403


class ProviderError(frappe.ValidationError):
	"""The provider could not give an answer: down, refusing, or answering nonsense."""

	http_status_code = 502


class ProviderTimeoutError(ProviderError):
	http_status_code = 504


class ProviderBusyError(ProviderError):
	http_status_code = 429


# --- settings -----------------------------------------------------------------------------

PRIVATE_HOSTS = "medic_plus_ai_private_hosts"  # site config: providers on the platform's network


def check_provider_address(base_url: str | None) -> None:
	"""A practice's provider is on the public internet, unless the platform lists its host
	in the site config (``medic_plus_ai_private_hosts``, e.g. a vLLM or Ollama server of its
	own): no practice points the platform's requests at its internal services."""
	from urllib.parse import urlsplit

	host = urlsplit(base_url or "").hostname
	if not host or host in (frappe.conf.get(PRIVATE_HOSTS) or []):
		return
	try:
		addresses = [info[4][0] for info in socket.getaddrinfo(host, None)]
	except OSError:
		return  # unknown now: the request itself fails, as for any provider down
	if core.private(addresses):
		frappe.throw(
			_(
				"{0} is on the platform's own network. A provider there must be allowed by the platform "
				"first (site config {1})."
			).format(frappe.bold(frappe.utils.escape_html(host)), PRIVATE_HOSTS),
			ProviderAddressError,
			title=_("Provider"),
		)


def settings_for(practice: str | None):
	"""The practice's assistant settings, or None where it has none."""
	if not practice or not frappe.db.exists(SETTINGS, practice):
		return None
	return frappe.get_cached_doc(SETTINGS, practice)


def offered(practice: str | None) -> list[str]:
	"""The features the practice's assistant offers now (none while it is off)."""
	settings = settings_for(practice)
	return [f for f in core.FEATURES if settings and settings.offers(f)] if settings else []


# --- what the platform knows of the people around a record ------------------------------


def known_for(encounter) -> redaction.Known:
	"""The patient's names, relatives, numbers, contacts, addresses and dates of birth; the
	names of the practice, its staff and the record names; the day of the visit."""
	patient = frappe.db.get_value(
		"Patient",
		encounter.patient,
		[
			"name",
			"first_name",
			"middle_name",
			"last_name",
			"patient_name",
			"dob",
			"uid",
			"mobile",
			"phone",
			"email",
			"customer",
		],
		as_dict=True,
	)
	people = [redaction.Person("PATIENT", _names(patient))]
	identifiers = [patient.name, patient.uid, patient.customer, encounter.name, encounter.appointment]
	phones, emails, dates = [patient.mobile, patient.phone], [patient.email], [patient.dob]
	relation = frappe.qb.DocType("Patient Relation")
	relative = frappe.qb.DocType("Patient")
	for row in (
		frappe.qb.from_(relation)
		.join(relative)
		.on(relative.name == relation.patient)
		.select(
			relation.relation,
			relative.name,
			relative.first_name,
			relative.middle_name,
			relative.last_name,
			relative.patient_name,
			relative.dob,
			relative.uid,
			relative.mobile,
			relative.phone,
			relative.email,
		)
		.where((relation.parent == patient.name) & (relation.parenttype == "Patient"))
		.run(as_dict=True)
	):
		people.append(redaction.Person((row.relation or "RELATIVE").upper().replace(" ", "_"), _names(row)))
		identifiers += [row.name, row.uid]
		phones += [row.mobile, row.phone]
		emails.append(row.email)
		dates.append(row.dob)
	for aid in frappe.get_all(
		"Patient Medical Aid",
		filters={"patient": patient.name},
		fields=["member_number", "principal_member_name", "principal_member_id"],
	):
		identifiers += [aid.member_number, aid.principal_member_id]
		if aid.principal_member_name:
			people.append(redaction.Person("MAIN_MEMBER", tuple(aid.principal_member_name.split())))
	practice = (
		frappe.get_cached_value(
			"Practice",
			encounter.custom_practice,
			["practice_name", "phone", "email", "address"],
			as_dict=True,
		)
		or frappe._dict()
	)
	if practice.practice_name:
		people.append(redaction.Person("PRACTICE", tuple(practice.practice_name.split())))
	phones.append(practice.phone)
	emails.append(practice.email)
	for staff in _staff(encounter):
		people.append(
			redaction.Person(
				"DOCTOR" if staff.practitioner == encounter.practitioner else "STAFF", staff.names
			)
		)
	return redaction.Known(
		people=people,
		identifiers=[i for i in identifiers if i],
		phones=[p for p in phones if p],
		emails=[e for e in emails if e],
		addresses=[a for a in [*_addresses(patient.name), practice.address] if a],
		dates=redaction.known_dates(dates),
		on=encounter.encounter_date or date.today(),
	)


def _names(row, whole: str = "patient_name") -> tuple[str, ...]:
	"""A person's names, given names first: their parts, else their whole name (``whole``)."""
	names = tuple(n for n in (row.first_name, row.middle_name, row.last_name) if n)
	return names or tuple((row.get(whole) or "").split())


def _staff(encounter) -> list[frappe._dict]:
	"""The practice's members (their full names) and the encounter's practitioner."""
	member = frappe.qb.DocType("Practice Member")
	user = frappe.qb.DocType("User")
	rows = (
		frappe.qb.from_(member)
		.join(user)
		.on(user.name == member.user)
		.select(member.practitioner, user.first_name, user.middle_name, user.last_name, user.full_name)
		.where(member.practice == encounter.custom_practice)
		.run(as_dict=True)
	)
	# the encounter's practitioner first: [DOCTOR] gives back the name they practise under
	out = [
		frappe._dict(
			practitioner=encounter.practitioner, names=tuple((encounter.practitioner_name or "").split())
		)
	]
	out += [frappe._dict(practitioner=r.practitioner, names=_names(r, "full_name")) for r in rows]
	return [s for s in out if s.names]


def _addresses(patient: str) -> list[str]:
	link = frappe.qb.DocType("Dynamic Link")
	address = frappe.qb.DocType("Address")
	rows = (
		frappe.qb.from_(address)
		.join(link)
		.on((link.parent == address.name) & (link.parenttype == "Address"))
		.select(address.address_line1, address.address_line2)
		.where((link.link_doctype == "Patient") & (link.link_name == patient))
		.run()
	)
	return [line for row in rows for line in row if line]


def note_of(encounter) -> str:
	"""The encounter's consultation note as one text (before redaction)."""
	allergies = frappe.get_all(
		"Patient Allergy",
		filters={"patient": encounter.patient, "status": "Active"},
		fields=["substance", "reaction"],
	)
	problems = frappe.get_all(
		"Patient Problem",
		filters={"patient": encounter.patient, "status": "Active"},
		fields=["code", "condition_name"],
	)
	return core.note_text(
		{
			"complaint": ", ".join(
				s.complaint for s in encounter.get("symptoms") or [] if s.get("complaint")
			),
			"subjective": encounter.get("custom_subjective"),
			"objective": encounter.get("custom_objective"),
			"findings": "\n".join(
				f"{r.body_system or ''}: {r.finding or ''}".strip(": ")
				for r in encounter.get("custom_examination_findings") or []
			),
			"assessment": encounter.get("custom_assessment") or encounter.get("encounter_comment"),
			"diagnoses": "\n".join(
				f"{r.code or ''} {r.description or ''}".strip()
				for r in encounter.get("custom_diagnoses") or []
			),
			"medication": "\n".join(
				" ".join(filter(None, (r.drug_name or r.drug_code, r.dosage, r.period, r.comment)))
				for r in encounter.get("drug_prescription") or []
			),
			"allergies": "\n".join(" ".join(filter(None, (a.substance, a.reaction))) for a in allergies),
			"problems": "\n".join(" ".join(filter(None, (p.code, p.condition_name))) for p in problems),
			"plan": encounter.get("custom_plan"),
		}
	)


# --- a draft ------------------------------------------------------------------------------


def draft(encounter, feature: str, recipient: str | None = None) -> dict:
	"""A draft for the doctor (real names back in); nothing of the record is changed."""
	settings = settings_for(encounter.custom_practice)
	if not (settings and settings.offers(feature)):
		frappe.throw(
			_(
				"The assistant is off for this practice. A practice admin can turn it on in Practice AI Settings."
			),
			AssistantOffError,
			title=_("Assistant Off"),
		)
	# the record is read for the assistant: logged as a read of it, by the doctor
	access_log.push(
		[Access(encounter.doctype, encounter.name, "read")],
		frappe.session.user,
		getattr(frappe.local, "request", None),
		patient=encounter.patient,
	)
	redactor = redaction.Redactor(known_for(encounter))
	note = redactor.redact(note_of(encounter))
	extra = redactor.redact(recipient).text if recipient else None
	body = core.request_body(settings.model, feature, note.text, extra)
	entry = _entry(encounter, feature, settings, body)
	if leaks := redactor.leaks(json.dumps(body, ensure_ascii=False)):
		entry["sent"] = None  # nothing was sent, and the log keeps no identifier
		_fail(
			entry,
			"Refused",
			_("{0} identifier(s) of the patient could not be removed from the note.").format(len(leaks)),
			_(
				"The note still holds something that identifies the patient, so nothing was sent. "
				"Please remove names, numbers and contact details from the free text and try again."
			),
			IdentifierLeakError,
		)
	answer = _ask(settings, body, entry)
	try:
		parsed = core.parse(feature, answer.content)
	except core.MalformedAnswer as e:
		_unreadable(entry, e)
	entry.update(outcome="Answered")
	_write(entry)
	return _for_the_doctor(feature, parsed, {**redactor.people(), **note.values})


def _for_the_doctor(feature: str, parsed: dict, values: dict) -> dict:
	if feature != core.ICD10:
		return {key: redaction.restore(text, values) for key, text in parsed.items()}
	found = {
		row.code_value: row
		for row in frappe.get_all(
			"Code Value",
			filters={
				"code_system": _icd10_system(),
				"code_value": ("in", [c["code"] for c in parsed["codes"]] or [""]),
			},
			fields=["name", "code_value", "display"],
		)
	}
	return {
		"codes": [
			{
				"diagnosis": found[c["code"]].name,
				"code": c["code"],
				"description": found[c["code"]].display,
				"why": redaction.restore(c["why"], values),
			}
			for c in parsed["codes"]
			if c["code"] in found
		],
		"not_in_list": [c["code"] for c in parsed["codes"] if c["code"] not in found],
	}


def _icd10_system() -> str:
	from medic_plus.core import codes

	return codes.ICD10


def _ask(settings, body: dict, entry: dict) -> core.Answer:
	"""The provider's answer, or a clear error (logged)."""
	url = f"{settings.base_url}/chat/completions"
	headers = {"Content-Type": "application/json"}
	if key := get_decrypted_password(SETTINGS, settings.name, "api_key", raise_exception=False):
		headers["Authorization"] = f"Bearer {key}"
	check_provider_address(settings.base_url)
	started = time.monotonic()

	def took() -> int:
		return int((time.monotonic() - started) * 1000)

	try:
		response = requests.post(
			url, json=body, headers=headers, timeout=settings.timeout_seconds or 30, allow_redirects=False
		)
	except requests.Timeout:
		entry["latency_ms"] = took()
		_fail(
			entry,
			"Failed",
			"time-out",
			_("The assistant took too long to answer. Please try again in a moment."),
			ProviderTimeoutError,
		)
	except requests.RequestException as e:
		entry["latency_ms"] = took()
		_fail(
			entry,
			"Failed",
			f"unreachable: {type(e).__name__}",
			_("The assistant's provider cannot be reached right now. Please try again later."),
			ProviderError,
		)
	entry.update(latency_ms=took(), status_code=response.status_code)
	if response.status_code == 429:
		_fail(
			entry,
			"Failed",
			"rate limited",
			_("The assistant's provider is busy (too many requests). Please try again in a minute."),
			ProviderBusyError,
		)
	if response.status_code in (401, 403):
		_fail(
			entry,
			"Failed",
			f"HTTP {response.status_code}",
			_(
				"The assistant's provider refused the practice's API key. A practice admin can check it in Practice AI Settings."
			),
			ProviderError,
		)
	if response.status_code >= 300:
		_fail(
			entry,
			"Failed",
			f"HTTP {response.status_code}: {response.text[:500]}",
			_("The assistant's provider answered with an error. Please try again later."),
			ProviderError,
		)
	entry["received"] = response.text[:100_000]
	try:
		answer = core.answer_of(response.json())
	except (ValueError, core.MalformedAnswer) as e:
		_unreadable(entry, e)
	entry.update(
		model=answer.model or entry["model"],
		prompt_tokens=answer.prompt_tokens,
		completion_tokens=answer.completion_tokens,
		received=answer.content,
	)
	return answer


def _entry(encounter, feature: str, settings, body: dict) -> dict:
	return {
		"doctype": LOG,
		"requested_on": now_datetime(),
		"user": frappe.session.user,
		"feature": FEATURE_LABELS[feature],
		"patient": encounter.patient,
		"practice": encounter.custom_practice,
		"reference_doctype": encounter.doctype,
		"reference_name": encounter.name,
		"model": settings.model,
		"endpoint": f"{settings.base_url}/chat/completions",
		"sent": json.dumps(body, ensure_ascii=False, indent=1),
	}


def _write(entry: dict) -> None:
	frappe.get_doc(entry).insert(ignore_permissions=True)


def _unreadable(entry: dict, error: Exception):
	_fail(
		entry,
		"Failed",
		f"malformed answer: {error}",
		_("The assistant's answer could not be read. Please try again."),
		ProviderError,
	)


def _fail(entry: dict, outcome: str, error: str, message: str, exc: type[Exception]):
	"""Log the failed request and answer with ``message``. The request's transaction is
	rolled back (nothing is half-saved); the log entry is written after it, on its own."""
	entry.update(outcome=outcome, error=error)

	def write():
		_write(entry)
		frappe.db.commit()  # nosemgrep: after the request's rollback, the log entry stands alone

	frappe.db.after_rollback.add(write)
	frappe.throw(message, exc, title=_("Assistant"))
