"""Importing patients and their records into a practice from FHIR files (the format the
bulk export writes: NDJSON, one resource a line; a Bundle; or a ZIP of such files).

- ``check`` (a dry run, in the request): reads every resource (``core/fhir_read.py``),
  resolves what it refers to and says what would be created, matched or refused, each
  refusal with its file, line and reason. Nothing is written but the report.
- ``run`` (a job on the long queue): the same walk, writing. Each resource is its own
  step (a savepoint): bad data stops that resource, not the file. What a resource became
  is kept (FHIR Import Link, by practice, type and source id), so a second run matches
  what the first created and doubles nothing.

The practice is the import's own, whatever the file says: a reference is resolved only to
what this import (or an earlier one into the same practice) made of the file, or to a
record of the same practice; a patient of another practice is never matched or written.
Files are read a type at a time, in the order references need (``fhir_read.ORDER``), one
line at a time.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterator

import frappe
from frappe import _
from frappe.utils import now_datetime

from medic_plus.core import fhir_map, fhir_read
from medic_plus.core.fhir_read import Refused
from medic_plus.tenancy import context

DOCTYPE = "FHIR Import"
LINK = "FHIR Import Link"
TARGET = {
	"Patient": "Patient",
	"Practitioner": "Healthcare Practitioner",
	"Appointment": "Patient Appointment",
	"Encounter": "Patient Encounter",
	"AllergyIntolerance": "Patient Allergy",
	"Condition": "Patient Problem",
	"MedicationRequest": "Drug Prescription",
	"Observation": "Vital Signs",
}
# the identifier system this platform writes for each type (fhir_map): a record of the
# same practice with that name is the same record
OWN_SYSTEM = {
	"Patient": "patient",
	"Practitioner": "practitioner",
	"Appointment": "appointment",
	"Encounter": "encounter",
	"AllergyIntolerance": "allergy",
	"Condition": "problem",
}
REFUSALS_KEPT = 5000  # refused resources listed in the report (all are counted)
PROGRESS_EVERY = 200


class Plan:
	"""What an import does or would do: counts per type and outcome, and the refusals."""

	def __init__(self):
		self.counts: dict[str, Counter] = {}
		self.refusals: list[dict] = []
		self.total = 0

	def note(self, rtype: str, outcome: str, where: tuple[str, int], rid: str | None = None, reason=None):
		self.total += 1
		self.counts.setdefault(rtype or "?", Counter())[outcome] += 1
		if outcome == "refused" and len(self.refusals) < REFUSALS_KEPT:
			self.refusals.append(
				{"file": where[0], "line": where[1], "type": rtype, "id": rid, "reason": str(reason)}
			)

	def figure(self, outcome: str) -> int:
		return sum(c[outcome] for c in self.counts.values())

	def figures(self) -> dict:
		"""The FHIR Import's fields that say what the walk did (or would do)."""
		return {
			"total": self.total,
			"processed": self.total,
			"to_create": self.figure("create"),
			"to_match": self.figure("match"),
			"refused": self.figure("refused"),
			"report": self.report(),
		}

	def report(self) -> str:
		return json.dumps(
			{
				"types": {t: dict(c) for t, c in self.counts.items()},
				"refused": self.refusals,
				"refused_not_listed": max(0, self.figure("refused") - len(self.refusals)),
			},
			indent=1,
		)


# --- entry points -------------------------------------------------------------------------


def check(name: str) -> dict:
	doc = frappe.get_doc(DOCTYPE, name)
	plan = Importer(doc, write=False).walk()
	doc.db_set(
		{
			"status": "Checked",
			"checked_on": now_datetime(),
			**plan.figures(),
			"error": None,
		}
	)
	return {"create": plan.figure("create"), "match": plan.figure("match"), "refused": plan.figure("refused")}


def start(name: str) -> None:
	frappe.db.set_value(DOCTYPE, name, {"status": "Queued", "processed": 0, "error": None})
	frappe.db.commit()  # nosemgrep: the job reads it
	frappe.enqueue(
		"medic_plus.fhir.imports.run",
		queue="long",
		timeout=6 * 3600,
		job_id=f"medic_plus_fhir_import::{name}",
		deduplicate=True,
		fhir_import=name,
	)


