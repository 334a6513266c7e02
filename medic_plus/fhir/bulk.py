"""FHIR Bulk Data ``$export`` (the HL7 Bulk Data Access IG, v2) of one practice.

- ``GET /fhir/R4/Group/<practice id>/$export``: the practice's whole record, logged once
  for the request; ``GET /fhir/R4/Patient/$export``: its patients and what hangs on them,
  each patient logged as exported. A practice's FHIR token, or the session of one of its
  admins (or a platform admin, for a Group). ``Prefer: respond-async``; ``_type``,
  ``_since``, ``_outputFormat`` (NDJSON). The kick-off answers 202 with the status URL in
  ``Content-Location``.
- ``GET /fhir/R4/$export-status/<id>``: 202 with ``X-Progress`` and ``Retry-After`` while
  the job runs, then 200 with the manifest; ``DELETE`` cancels and removes the files.
- ``GET /fhir/R4/$export-file/<id>/<file>``: an output file, to the same practice's token
  or admins only; the files expire (Medic Plus Settings, 24 hours by default).

The job (queue ``long``) streams every type in pages of ``CHUNK`` rows by name into
NDJSON files (``core/bulk.NDJSONWriter``) under the site's private folder, outside
``private/files`` so that nothing but these routes serves them. A job whose worker died is
started again by the scheduler (``recover``), at most ``ATTEMPTS`` times.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import shutil
from base64 import b64encode
from datetime import timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import frappe
from frappe.utils import add_to_date, get_datetime, get_system_timezone, now_datetime
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from medic_plus.core import bulk, fhir_map, fhir_read
from medic_plus.core.access_log import Access
from medic_plus.fhir import router
from medic_plus.fhir.router import FHIRError
from medic_plus.privacy import access_log
from medic_plus.tenancy import context
from medic_plus.tenancy.scope import SCOPES, Mode, get_scope

DOCTYPE = "FHIR Bulk Export"
# the practice, then every kind a practice's record holds (in the order an import needs
# them: what a resource names comes before it), then its documents
SUPPORTED = ("Organization", *fhir_read.ORDER, "DocumentReference")
STATUS, FILE = "$export-status", "$export-file"
CONTENT = "Binary"  # (in the files list) a document's content, which a DocumentReference points at
CHUNK = 1000
PDFS = 20  # documents printed between two progress reports
ATTEMPTS = 3
STALLED = timedelta(minutes=10)  # a running job that wrote nothing for so long has died
RUNNING = ("Queued", "In Progress")
# the documents a practice prints, as DocumentReference: (doctype, kind, print format)
PRINTED = (
	("Sick Note", "sick-note", "Sick Note"),
	("Patient Encounter", "consultation-note", "Encounter Note"),
)


def handles(parts: list[str]) -> bool:
	return (
		(len(parts) == 3 and parts[0] == "Group" and parts[2] == "$export")
		or parts == ["Patient", "$export"]
		or (len(parts) == 2 and parts[0] == STATUS)
		or (len(parts) >= 3 and parts[0] == FILE)
	)


def route(request, parts: list[str]):
	"""(status, body) or a finished Response."""
	caller = router.authenticate(request, for_export=True)
	if parts[0] == STATUS:
		if request.method == "DELETE":
			return cancel(caller, parts[1])
		allow(request, ("GET", "HEAD"))
		return status(caller, parts[1])
	allow(request, ("GET", "HEAD"))
	if parts[0] == FILE:
		return download(request, caller, parts[1], "/".join(parts[2:]))
	return kickoff(caller, request, parts[1] if parts[0] == "Group" else None)


def allow(request, methods: tuple[str, ...]) -> None:
	if request.method not in methods:
		raise FHIRError(405, "not-supported", f"Use {' or '.join(methods)} here.")


# --- who may export -------------------------------------------------------------------


def exportable(caller: router.Caller) -> list[str] | None:
	"""The practices the caller may export: a token's own, a session's where the user is
	an admin; None: any (platform admins)."""
	if caller.token or caller.practices is None:
		return caller.practices
	return [p for p in caller.practices if context.holds_role(p, ("Admin",))]


def practice_of_kickoff(caller: router.Caller, group_id: str | None) -> str:
	mine = exportable(caller)
	if group_id is not None:
		practice = fhir_map.frappe_name(group_id)
		if practice and (mine is None or practice in mine) and frappe.db.exists("Practice", practice):
			return practice
		if practice and caller.practices and practice in caller.practices:
			raise FHIRError(403, "forbidden", "Only the practice's admins may export its records.")
		raise FHIRError(404, "not-found", f"Group/{group_id} not found")
	if mine is None:
		raise FHIRError(400, "invalid", "Name the practice: GET Group/<practice id>/$export.")
	if not mine:
		raise FHIRError(403, "forbidden", "Only a practice's admins may export its records.")
	if len(mine) == 1:
		return mine[0]
	active = context.get_active_practice()
	if active in mine:
		return active
	raise FHIRError(400, "invalid", "You administer several practices: GET Group/<practice id>/$export.")


def load(caller: router.Caller, name: str):
	"""The export, for a caller who may export its practice; anyone else (and a cancelled
	export): 404, as if it never was."""
	row = frappe.db.get_value(DOCTYPE, name, ["name", "practice", "status"], as_dict=True) if name else None
	mine = exportable(caller)
	if not row or row.status == "Cancelled" or (mine is not None and row.practice not in mine):
		raise FHIRError(404, "not-found", "No such export.")
	return frappe.get_doc(DOCTYPE, row.name)


# --- the routes -------------------------------------------------------------------------


def kickoff(caller: router.Caller, request, group_id: str | None):
	practice = practice_of_kickoff(caller, group_id)
	try:
		asked = bulk.kickoff(
			{k: request.args.getlist(k) for k in request.args}, request.headers.get("Prefer"), SUPPORTED
		)
	except bulk.BulkError as e:
		raise FHIRError(e.status, e.code, e.message) from None
	with context.system_scope():  # the app writes it, for whoever asked (a token is no user)
		doc = frappe.get_doc(
			{
				"doctype": DOCTYPE,
				"practice": practice,
				"level": "Group" if group_id is not None else "Patient",
				"status": "Queued",
				"resource_types": ",".join(asked.types),
				"since": asked.since.isoformat().replace("+00:00", "Z") if asked.since else None,
				"requested_by": None if caller.token else frappe.session.user,
				"fhir_token": caller.token,
				"request_url": request.url,
				"client_ip": getattr(frappe.local, "request_ip", None),
			}
		).insert(ignore_permissions=True)
	if group_id is not None:  # the practice's record as one list: logged once
		access_log.push(
			[Access("Patient", "", "export")],
			None if caller.token else frappe.session.user,
			request,
			fhir_token=caller.token,
			practice=practice,
		)
	frappe.db.commit()  # nosemgrep: the job reads the export it is handed
	enqueue(doc.name)
	response = Response(
		fhir_map.to_json(fhir_map.outcome("informational", "The export has started.", "information")),
		status=202,
		content_type=router.CONTENT_TYPE,
	)
	response.headers["Content-Location"] = status_url(doc.name)
	return response


def status(caller: router.Caller, name: str):
	doc = load(caller, name)
	if doc.status in RUNNING:
		response = Response(status=202)
		response.headers["X-Progress"] = bulk.progress(doc.exported or 0, doc.estimated or 0)
		running = (now_datetime() - get_datetime(doc.started_on)).total_seconds() if doc.started_on else 0
		response.headers["Retry-After"] = str(
			bulk.retry_after(doc.exported or 0, doc.estimated or 0, running)
		)
		return response
	if doc.status == "Failed":
		raise FHIRError(500, "exception", doc.error or "The export failed.")
	if expired(doc):
		raise FHIRError(410, "expired", "The export's files have expired: start a new export.")
	response = Response(json.dumps(manifest(doc)), status=200, content_type="application/json")
	response.headers["Expires"] = http_date(doc.expires_on)
	return response


def cancel(caller: router.Caller, name: str):
	doc = load(caller, name)
	frappe.db.set_value(DOCTYPE, doc.name, "status", "Cancelled")
	frappe.db.commit()  # nosemgrep: a running job reads it between pages and stops
	remove_files(doc.name)
	return 202, fhir_map.outcome(
		"informational", "The export was cancelled and its files removed.", "information"
	)


def download(request, caller: router.Caller, name: str, file_name: str):
	doc = load(caller, name)
	files = {f["name"]: f for f in json.loads(doc.files or "[]")}
	if doc.status != "Completed" or not bulk.is_file_name(file_name) or file_name not in files:
		raise FHIRError(404, "not-found", "No such file.")
	if expired(doc):
		raise FHIRError(410, "expired", "The export's files have expired: start a new export.")
	path = os.path.join(folder(doc.name), file_name)
	if not os.path.isfile(path):
		raise FHIRError(410, "expired", "The export's files have expired: start a new export.")
	content_type = files[file_name].get("content_type") or bulk.NDJSON
	response = Response(
		wrap_file(request.environ, open(path, "rb")),  # (closed by the server)
		status=200,
		content_type=content_type,
		direct_passthrough=True,
	)
	response.headers["Content-Length"] = str(os.path.getsize(path))
	response.headers["Cache-Control"] = "private, no-store"
	response.headers["X-Content-Type-Options"] = "nosniff"
	if file_name.startswith("documents/"):  # a download, never a page of this site
		response.headers["Content-Disposition"] = f'attachment; filename="{os.path.basename(file_name)}"'

	return response


# --- urls and files -----------------------------------------------------------------------


def status_url(name: str) -> str:
	return f"{router.base_url()}/{STATUS}/{name}"


def file_url(name: str, file_name: str) -> str:
	return f"{router.base_url()}/{FILE}/{name}/{file_name}"


def folder(name: str) -> str:
	return frappe.get_site_path("private", "medic_plus", "bulk", name)


def remove_files(name: str) -> None:
	shutil.rmtree(folder(name), ignore_errors=True)


def manifest(doc) -> dict:
	tz = ZoneInfo(get_system_timezone())
	files = [bulk.OutputFile(f["type"], f["name"], f["count"]) for f in json.loads(doc.files or "[]")]
	return bulk.manifest(
		get_datetime(doc.transaction_time).replace(tzinfo=tz),
		doc.request_url,
		[f for f in files if f.type not in ("OperationOutcome", CONTENT)],
		lambda file_name: file_url(doc.name, file_name),
		[f for f in files if f.type == "OperationOutcome"],
	)


def expired(doc) -> bool:
	return doc.status == "Expired" or bool(doc.expires_on and get_datetime(doc.expires_on) <= now_datetime())


def http_date(value) -> str:
	return format_datetime(get_datetime(value).replace(tzinfo=ZoneInfo(get_system_timezone())), usegmt=False)


def lifetime_hours() -> int:
	return int(frappe.db.get_single_value("Medic Plus Settings", "bulk_export_hours") or 24)


# --- the job ------------------------------------------------------------------------------


def enqueue(name: str) -> None:
	frappe.enqueue(
		"medic_plus.fhir.bulk.run",
		queue="long",
		timeout=6 * 3600,
		job_id=f"medic_plus_bulk_export::{name}",
		deduplicate=True,
		export=name,
	)


class Cancelled(Exception):
	pass


def run(export: str) -> None:
	"""The background job: every asked type into NDJSON files, then the manifest."""
	doc = frappe.get_doc(DOCTYPE, export)
	if doc.status not in RUNNING:
		return
	remove_files(export)
	os.makedirs(folder(export))
	started = now_datetime()
	doc.db_set(
		{
			"status": "In Progress",
			"started_on": started,
			"transaction_time": started,
			"attempts": (doc.attempts or 0) + 1,
			"exported": 0,
			"error": None,
		}
	)
	doc.db_set("estimated", estimate(doc))
	frappe.db.commit()  # nosemgrep: the status route reads the progress
	writer = bulk.NDJSONWriter(folder(export))
	doc.flags.contents = []
	try:
		exported = write(doc, writer)
		files = writer.close() + doc.flags.contents
	except Cancelled:
		writer.close()
		remove_files(export)
		return
	except Exception:
		writer.close()
		frappe.db.rollback()
		remove_files(export)
		frappe.log_error(title=f"medic_plus bulk export {export}")
		frappe.db.set_value(
			DOCTYPE,
			export,
			{
				"status": "Failed",
				"error": "The export failed; start a new one.",
				"finished_on": now_datetime(),
			},
		)
		frappe.db.commit()  # nosemgrep: the failure is the job's answer
		return
	frappe.db.set_value(
		DOCTYPE,
		export,
		{
			"status": "Completed",
			"exported": exported,
			"files": json.dumps([f.__dict__ | {"content_type": content_type(f.name)} for f in files]),
			"finished_on": now_datetime(),
			"expires_on": add_to_date(now_datetime(), hours=lifetime_hours()),
		},
	)
	frappe.db.commit()  # nosemgrep: the manifest is ready
	for method in frappe.get_hooks("medic_plus_export_completed"):  # (a leaving practice's)
		frappe.get_attr(method)(export)
	frappe.db.commit()  # nosemgrep: what the hooks did


def content_type(file_name: str) -> str:
	if not file_name.startswith("documents/"):
		return bulk.NDJSON
	return mimetypes.guess_type(file_name)[0] or "application/octet-stream"


def write(doc, writer: bulk.NDJSONWriter) -> int:
	"""Every resource of the asked types, as lines; the count written."""
	since = (
		bulk.instant(doc.since).astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None)
		if doc.since
		else None
	)
	window = (since, get_datetime(doc.transaction_time))
	done = 0
	os.makedirs(os.path.join(folder(doc.name), "documents"), exist_ok=True)
	doc.flags.errors = []
	for rtype in doc.resource_types.split(","):
		for resources in pages(doc, rtype, window):
			for body in resources:  # plain data: fhir_map's bodies write what their models write
				writer.write(rtype, fhir_map.dumps(body))
			done += len(resources)
			heartbeat(doc.name, done)
	for message in doc.flags.errors:  # the manifest's "error" files (the IG's OperationOutcomes)
		writer.write("OperationOutcome", fhir_map.to_json(fhir_map.outcome("exception", message)))
	return done


def heartbeat(name: str, done: int) -> None:
	"""The progress, for the status route, and a stop if the export was cancelled."""
	if frappe.db.get_value(DOCTYPE, name, "status") == "Cancelled":
		raise Cancelled
	frappe.db.set_value(DOCTYPE, name, "exported", done)
	frappe.db.commit()  # nosemgrep: progress is read by other requests


def changed(field: str, window) -> list:
	since, until = window
	out = [[field, "<=", until]]
	if since:
		out.append([field, ">", since])
	return out


def keyset(doctype: str, filters: list, fields, order: str = "name"):
	"""Pages of rows in name order, ``CHUNK`` a page, each page one indexed range read."""
	last = ""
	while True:
		rows = frappe.get_all(
			doctype,
			filters=[*filters, ["name", ">", last]],
			fields=fields,
			order_by=f"{order} asc",
			limit_page_length=CHUNK,
		)
		if not rows:
			return
		yield rows
		if len(rows) < CHUNK:
			return
		last = rows[-1].name


def pages(doc, rtype: str, window):
	"""Pages of the FHIR resources (as plain data) of ``rtype`` for the export's practice."""
	practice = doc.practice
	caller = router.Caller([practice], given=True)
	if rtype == "Organization":
		yield [
			router.to_body(rtype, r)
			for r in router.fetch(rtype, [["name", "=", practice], *changed("modified", window)])
		]
		return
	if rtype == "Practitioner":  # its members, and whoever its visits name
		yield [
			router.to_body(rtype, r)
			for r in router.fetch(
				rtype, [["name", "in", practitioners(caller)], *changed("modified", window)]
			)
		]
		return
	if rtype == "DocumentReference":
		yield from documents(doc, window)
		return
	scope = router.scope_filters(caller, rtype)
	if rtype == "MedicationRequest":
		for names in keyset("Patient Encounter", [*scope, *changed("modified", window)], ["name"]):
			rows = router.fetch_prescriptions([["encounter", "in", [r.name for r in names]]])
			yield [router.to_body(rtype, r) for r in rows]
		return
	if rtype == "Observation":
		filters = [*scope, ["docstatus", "=", 1], *changed("modified", window)]
		for names in keyset("Vital Signs", filters, ["name"]):
			rows = router.fetch_vital_signs([["name", "in", [r.name for r in names]]])
			yield [router.to_body(rtype, r) for r in rows]
		return
	doctype = router.DOCTYPE[rtype]
	for rows in keyset(doctype, [*scope, *changed("modified", window)], router.FIELDS[rtype]):
		if rtype == "AllergyIntolerance":
			router.add_substance_codes(rows)
		if rtype == "Patient" and doc.level == "Patient":
			log_patients(doc, [r.name for r in rows])
		yield [router.to_body(rtype, r) for r in rows]


