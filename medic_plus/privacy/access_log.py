"""The access log: every read (print, change, delete) of a document that holds a patient's
data by a practice user becomes one Patient Access Log entry: who, which practice,
which document, which patient, what, when, from which address and browser.

The request pays one push to the durable Redis (``medic_plus/durable.py``: the queue Redis,
with snapshots and without eviction, never the cache): the gate notes what a request opens
(``note``), the ``after_request`` hook queues the entries of a request that succeeded
(``queue``), and a job every minute writes them (``flush``). When the durable Redis cannot
take them, the entries are written to the database at once instead; when neither can, the
request fails closed: its answer is replaced by a 503 and nothing it read is served.

The job moves a batch onto a processing list atomically and removes it only after the rows
are committed; a job that dies leaves the batch there for the next one, and rows are named
by the entry so that writing a batch twice writes each entry once. One job runs at a time
(a database lock). What can be lost: entries queued since the durable Redis's last snapshot
if that server dies with its disk (with Redis's default snapshots, up to an hour of a quiet
practice's reads; about a second with ``appendonly yes``); a restart of the cache, eviction
or a full cache lose nothing.
"""

from __future__ import annotations

import json
import uuid

import frappe
import redis
from frappe import _
from frappe.utils import now_datetime

from medic_plus import durable
from medic_plus.core import access_log as core
from medic_plus.core.portal import ROLE as PATIENT_ROLE
from medic_plus.locks import one_at_a_time
from medic_plus.methods import canonical
from medic_plus.replica import on_primary
from medic_plus.tenancy.scope import get_scope