def run(fhir_import: str) -> None:
	"""The background job."""
	doc = frappe.get_doc(DOCTYPE, fhir_import)
	if doc.status != "Queued":
		return
	doc.db_set({"status": "In Progress", "processed": 0})
	frappe.db.commit()  # nosemgrep: progress is read by the form
	try:
		with context.system_scope():  # the import checks the practice itself
			plan = Importer(doc, write=True).walk()
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title=f"medic_plus FHIR import {fhir_import}")
		frappe.db.set_value(
			DOCTYPE,
			fhir_import,
			{
				"status": "Failed",
				"error": _("The file could not be read; see the Error Log."),
				"finished_on": now_datetime(),
			},
		)
		frappe.db.commit()  # nosemgrep: the failure is the job's answer
		return
	frappe.db.set_value(
		DOCTYPE,
		fhir_import,
		{
			"status": "Completed",
			"finished_on": now_datetime(),
			**plan.figures(),
		},
	)
	frappe.db.commit()  # nosemgrep: the job's answer


# --- reading the file -------------------------------------------------------------------


def resources(
	content: bytes, file_name: str, only: str | None = None
) -> Iterator[tuple[tuple[str, int], dict | Refused]]:
	"""((file, line), resource or why not) of every resource of the upload (``only``: of an
	NDJSON file, the lines of that type)."""
	if file_name.lower().endswith(".zip") or content[:2] == b"PK":
		try:
			archive = zipfile.ZipFile(io.BytesIO(content))
		except zipfile.BadZipFile:
			yield (file_name, 0), Refused("not a readable ZIP file")
			return
		for member in archive.namelist():
			if member.endswith("/") or not member.lower().endswith((".ndjson", ".json")):
				continue
			with archive.open(member) as handle:
				yield from _one_file(handle.read(), member, only)
		return
	yield from _one_file(content, file_name, only)


def _one_file(content: bytes, file_name: str, only: str | None = None):
	text = content.decode("utf-8-sig", errors="replace")
	first = text.lstrip()[:1]
	if file_name.lower().endswith(".csv"):  # patients, a row each
		if only in (None, "Patient"):
			for number, resource in fhir_read.csv_patients(io.StringIO(text)):
				yield (file_name, number), resource
		return
	if file_name.lower().endswith(".json") and first == "{":
		try:
			whole = json.loads(text)
		except ValueError as e:
			yield (file_name, 0), Refused(f"not JSON: {e.msg}")
			return
		if whole.get("resourceType") == "Bundle":
			for number, resource in fhir_read.bundle(whole):
				yield (file_name, number), resource
			return
		yield (file_name, 1), whole
		return
	for number, resource in fhir_read.lines(text.splitlines(), only):
		yield (file_name, number), resource


def link_key(practice: str, rtype: str, source_id: str) -> str:
	return hashlib.sha256(f"{practice}|{rtype}|{source_id}".encode()).hexdigest()[:32]


# --- the walk ------------------------------------------------------------------------------