def practitioners(caller: router.Caller) -> list[str]:
	"""The practice's practitioners: its members', and those its appointments and
	encounters name (a file that names a practitioner carries them)."""
	practice = caller.practices[0]
	named = {name for (_field, _op, names) in router.scope_filters(caller, "Practitioner") for name in names}
	for doctype in ("Patient Appointment", "Patient Encounter"):
		named.update(
			frappe.get_all(
				doctype,
				filters={"custom_practice": practice, "practitioner": ("is", "set")},
				pluck="practitioner",
				distinct=True,
			)
		)
	return sorted(named - {""}) or [""]


def log_patients(doc, names: list[str]) -> None:
	"""A Patient-level export: each patient's record, logged as exported."""
	frappe.local.request_ip = doc.client_ip
	access_log.push(
		[Access("Patient", name, "export") for name in names],
		doc.requested_by,
		None,
		fhir_token=doc.fhir_token,
	)


# --- documents: printed sick notes and consultation notes, and attached files -----------


def documents(doc, window):
	from medic_plus.clinical.printing import judged_pdf

	tz = router.practice_timezone(doc.practice)
	for doctype, kind, print_format in PRINTED:
		field = get_scope(doctype).field
		filters = [[field, "=", doc.practice], ["docstatus", "=", 1], *changed("modified", window)]
		fields = ["name", "patient", "practitioner", "creation", "docstatus"]
		if doctype == "Patient Encounter":
			fields.append("name as encounter")
		for rows in keyset(doctype, filters, fields):
			for start in range(0, len(rows), PDFS):  # a PDF takes a while: progress more often
				page = []
				for row in rows[start : start + PDFS]:
					try:
						content = judged_pdf(doctype, row.name, print_format)
					except (
						Exception
					):  # one document that does not print is an error of the export, not its end
						frappe.clear_last_message()
						doc.flags.errors.append(f"{doctype} {row.name} could not be printed as PDF.")
						continue
					page.append(document(doc, row, kind, tz, f"{doctype} {row.name}", content, "pdf"))
				yield page
	for attached, rows in attachments(doc.practice, window):
		out = []
		for row in rows:
			content = file_content(row)
			if content is None:
				continue
			extension = os.path.splitext(row.file_name or "")[1].lstrip(".").lower()
			row.patient = attached.get(row.attached_to_name) if attached else row.attached_to_name
			out.append(
				document(doc, row, "attachment", tz, row.file_name or row.name, content, extension or "bin")
			)
		yield out