RETENTION_YEARS = "medic_plus_access_log_years"  # site config; 6 when not set
QUEUE = "medic_plus:access_log:queue"
PROCESSING = "medic_plus:access_log:processing"
BATCH = 5000
FIELDS = (
	"name",
	"accessed_on",
	"user",
	"action",
	"patient",
	"practice",
	"reference_doctype",
	"reference_name",
	"client_ip",
	"user_agent",
	"fhir_token",
	"actor",
)
# move up to ARGV[1] entries from the queue onto the processing list, in one step
_TAKE = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
	redis.call('RPUSH', KEYS[2], unpack(items))
	redis.call('LTRIM', KEYS[1], #items, -1)
end
return #items
"""


def holds_patient_data(doctype: str) -> bool:
	scope = get_scope(doctype)
	return doctype == "Patient" or bool(scope and scope.patient_field)


def note(target, form, request) -> None:
	"""Gate: remember what this request opens (written only if it succeeds)."""
	method = target.name if target.kind == "method" else ""
	if method:
		method = canonical(method) or method
	found = core.accesses(
		target.kind,
		method,
		target.doctype,
		target.docname,
		request.method,
		request.path,
		form,
		report_doctype=lambda report: frappe.db.get_value("Report", report, "ref_doctype"),
	)
	if request.path.startswith("/private/files/"):
		found = _attachment(request.path)
	found = [a for a in found if holds_patient_data(a.doctype)]
	if found:
		frappe.local.medic_plus_accesses = [*getattr(frappe.local, "medic_plus_accesses", []), *found]


def _attachment(path: str) -> list[core.Access]:
	"""A private file downloaded: the record it is attached to."""
	from urllib.parse import unquote

	row = frappe.db.get_value(
		"File", {"file_url": unquote(path)}, ["attached_to_doctype", "attached_to_name"], as_dict=True
	)
	if row and row.attached_to_doctype and row.attached_to_name:
		return [core.Access(row.attached_to_doctype, row.attached_to_name, "download")]
	return []


def _list_practices(doctype: str) -> list[str]:
	"""The practices whose rows a list of ``doctype`` can show this user."""
	from medic_plus.tenancy import context

	return sorted(set(context.practices_for(doctype, "read")))


class AccessLogUnavailable(frappe.ValidationError):
	"""Neither the durable Redis nor the database took an entry: nothing is served."""

	http_status_code = 503


RETRY_AFTER = 30  # seconds, in the Retry-After of a request that failed closed


def queue(response=None, request=None) -> None:
	"""after_request: the entries of a request that succeeded, into the queue; a request
	whose entries nothing could take is answered 503 instead (fails closed)."""
	found = getattr(frappe.local, "medic_plus_accesses", None)
	if not found or response is None or response.status_code >= 400:
		return
	frappe.local.medic_plus_accesses = []
	actor = "Patient" if PATIENT_ROLE in frappe.get_roles() else None
	entries = _entries([a for a in found if a.name], frappe.session.user, request, actor=actor)
	for a in found:
		if not a.name:  # a list: one entry for each practice it can show
			for practice in _list_practices(a.doctype):
				entries += _entries([a], frappe.session.user, request, practice=practice, actor=actor)
	try:
		_enqueue(entries, commit=True)
	except AccessLogUnavailable:
		_fail_closed(response)


def push(
	found,
	user: str | None,
	request=None,
	fhir_token: str | None = None,
	patient: str | None = None,
	practice: str | None = None,
	actor: str | None = None,
) -> None:
	"""Queue one entry per access, in the middle of a request (an export, a record's status
	changed, a FHIR read, the patient portal); for an access that names no record,
	``patient`` (a search about one patient) or ``practice`` (a list); ``actor``: "Patient"
	for the patient in the portal (else a practice user, or a FHIR client by its token).
	When nothing can take them, AccessLogUnavailable (503) ends the request: what it was
	about to serve is not served."""
	_enqueue(_entries(found, user, request, fhir_token, patient, practice, actor), commit=False)


def _entries(
	found, user, request=None, fhir_token=None, patient=None, practice=None, actor=None
) -> list[dict]:
	ip = getattr(frappe.local, "request_ip", None)
	agent = (request.headers.get("User-Agent") or "")[:500] if request is not None else ""
	at = now_datetime().isoformat()
	return [
		{
			"id": uuid.uuid4().hex,
			"at": at,
			"user": user,
			"token": fhir_token,
			"doctype": a.doctype,
			"name": a.name,
			"patient": patient,
			"practice": practice,
			"action": a.action,
			"ip": ip,
			"agent": agent,
			"actor": actor,
		}
		for a in found
	]


def _enqueue(entries: list[dict], commit: bool) -> None:
	"""Into the durable queue in one push; else straight into the database (committed at
	once after a request, else with the request's own transaction); else
	AccessLogUnavailable."""
	if not entries:
		return
	try:
		durable.conn().rpush(durable.key(QUEUE), *(json.dumps(e) for e in entries))
		return
	except redis.exceptions.RedisError:
		pass
	try:
		with on_primary():  # (a read served from a replica still logs to the primary)
			_write(entries)
			if commit:
				frappe.db.commit()  # nosemgrep: after the request: the entries stand on their own
	except Exception:
		try:  # the database may be what failed: the log file has it then
			frappe.log_error(title="medic_plus: access log entries could not be queued or written")
		except Exception:
			frappe.logger("medic_plus").exception("access log entries could not be queued or written")
		frappe.throw(_unlogged(), AccessLogUnavailable, title=_("Service Unavailable"))


def _unlogged() -> str:
	return _(
		"This record cannot be shown right now because its access cannot be logged. Please try again shortly."
	)


def _fail_closed(response) -> None:
	"""Replace what the request would have served by a 503 (after the fact: the request
	already ran, nothing of what it read leaves the server); its retry hint comes from
	``outage.add_retry_after``, the after_request hook that runs after this one."""
	from medic_plus.outage import unavailable_body

	response.direct_passthrough = False
	for header in ("Content-Disposition", "ETag", "Last-Modified", "Content-Encoding"):
		response.headers.pop(header, None)
	response.status_code = 503
	frappe.local.flags.medic_plus_retry_after = RETRY_AFTER
	response.mimetype = "application/json"
	response.set_data(unavailable_body(_unlogged(), AccessLogUnavailable.__name__))


@one_at_a_time
def flush() -> int | None:
	"""Scheduler (every minute): write what is queued, a batch at a time. Returns how
	many entries were written (None: another run is writing them now)."""
	_adopt_legacy()
	client = durable.conn()
	processing = durable.key(PROCESSING)
	written = 0
	while True:
		# a batch a job before this one took but did not finish goes first
		if not client.llen(processing):
			if not durable.run(_TAKE, [QUEUE, PROCESSING], [BATCH]):
				return written
		entries = [json.loads(i) for i in client.lrange(processing, 0, -1)]
		_write(entries)
		frappe.db.commit()  # nosemgrep: a scheduler job; the batch leaves Redis only once written
		client.delete(processing)
		written += len(entries)


def _adopt_legacy() -> None:
	"""Entries an earlier version queued in the cache Redis move to the durable queue
	(copied, then trimmed: a copy made twice is written once, by its entry's name)."""
	for name in (PROCESSING, QUEUE):
		try:
			items = frappe.cache.lrange(name, 0, -1)
		except redis.exceptions.RedisError:
			return
		if items:
			durable.conn().rpush(durable.key(QUEUE), *items)
			frappe.cache.ltrim(name, len(items), -1)


@one_at_a_time
def purge() -> int:
	"""Daily: entries older than the platform's retention (site config
	``medic_plus_access_log_years``, default 6 years) go. Returns how many."""
	from frappe.utils import add_years

	years = frappe.utils.cint(frappe.conf.get(RETENTION_YEARS)) or 6
	log = frappe.qb.DocType("Patient Access Log")
	cutoff = add_years(now_datetime(), -years)
	old = frappe.qb.from_(log).select(log.name).where(log.accessed_on < cutoff).run(pluck=True)
	for start in range(0, len(old), 5000):
		frappe.qb.from_(log).delete().where(log.name.isin(old[start : start + 5000])).run()
	return len(old)


def _write(entries: list[dict]) -> None:
	owners = _owners(entries)
	rows = []
	for e in entries:
		if e.get("name"):
			patient, practice = owners.get((e["doctype"], e["name"]), (None, None))
		elif e.get("patient"):  # a search about one patient
			patient, practice = owners.get(("Patient", e["patient"]), (None, None))
		else:  # a list
			patient, practice = None, e.get("practice")
		rows.append(
			(
				e["id"],
				e["at"].replace("T", " "),
				e.get("user"),
				e["action"],
				patient,
				practice,
				e["doctype"],
				e.get("name") or None,
				e.get("ip"),
				e.get("agent"),
				e.get("token"),
				e.get("actor") or ("FHIR Client" if e.get("token") else "Practice User"),
			)
		)
	stamp = now_datetime()
	frappe.db.bulk_insert(
		"Patient Access Log",
		[*FIELDS, "creation", "modified", "owner", "modified_by", "docstatus"],
		[(*row, stamp, stamp, "Administrator", "Administrator", 0) for row in rows],
		ignore_duplicates=True,
	)


def _owners(entries: list[dict]) -> dict[tuple[str, str], tuple[str | None, str | None]]:
	"""(doctype, name) -> (patient, practice) of each record named, one query a doctype."""
	by_doctype: dict[str, set[str]] = {}
	for e in entries:
		if e.get("name"):
			by_doctype.setdefault(e["doctype"], set()).add(e["name"])
		elif e.get("patient"):
			by_doctype.setdefault("Patient", set()).add(e["patient"])
	out = {}
	for doctype, names in by_doctype.items():
		scope = get_scope(doctype)
		if not scope or not frappe.db.exists("DocType", doctype):
			continue
		patient_field = "name" if doctype == "Patient" else scope.patient_field
		for name, patient, practice in frappe.get_all(
			doctype,
			filters={"name": ("in", list(names))},
			fields=["name", patient_field, scope.field],
			as_list=True,
		):
			out[(doctype, name)] = (patient, practice)
	return out