class Importer:
	def __init__(self, doc, write: bool):
		self.doc, self.write, self.practice = doc, write, doc.practice
		self.plan = Plan()
		practice = frappe.db.get_value("Practice", self.practice, ["timezone", "company"], as_dict=True)
		self.tz = practice.timezone or frappe.utils.get_system_timezone()
		self.company = practice.company or frappe.defaults.get_global_default("company")
		# source (type, id) -> what it is or will be here; None: refused (and what names it is)
		self.known: dict[tuple[str, str], str | None] = {}
		self.vital_groups: dict[str, str] = {}
		self.genders = set(frappe.get_all("Gender", pluck="name"))
		self._links: dict[str, dict[str, str]] = {}

	def walk(self) -> Plan:
		content = self._content()
		file_name = self.doc.source_file.rsplit("/", 1)[-1]
		for rtype in fhir_read.ORDER:
			first = rtype == fhir_read.ORDER[0]  # the first pass reads every line, the others their type's
			for where, resource in resources(content, file_name, None if first else rtype):
				if isinstance(resource, Refused):
					if first:  # counted once, on the first pass
						self.plan.note(None, "refused", where, None, resource)
					continue
				kind = resource.get("resourceType")
				if kind != rtype:
					if first and kind == "Organization":
						self.plan.note(
							kind, "skip", where, resource.get("id")
						)  # the practice is the import's
					elif first and kind not in fhir_read.READERS:
						self.plan.note(
							kind, "refused", where, resource.get("id"), _("{0} is not imported").format(kind)
						)
					continue
				self.one(where, resource)
				if self.write and self.plan.total % PROGRESS_EVERY == 0:
					frappe.db.set_value(DOCTYPE, self.doc.name, "processed", self.plan.total)
					frappe.db.commit()  # nosemgrep: the rows so far stand, and the form shows progress
		if self.write:
			frappe.db.commit()  # nosemgrep: the last rows
		return self.plan

	def _content(self) -> bytes:
		content = frappe.get_doc("File", {"file_url": self.doc.source_file}).get_content()
		return content if isinstance(content, bytes) else content.encode()

	def one(self, where, resource: dict) -> None:
		rtype, rid = resource.get("resourceType"), resource.get("id")
		try:
			read = fhir_read.read(resource, self.tz)
			refs = {field: self.resolve(ref) for field, ref in read.refs.items()}
			existing = self.existing(read)
			if existing:
				self.known[(rtype, read.id)] = existing
				self.plan.note(rtype, "match", where, rid)
				if self.write:
					self.remember(rtype, read.id, existing)
				return
			if not self.write:
				self.known[(rtype, read.id)] = f"new {rtype} {read.id}"
				self.check_links(read)
				self.plan.note(rtype, "create", where, rid)
				return
			frappe.db.savepoint("medic_plus_import")
			try:
				made = self.create(read, refs)
				self.remember(rtype, read.id, made, new=True)
			except Exception:
				frappe.db.rollback(save_point="medic_plus_import")
				raise
			self.known[(rtype, read.id)] = made
			self.plan.note(rtype, "create", where, rid)
		except Refused as e:
			self.known[(rtype, rid)] = None
			self.plan.note(rtype, "refused", where, rid, e)
		except frappe.MandatoryError as e:
			frappe.clear_last_message()
			self.known[(rtype, rid)] = None
			missing = str(e).rsplit(":", 1)[-1].strip()
			self.plan.note(rtype, "refused", where, rid, _("{0} is required").format(missing))
		except frappe.ValidationError as e:
			frappe.clear_last_message()
			self.known[(rtype, rid)] = None
			self.plan.note(rtype, "refused", where, rid, frappe.utils.strip_html(str(e)) or type(e).__name__)

	# --- references and matches ------------------------------------------------------------

	def resolve(self, ref: tuple[str, str]) -> str:
		"""The record here a reference names: what this file's resource became (or will),
		else what an earlier import into this practice made of it."""
		rtype, rid = ref
		if ref in self.known:
			if self.known[ref] is None:
				raise Refused(_("its {0} {1} was refused").format(rtype, rid))
			return self.known[ref]
		linked = frappe.db.get_value(LINK, link_key(self.practice, rtype, rid), "document_name")
		if linked and self._ours(TARGET[rtype], linked):
			self.known[ref] = linked
			return linked
		if rtype == "Practitioner":  # a shared master: this platform's own, by its id
			name = fhir_map.frappe_name(rid)
			if name and frappe.db.exists("Healthcare Practitioner", name):
				self.known[ref] = name
				return name
		raise Refused(_("its {0} {1} is neither in the file nor imported before").format(rtype, rid))

	def existing(self, read: fhir_read.Read) -> str | None:
		"""The record here this resource already is: imported before, or (by this
		platform's identifier) a record of the same practice."""
		if self.known.get((read.rtype, read.id)):  # the same resource twice in the file
			return self.known[(read.rtype, read.id)]
		key = link_key(self.practice, read.rtype, read.id)
		linked = self.links(read.rtype).get(key)
		if linked:
			if self._ours(TARGET[read.rtype], linked):
				return linked
			if self.write:
				frappe.db.delete(LINK, key)  # what it named is gone: made again below
		system = OWN_SYSTEM.get(read.rtype)
		for id_system, value in read.identifiers:
			if (
				system
				and id_system == f"{fhir_map.SYSTEM}/{system}"
				and self._ours(TARGET[read.rtype], value)
			):
				return value
		if read.rtype == "Practitioner":
			registration = read.values.get("custom_registration_number")
			if registration:
				return frappe.db.get_value(
					"Healthcare Practitioner", {"custom_registration_number": registration}, "name"
				)
		return None

	def links(self, rtype: str) -> dict[str, str]:
		"""link key -> record, of what earlier imports into the practice made of ``rtype``
		(read once a type: one query instead of one a resource)."""
		if rtype not in self._links:
			self._links[rtype] = dict(
				frappe.get_all(
					LINK,
					filters={"practice": self.practice, "resource_type": rtype},
					fields=["name", "document_name"],
					as_list=True,
				)
			)
		return self._links[rtype]

	def _ours(self, doctype: str, name: str) -> bool:
		"""Whether the record exists and is this practice's (a practitioner: any, shared)."""
		if doctype == "Healthcare Practitioner":
			return bool(frappe.db.exists(doctype, name))
		if doctype == "Drug Prescription":
			parent = frappe.db.get_value(doctype, name, "parent")
			return bool(parent) and self._ours("Patient Encounter", parent)
		field = "practice" if doctype in ("Patient Allergy", "Patient Problem") else "custom_practice"
		return frappe.db.get_value(doctype, name, field) == self.practice

	def remember(self, rtype: str, source_id: str, name: str, new: bool = False) -> None:
		"""What a resource became; ``new``: no link of it can exist yet (it was just made)."""
		key = link_key(self.practice, rtype, source_id)
		if not new and frappe.db.exists(LINK, key):
			frappe.db.set_value(LINK, key, {"document_name": name, "fhir_import": self.doc.name})
			return
		link = frappe.get_doc(
			{
				"doctype": LINK,
				"practice": self.practice,
				"resource_type": rtype,
				"source_id": source_id,
				"document_type": TARGET[rtype],
				"document_name": name,
				"fhir_import": self.doc.name,
			}
		)
		link.name = key
		link.db_insert()

	def check_links(self, read: fhir_read.Read) -> None:
		"""What a row would link to must exist here (a dry run says so before the run)."""
		values = read.values
		if read.rtype == "Appointment" and values.get("appointment_type"):
			if not frappe.db.exists("Appointment Type", values["appointment_type"]):
				raise Refused(_("appointment type {0} is not set up here").format(values["appointment_type"]))
		if read.rtype == "Condition":
			self._diagnosis(values["code"])
		if read.rtype == "MedicationRequest":
			self._drug_links(values)

	def _diagnosis(self, code: str) -> str:
		name = frappe.db.get_value(
			"Code Value", {"code_value": code, "code_system": ("like", "%ICD%")}, "name"
		)
		if not name:
			raise Refused(_("ICD-10 code {0} is not in this site's code values").format(code))
		return name

	def _drug_links(self, values: dict) -> None:
		for field, doctype in (
			("dosage_form", "Dosage Form"),
			("period", "Prescription Duration"),
			("dosage", "Prescription Dosage"),
		):
			if values.get(field) and not frappe.db.exists(doctype, values[field]):
				if field == "dosage":
					continue  # kept in the instruction text instead
				raise Refused(_("{0} {1} is not set up here").format(_(doctype), values[field]))

	# --- writing -----------------------------------------------------------------------------

	def create(self, read: fhir_read.Read, refs: dict[str, str]) -> str:
		self.check_links(read)
		return getattr(self, "_create_" + read.rtype)(read.values, refs)

	def _create_Patient(self, values, refs) -> str:
		"""A patient of the practice's history: checked as Frappe checks a new one (what is
		mandatory, its links, the form of its e-mail address) and named as the practice names
		its patients, but kept without Healthcare's welcome (no registration SMS to thousands
		of people at once; the contact and customer follow when the practice first messages
		or bills them)."""
		doc = frappe.new_doc("Patient")
		doc.update({**values, "custom_practice": self.practice})
		doc.set_full_name()
		if doc.email:
			frappe.utils.validate_email_address(doc.email, throw=True)
		for df in doc.meta.fields:
			if df.reqd and df.fieldtype not in frappe.model.no_value_fields and not doc.get(df.fieldname):
				raise Refused(_("{0} is required").format(_(df.label)))
		if doc.sex not in self.genders:
			raise Refused(_("Could not find {0}: {1}").format(_("Gender"), doc.sex))
		doc.set_new_name()
		doc.db_insert()
		return doc.name

	def _create_Practitioner(self, values, refs) -> str:
		doc = frappe.get_doc({"doctype": "Healthcare Practitioner", **values})
		doc.insert(ignore_permissions=True)
		return doc.name

	def _history(self, doctype: str, values: dict) -> str:
		"""A record of the practice's history, as it was: kept without the checks and
		messages of a new booking or visit (no schedule check, no confirmation sent)."""
		doc = frappe.new_doc(doctype)
		doc.update(values)
		doc.set_new_name()
		doc.db_insert()
		return doc.name

	def _create_Appointment(self, values, refs) -> str:
		appointment_type = values.get("appointment_type") or frappe.db.get_value(
			"Appointment Type", {}, "name"
		)
		return self._history(
			"Patient Appointment",
			{
				**values,
				"appointment_type": appointment_type,
				"appointment_datetime": f"{values['appointment_date']} {values['appointment_time']}",
				"appointment_for": "Practitioner",
				"patient": refs["patient"],
				"patient_name": frappe.db.get_value("Patient", refs["patient"], "patient_name"),
				"practitioner": refs.get("practitioner"),
				"practitioner_name": frappe.db.get_value(
					"Healthcare Practitioner", refs["practitioner"], "practitioner_name"
				)
				if refs.get("practitioner")
				else None,
				"company": self.company,
				"custom_practice": self.practice,
				"title": frappe.db.get_value("Patient", refs["patient"], "patient_name"),
			},
		)

	def _create_Encounter(self, values, refs) -> str:
		return self._history(
			"Patient Encounter",
			{
				**values,
				"patient": refs["patient"],
				"patient_name": frappe.db.get_value("Patient", refs["patient"], "patient_name"),
				"practitioner": refs["practitioner"],
				"appointment": refs.get("appointment"),
				"company": self.company,
				"custom_practice": self.practice,
			},
		)

	def _create_AllergyIntolerance(self, values, refs) -> str:
		code = values.pop("substance_code_value", None)
		values.pop("substance_system", None)
		doc = frappe.get_doc(
			{
				"doctype": "Patient Allergy",
				**values,
				"recorded_on": values.get("recorded_on") or frappe.utils.today(),
				"substance_code": frappe.db.get_value("Code Value", {"code_value": code}, "name")
				if code
				else None,
				"patient": refs["patient"],
				"practice": self.practice,
			}
		)
		doc.insert(ignore_permissions=True)
		return doc.name

	def _create_Condition(self, values, refs) -> str:
		doc = frappe.get_doc(
			{
				"doctype": "Patient Problem",
				**values,
				"diagnosis": self._diagnosis(values["code"]),
				"recorded_on": values.get("recorded_on") or frappe.utils.today(),
				"patient": refs["patient"],
				"source_encounter": refs.get("source_encounter"),
				"practice": self.practice,
			}
		)
		doc.insert(ignore_permissions=True)
		return doc.name

	def _create_MedicationRequest(self, values, refs) -> str:
		encounter = refs["encounter"]
		if frappe.db.get_value("Patient Encounter", encounter, "patient") != refs["patient"]:
			raise Refused(_("its encounter is another patient's"))
		dosage = values.get("dosage")
		row = frappe.new_doc("Drug Prescription")
		row.update(
			{
				"parent": encounter,
				"parenttype": "Patient Encounter",
				"parentfield": "drug_prescription",
				"idx": 1
				+ (
					frappe.db.count(
						"Drug Prescription", {"parent": encounter, "parenttype": "Patient Encounter"}
					)
					or 0
				),
				"drug_name": values["drug_name"],
				"medication": values["drug_name"]
				if frappe.db.exists("Medication", values["drug_name"])
				else None,
				"dosage": dosage if dosage and frappe.db.exists("Prescription Dosage", dosage) else None,
				"dosage_form": values.get("dosage_form"),
				"period": values.get("period"),
				"comment": values.get("comment")
				if not dosage or frappe.db.exists("Prescription Dosage", dosage)
				else values.get("instruction"),
			}
		)
		row.set_new_name()
		row.db_insert()
		return row.name

	def _create_Observation(self, values, refs) -> str:
		group = values.pop("group")
		fields = {k: v for k, v in values.items() if k not in ("signs_date", "signs_time")}
		key = link_key(self.practice, "VitalSigns", group)
		existing = self.vital_groups.get(group) or frappe.db.get_value(LINK, key, "document_name")
		if existing and self._ours("Vital Signs", existing):
			frappe.db.set_value("Vital Signs", existing, fields, update_modified=False)
			self.vital_groups[group] = existing
			return existing
		name = self._history(
			"Vital Signs",
			{
				**fields,
				"signs_date": values["signs_date"],
				"signs_time": values["signs_time"],
				"patient": refs["patient"],
				"patient_name": frappe.db.get_value("Patient", refs["patient"], "patient_name"),
				"encounter": refs.get("encounter"),
				"custom_practice": self.practice,
				"docstatus": 1,
			},
		)
		self.vital_groups[group] = name
		link = frappe.get_doc(
			{
				"doctype": LINK,
				"practice": self.practice,
				"resource_type": "VitalSigns",
				"source_id": group,
				"document_type": "Vital Signs",
				"document_name": name,
				"fhir_import": self.doc.name,
			}
		)
		link.name = key
		link.db_insert()
		return name