def document(doc, row, kind: str, tz: str, title: str, content: bytes, extension: str):
	"""Writes ``content`` beside the NDJSON files; its DocumentReference."""
	key = hashlib.sha256(f"{kind}/{row.name}".encode()).hexdigest()[:32]
	extension = extension if extension.isalnum() and len(extension) <= 8 else "bin"
	file_name = f"documents/{key}.{extension}"
	with open(os.path.join(folder(doc.name), file_name), "wb") as handle:
		handle.write(content)
	doc.flags.contents.append(
		bulk.OutputFile(CONTENT, file_name, 1, len(content), hashlib.sha256(content).hexdigest())
	)
	return fhir_map.document_reference_body(
		{
			"kind": kind,
			"name": row.name,
			"patient": row.patient,
			"practice": doc.practice,
			"practitioner": row.get("practitioner"),
			"encounter": row.get("encounter"),
			"title": title,
			"content_type": content_type(file_name),
			"url": file_url(doc.name, file_name),
			"size": len(content),
			"sha1": b64encode(hashlib.sha1(content).digest()).decode(),  # (FHIR's Attachment.hash is SHA-1)
			"created": get_datetime(row.creation),
			"docstatus": row.get("docstatus"),
		},
		tz,
	)


def attachments(practice: str, window):
	"""(patient of each record, Files) pages of the files attached to the practice's
	records that hold patient data; for a Patient the record is the patient."""
	file = frappe.qb.DocType("File")
	for scope in SCOPES:
		if scope.mode != Mode.OWN or not access_log.holds_patient_data(scope.doctype):
			continue
		record = frappe.qb.DocType(scope.doctype)
		patient = record.name if scope.doctype == "Patient" else record[scope.patient_field]
		since, until = window
		query = (
			frappe.qb.from_(file)
			.join(record)
			.on((record.name == file.attached_to_name) & (file.attached_to_doctype == scope.doctype))
			.select(
				file.name,
				file.file_name,
				file.file_url,
				file.is_private,
				file.creation,
				file.attached_to_name,
				patient.as_("patient_of"),
			)
			.where(record[scope.field] == practice)
			.where(file.is_folder == 0)
			.where(file.modified <= until)
			.orderby(file.name)
		)
		if since:
			query = query.where(file.modified > since)
		rows = query.run(as_dict=True)
		for start in range(0, len(rows), CHUNK):
			page = rows[start : start + CHUNK]
			yield {r.attached_to_name: r.patient_of for r in page}, page


def file_content(row) -> bytes | None:
	"""The file's bytes (Frappe gives a text file's as text); None when it is gone."""
	try:
		content = frappe.get_doc("File", row.name).get_content()
	except Exception:
		frappe.clear_last_message()
		return None
	return content.encode() if isinstance(content, str) else content


def estimate(doc) -> int:
	"""About how many resources the export will write (for X-Progress): the rows of each
	type, before the _since window."""
	caller = router.Caller([doc.practice], given=True)
	total = 0
	for rtype in doc.resource_types.split(","):
		if rtype in ("Organization", "DocumentReference"):
			total += 1
		elif rtype in router.DOCTYPE:
			total += router.count_matches(rtype, router.scope_filters(caller, rtype))
	return total


# --- the scheduler ------------------------------------------------------------------------


def recover() -> None:
	"""Every few minutes: a queued or running export whose worker died (nothing written for
	STALLED) starts again, at most ATTEMPTS times; then it fails."""
	stale = add_to_date(now_datetime(), seconds=-STALLED.total_seconds())
	for row in frappe.get_all(
		DOCTYPE,
		filters={"status": ("in", RUNNING), "modified": ("<", stale)},
		fields=["name", "attempts"],
	):
		if (row.attempts or 0) >= ATTEMPTS:
			frappe.db.set_value(
				DOCTYPE,
				row.name,
				{
					"status": "Failed",
					"error": "The export stopped and could not be finished; start a new one.",
				},
			)
			remove_files(row.name)
		else:
			frappe.db.set_value(DOCTYPE, row.name, "status", "Queued")
			frappe.db.commit()  # nosemgrep: the job reads it
			enqueue(row.name)
	frappe.db.commit()  # nosemgrep: scheduler job


def expire() -> None:
	"""Hourly: the files of exports past their time are removed."""
	for name in frappe.get_all(
		DOCTYPE,
		filters={
			"status": ("in", ("Completed", "Failed", "Cancelled")),
			"expires_on": ("<=", now_datetime()),
		},
		pluck="name",
	):
		remove_files(name)
		frappe.db.set_value(DOCTYPE, name, "status", "Expired")
	frappe.db.commit()  # nosemgrep: scheduler job
