"""A practice leaves with all of its data, and the platform keeps no copy.

1. ``offboard`` (platform admins, the practice's slug typed to confirm): the practice is
   closed to bookings (Inactive) and to logins (its memberships end; a user with no other
   practice is disabled), and its full FHIR bulk export (every type, its documents) is
   written in the background.
2. When the export is written (``exported``, a hook of the export job), its manifest,
   with the SHA-256 of every file, and a token that reads only that export go by e-mail
   to the practice's admins. The files stay until the erasure.
3. ``confirm_copy`` (platform admins), or ``WAIT_DAYS`` after the mail (the daily
   ``erase_due``): ``erase`` removes every record of the practice, driven by the scope
   table (tenancy/scope.py): its own rows, the rows about its patients, their child rows,
   attachments (and their files), comments, versions, e-mails, deleted copies, contacts,
   its books, its members' access (a user who belongs elsewhere keeps the other
   practices; one who does not goes, with their practitioner record when no other
   practice names it), portal accounts left with no record, queued jobs and caches. The
   access log's entries stay until their own retention (the daily purge). What the
   platform keeps of its own stays: the Practice (stripped of its contact details and
   branding), its registration, and the platform's invoices to it. A scan of every text
   column of the database then looks for each name, identifier, e-mail address, phone
   number and record name of the practice's patients and staff; the report (counts per
   doctype, what was kept and why, the scan) is kept on the Practice.
"""

from __future__ import annotations

import json
from collections import Counter

import frappe
from frappe import _
from frappe.utils import add_to_date, cint, now_datetime

from medic_plus.core import offboarding as core
from medic_plus.fhir import bulk
from medic_plus.tenancy import context
from medic_plus.tenancy.scope import BOOKS, LINKED, OWNED, REFERENCES, SCOPES, Mode, Reference

# kept by the erasure: the access log until its own retention; what the platform keeps of
# its own (its registration); the erasure's own export record (its files are removed)
KEPT = {
	"Patient Access Log": "kept until the access log's own retention ends (the daily purge removes it)",
	"Practice": "the platform's own: stripped of its contact details and branding",
	"Practice Registration": "the platform's own: the practice's sign-up",
}
NOT_SCANNED = ("tabPatient Access Log", "tabPractice Registration", "tabPractice Registration Step")
CHUNK = 500
# besides the tenancy's references: what else names a record by (doctype, name)
ERASED_REFERENCES = (
	Reference("Access Log", "export_from", "reference_document", "an export or print of it"),
)
# of the practice's own books, what names its patients: the entries and the parties
BOOK_ENTRIES = (
	"Sales Invoice",
	"Payment Entry",
	"Journal Entry",
	"GL Entry",
	"Payment Ledger Entry",
	"Customer",
)
LOGS = (  # where a removed record or person may still be named: rows found are removed
	("Email Queue", "message"),
	("Comment", "subject"),
	("Communication", "content"),
	("Contact", "full_name"),
	("Address", "address_line1"),
	("Error Log", "error"),
	("Deleted Document", "data"),
	("Activity Log", "subject"),
	("Access Log", "reference_document"),
	("Route History", "route"),
	("Scheduled Job Log", "details"),
)


# --- the steps ----------------------------------------------------------------------------


def offboard(practice: str, confirm: str) -> str:
	"""Close the practice and start its export; returns the export's name."""
	doc = frappe.get_doc("Practice", practice)
	try:
		core.check_confirmation(confirm, doc.slug)
		step = core.next_step(doc.offboarding_status, "start")
	except core.OffboardingError as e:
		frappe.throw(_(str(e)), frappe.ValidationError)
	with context.system_scope():
		export = frappe.get_doc(
			{
				"doctype": bulk.DOCTYPE,
				"practice": practice,
				"level": "Group",
				"status": "Queued",
				"resource_types": ",".join(bulk.SUPPORTED),  # every type, its documents too
				"requested_by": frappe.session.user,
				"request_url": f"{bulk.router.base_url()}/Group/{practice}/$export (offboarding)",
			}
		).insert(ignore_permissions=True)
	doc.update({"status": "Inactive", "offboarding_status": step, "offboarding_export": export.name})
	doc.flags.ignore_permissions = doc.flags.ignore_mandatory = True
	doc.save()  # through the document: its hooks (the public calendar's cache) follow
	_close_logins(practice)
	frappe.db.commit()  # nosemgrep: the export job reads it
	bulk.enqueue(export.name)
	return export.name


def _close_logins(practice: str) -> None:
	"""The practice's memberships end; a user who has no other practice is disabled."""
	users = frappe.get_all("Practice Member", {"practice": practice}, pluck="user")
	frappe.db.set_value("Practice Member", {"practice": practice}, "is_active", 0)
	for user in set(users):
		context.clear_membership_cache(user)
		if not _belongs_elsewhere(user, practice):
			frappe.db.set_value("User", user, "enabled", 0)


def _belongs_elsewhere(user: str, practice: str) -> bool:
	return bool(
		frappe.db.exists("Practice Member", {"user": user, "practice": ("!=", practice), "is_active": 1})
	) or context.is_platform_admin(user)


def exported(export: str) -> None:
	"""Hook of the export job (medic_plus_export_completed): a leaving practice's export is
	written; its manifest goes to the practice's admins with a token that reads it."""
	from medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token import new_token

	practice = frappe.db.get_value("Practice", {"offboarding_export": export}, "name")
	if not practice:
		return
	doc = frappe.get_doc("Practice", practice)
	if doc.offboarding_status != core.OFFBOARDING:
		return  # (an export written again: its mail went already)
	step = core.next_step(doc.offboarding_status, "exported")
	wait = wait_days()
	keep_until = add_to_date(now_datetime(), days=wait + 30)
	frappe.db.set_value(bulk.DOCTYPE, export, "expires_on", keep_until)
	token = new_token(practice, _("Offboarding export"), keep_until, export_only=True)
	files = json.loads(frappe.db.get_value(bulk.DOCTYPE, export, "files") or "[]")
	admins = frappe.get_all("Practice Member", {"practice": practice, "role": "Admin"}, pluck="user")
	recipients = sorted({frappe.db.get_value("User", u, "email") for u in admins} - {None})
	if recipients:
		frappe.sendmail(
			recipients=recipients,
			subject=_("{0}: your records, ready to download").format(doc.practice_name),
			message=frappe.render_template(
				MAIL,
				{
					"practice": doc.practice_name,
					"status_url": bulk.status_url(export),
					"token": token,
					"files": files,
					"wait": wait,
				},
			),
			now=False,
		)
	doc.db_set({"offboarding_status": step, "exported_on": now_datetime()})


MAIL = """<p>{{ _("The records of {0} were exported, as you asked, to leave the platform.").format(practice) }}</p>
<p>{{ _("Download them with the FHIR Bulk Data status URL below and this token (send it as 'Authorization: Bearer &lt;token&gt;'); it reads only this export.") }}</p>
<p><code>{{ status_url }}</code><br><code>{{ token }}</code></p>
<p>{{ _("The files, with the SHA-256 of each to check your copy:") }}</p>
<table border="1" cellpadding="4" cellspacing="0">
<tr><th>{{ _("File") }}</th><th>{{ _("Type") }}</th><th>{{ _("Resources") }}</th><th>{{ _("Bytes") }}</th><th>SHA-256</th></tr>
{% for f in files %}<tr><td>{{ f.name }}</td><td>{{ f.type }}</td><td>{{ f.count }}</td><td>{{ f.size }}</td><td><code>{{ f.sha256 }}</code></td></tr>
{% endfor %}</table>
<p>{{ _("Once the platform has your confirmation that you have your copy, or after {0} days, every record of the practice is erased from the platform.").format(wait) }}</p>"""


def wait_days() -> int:
	value = frappe.db.get_single_value("Medic Plus Settings", "offboarding_wait_days")
	return core.WAIT_DAYS if value in (None, "") else cint(value)


def confirm_copy(practice: str) -> None:
	doc = frappe.get_doc("Practice", practice)
	if doc.offboarding_status != core.EXPORTED:
		frappe.throw(_("The practice's export has not been mailed yet."), frappe.ValidationError)
	doc.db_set("copy_confirmed", 1)
	frappe.db.commit()  # nosemgrep: the job reads it
	enqueue_erasure(practice)


def enqueue_erasure(practice: str) -> None:
	frappe.enqueue(
		"medic_plus.onboarding.offboarding.erase",
		queue="long",
		timeout=6 * 3600,
		job_id=f"medic_plus_erase_practice::{practice}",
		deduplicate=True,
		practice=practice,
	)


def erase_due() -> None:
	"""Daily: leaving practices whose erasure is due."""
	for row in frappe.get_all(
		"Practice",
		filters={"offboarding_status": core.EXPORTED},
		fields=["name", "exported_on", "copy_confirmed"],
	):
		if core.erasure_due(row.exported_on, bool(row.copy_confirmed), wait_days(), now_datetime()):
			enqueue_erasure(row.name)


# --- the erasure ----------------------------------------------------------------------------


def erase(practice: str) -> dict:
	"""Every record of the practice, removed; the report (also kept on the Practice)."""
	from medic_plus.privacy import access_log

	doc = frappe.get_doc("Practice", practice)
	core.next_step(doc.offboarding_status, "erased")
	access_log.flush()  # queued entries land where their retention applies
	eraser = Eraser(doc)
	with context.system_scope():
		report = eraser.run()
	doc.reload()
	doc.db_set(
		{
			"offboarding_status": core.ERASED,
			"erased_on": now_datetime(),
			"erasure_report": json.dumps(report, indent=1),
			"offboarding_export": None,  # (erased with the rest)
		}
	)
	frappe.db.commit()  # nosemgrep: the erasure stands
	frappe.clear_cache()
	return report


class Eraser:
	def __init__(self, practice_doc):
		self.doc = practice_doc
		self.practice = practice_doc.name
		self.removed: Counter = Counter()
		self.patients = frappe.get_all("Patient", {"custom_practice": self.practice}, pluck="name")
		self.customers = sorted(
			set(
				frappe.get_all(
					"Patient", {"custom_practice": self.practice, "customer": ("is", "set")}, pluck="customer"
				)
			)
		)
		self.members = frappe.get_all(
			"Practice Member", filters={"practice": self.practice}, fields=["user", "practitioner"]
		)
		self.leaving = [m.user for m in self.members if not _belongs_elsewhere(m.user, self.practice)]
		self.company = self._own_company()
		self.practitioners = self._leaving_practitioners()
		self.needle_values = sorted(core.needles(self._needles()))  # read before anything goes
		self.pattern = core.pattern(set(self.needle_values))

	def _own_company(self) -> str | None:
		"""The practice's books, when no other practice and not the platform keep theirs there."""
		company = self.doc.company
		if not company or company == frappe.defaults.get_global_default("company"):
			return None
		if frappe.db.exists("Practice", {"company": company, "name": ("!=", self.practice)}):
			return None
		return company

	def _needles(self) -> list[str]:
		values: list[str] = list(self.patients)
		for start in range(0, len(self.patients), CHUNK):
			for row in frappe.get_all(
				"Patient",
				filters={"name": ("in", self.patients[start : start + CHUNK])},
				fields=["patient_name", "email", "mobile", "phone", "uid", "first_name", "last_name"],
			):
				values += [row.patient_name, row.email, row.mobile, row.phone, row.uid]
				values.append(f"{row.first_name or ''} {row.last_name or ''}")
		for user in self.leaving:
			row = frappe.db.get_value(
				"User", user, ["full_name", "email", "mobile_no", "phone"], as_dict=True
			)
			if row:
				values += [row.full_name, row.email, row.mobile_no, row.phone]
		for practitioner in self.practitioners:
			row = frappe.db.get_value(
				"Healthcare Practitioner",
				practitioner,
				["practitioner_name", "mobile_phone", "custom_registration_number"],
				as_dict=True,
			)
			if row:
				values += [
					practitioner,
					row.practitioner_name,
					row.mobile_phone,
					row.custom_registration_number,
				]
		return values

	def _leaving_practitioners(self) -> list[str]:
		"""The practice's practitioners whom no other practice names (as a member, or in its
		appointments, encounters or schedules)."""
		out = []
		for practitioner in {m.practitioner for m in self.members if m.practitioner}:
			elsewhere = frappe.db.exists(
				"Practice Member", {"practitioner": practitioner, "practice": ("!=", self.practice)}
			) or any(
				frappe.db.exists(
					doctype, {"practitioner": practitioner, "custom_practice": ("!=", self.practice)}
				)
				for doctype in ("Patient Appointment", "Patient Encounter", "Practitioner Schedule")
			)
			if not elsewhere:
				out.append(practitioner)
		return out

	# --- the run -----------------------------------------------------------------------------

	def run(self) -> dict:
		records = self._records()
		for doctype, names in records.items():
			self._delete_rows(doctype, names)
		self._delete_contacts()
		self._delete_global_search(records)
		self._close_practice()
		self._remove_people(self.practitioners)
		self._remove_portal_accounts()
		self._delete_logs()
		self._cancel_jobs()
		frappe.db.commit()  # nosemgrep: the rows are gone before the scan reads every table
		scan = self.scan()
		return {
			"practice": self.practice,
			"removed": dict(sorted(self.removed.items())),
			"kept": {
				doctype: {"rows": frappe.db.count(doctype, {field: self.practice}), "why": why}
				for doctype, field, why in (
					("Patient Access Log", "practice", KEPT["Patient Access Log"]),
					("Practice Registration", "practice", KEPT["Practice Registration"]),
				)
				if frappe.db.has_column(doctype, field)
			},
			"scan": scan,
		}

	def _records(self) -> dict[str, list[str]]:
		"""doctype -> names of every record of the practice (not child rows)."""
		from medic_plus.privacy.rights import _patient_links

		out: dict[str, set[str]] = {}

		def add(doctype, field, values):
			if not frappe.db.table_exists(doctype) or not frappe.db.has_column(doctype, field):
				return
			for start in range(0, len(values), CHUNK):
				out.setdefault(doctype, set()).update(
					frappe.get_all(doctype, {field: ("in", values[start : start + CHUNK])}, pluck="name")
				)

		for scope in SCOPES:
			if scope.mode is Mode.OWN and scope.field != "name" and scope.doctype not in KEPT:
				add(scope.doctype, scope.field, [self.practice])
		for linked in LINKED:
			add(linked.doctype, linked.field, self.patients)
		for doctype, fields in _patient_links().items():  # what else names the patients
			meta = frappe.get_meta(doctype)
			if doctype in KEPT or meta.istable or meta.issingle or meta.get("is_virtual"):
				continue
			for field in fields:
				add(doctype, field, self.patients)
		if self.company:  # the entries and parties of its own books (their chart stays)
			for books in BOOKS:
				if books.doctype in BOOK_ENTRIES:
					add(books.doctype, books.field, [self.company])
		# the patients' customers that hold no entry in any books (a bare name for billing)
		for customer in self.customers:
			if not frappe.db.exists("GL Entry", {"party_type": "Customer", "party": customer}):
				out.setdefault("Customer", set()).add(customer)
		return {doctype: sorted(names) for doctype, names in out.items() if names}

	def _delete_rows(self, doctype: str, names: list[str]) -> None:
		meta = frappe.get_meta(doctype)
		if doctype == "FHIR Bulk Export":  # the practice has its copy: the platform keeps none
			for name in names:
				bulk.remove_files(name)
		for start in range(0, len(names), CHUNK):
			chunk = names[start : start + CHUNK]
			for df in meta.get_table_fields():
				frappe.db.delete(df.options, {"parenttype": doctype, "parent": ("in", chunk)})
			self._delete_references(doctype, chunk)
			frappe.db.delete(doctype, {"name": ("in", chunk)})
			self.removed[doctype] += len(chunk)

	def _delete_references(self, doctype: str, names: list[str]) -> None:
		for ref in (*REFERENCES, *ERASED_REFERENCES):
			if not frappe.db.table_exists(ref.doctype):
				continue
			filters = {ref.type_field: doctype, ref.name_field: ("in", names)}
			if ref.doctype == "File":  # the file on disk goes too
				for name in frappe.get_all("File", filters, pluck="name"):
					frappe.delete_doc(
						"File", name, ignore_permissions=True, force=True, delete_permanently=True
					)
					self.removed["File"] += 1
				continue
			count = frappe.db.count(ref.doctype, filters)
			if count:
				frappe.db.delete(ref.doctype, filters)
				self.removed[ref.doctype] += count

	def _delete_contacts(self) -> None:
		"""The Contacts and Addresses of the patients and their customers."""
		link = frappe.qb.DocType("Dynamic Link")
		people = [("Patient", p) for p in self.patients] + [("Customer", c) for c in self.customers]
		for start in range(0, len(people), CHUNK):
			chunk = people[start : start + CHUNK]
			for parenttype, parent in (
				frappe.qb.from_(link)
				.select(link.parenttype, link.parent)
				.where(link.link_doctype.isin(("Patient", "Customer")))
				.where(link.link_name.isin([name for _doctype, name in chunk]))
				.where(link.parenttype.isin(("Contact", "Address")))
				.run()
			):
				if frappe.db.exists(parenttype, parent):
					frappe.delete_doc(
						parenttype, parent, ignore_permissions=True, force=True, delete_permanently=True
					)
					self.removed[parenttype] += 1

	def _delete_global_search(self, records: dict[str, list[str]]) -> None:
		if "__global_search" not in frappe.db.get_tables(cached=False):
			return
		table = frappe.qb.Table("__global_search")
		for doctype, names in records.items():
			for start in range(0, len(names), CHUNK):
				frappe.qb.from_(table).delete().where(
					(table.doctype == doctype) & table.name.isin(names[start : start + CHUNK])
				).run()

	def _close_practice(self) -> None:
		"""The Practice stays, the platform's own, without what named its people."""
		for owned in OWNED:
			name = self.doc.get(owned.practice_field)
			if owned.doctype == "Letter Head" and name and frappe.db.exists("Letter Head", name):
				frappe.delete_doc(
					"Letter Head", name, ignore_permissions=True, force=True, delete_permanently=True
				)
				self.removed["Letter Head"] += 1
		meta = frappe.get_meta("Practice")
		wiped = {
			df.fieldname: None
			for df in meta.fields
			if df.fieldname
			in ("email", "phone", "address", "logo", "letter_head", "website", "map_url", "tagline")
			and df.fieldtype not in ("Section Break", "Column Break", "Table")
		}
		if wiped:
			frappe.db.set_value("Practice", self.practice, wiped, update_modified=False)
		for df in meta.get_table_fields():
			frappe.db.delete(df.options, {"parenttype": "Practice", "parent": self.practice})

	def _remove_people(self, practitioners: list[str]) -> None:
		"""Users who belonged to this practice only, and their practitioner records that no
		other practice names; the others keep their other practices."""
		for user in set(self.leaving):
			if frappe.db.exists("User", user) and user not in ("Administrator", "Guest"):
				for doctype, field in (
					("Activity Log", "user"),
					("Route History", "user"),
					("Access Log", "user"),
					("Energy Point Log", "user"),
					("Notification Log", "for_user"),
					("View Log", "viewed_by"),
					("Sessions", "user"),
					("DefaultValue", "parent"),
				):
					if frappe.db.table_exists(doctype) and frappe.db.has_column(doctype, field):
						frappe.db.delete(doctype, {field: user})
				frappe.delete_doc("User", user, ignore_permissions=True, force=True, delete_permanently=True)
				self.removed["User"] += 1
		for user in {m.user for m in self.members} - set(self.leaving):
			context.clear_membership_cache(user)
			if frappe.defaults.get_user_default("medic_plus_active_practice", user) == self.practice:
				frappe.defaults.clear_user_default("medic_plus_active_practice", user)
		for practitioner in practitioners:
			if frappe.db.exists("Healthcare Practitioner", practitioner):
				frappe.delete_doc(
					"Healthcare Practitioner",
					practitioner,
					ignore_permissions=True,
					force=True,
					delete_permanently=True,
				)
				self.removed["Healthcare Practitioner"] += 1

	def _remove_portal_accounts(self) -> None:
		"""A portal account whose person has no record left at any practice goes."""
		from medic_plus.portal import identity

		for account in frappe.get_all(
			"Portal Account", fields=["name", "user", "channel", "identifier", "first_name", "last_name"]
		):
			if self.pattern is None or not core.hits(account.identifier, self.pattern):
				continue
			if identity.matching(account.channel, account.identifier, account.first_name, account.last_name):
				continue
			frappe.db.delete("Portal Account", {"name": account.name})
			identity.forget_account(account.user)
			if frappe.db.exists("User", account.user):
				frappe.delete_doc(
					"User", account.user, ignore_permissions=True, force=True, delete_permanently=True
				)
			self.removed["Portal Account"] += 1

	def _delete_logs(self) -> None:
		"""Rows of logs, queues and contacts that still name the practice's people (a mail
		to one of them, by its recipient: its text may be encoded)."""
		for child, parent in (("Email Queue Recipient", "Email Queue"),):
			if frappe.db.table_exists(child):
				rows = self._matching_rows(f"tab{child}")
				parents = (
					sorted(set(frappe.get_all(child, filters={"name": ("in", rows)}, pluck="parent")))
					if rows
					else []
				)
				for start in range(0, len(parents), CHUNK):
					frappe.db.delete(child, {"parent": ("in", parents[start : start + CHUNK])})
					frappe.db.delete(parent, {"name": ("in", parents[start : start + CHUNK])})
				self.removed[parent] += len(parents)
		for doctype, _field in LOGS:
			if not frappe.db.table_exists(doctype):
				continue
			names = self._matching_rows(f"tab{doctype}")
			for start in range(0, len(names), CHUNK):
				chunk = names[start : start + CHUNK]
				for df in frappe.get_meta(doctype).get_table_fields():
					frappe.db.delete(df.options, {"parenttype": doctype, "parent": ("in", chunk)})
				frappe.db.delete(doctype, {"name": ("in", chunk)})
			if names:
				self.removed[doctype] += len(names)

	def _cancel_jobs(self) -> None:
		"""Queued background jobs about the practice's records."""
		from frappe.utils.background_jobs import get_queues

		for queue in get_queues():
			for job in queue.get_jobs():
				text = f"{job.kwargs!r}"
				if self.practice in text or (self.pattern is not None and core.hits(text, self.pattern)):
					job.cancel()
					job.delete()
					self.removed["queued job"] += 1

	# --- the scan ----------------------------------------------------------------------------

	def _text_columns(self) -> dict[str, list[str]]:
		rows = frappe.db.sql(
			"""select table_name, column_name from information_schema.columns
			where table_schema = database()
			and data_type in ('char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'json')""",
		)
		out: dict[str, list[str]] = {}
		for table, column in rows:
			out.setdefault(table, []).append(column)
		return out

	def _regexps(self) -> list[str]:
		"""The needles as MariaDB regular expressions, 200 each."""
		import re

		values = self.needle_values
		return ["|".join(re.escape(v) for v in values[i : i + 200]) for i in range(0, len(values), 200)]

	def _matching_rows(self, table: str, columns: list[str] | None = None) -> list:
		"""The rows of ``table`` (their name, where the table has one) whose text names any
		needle."""
		if columns is None:
			if not hasattr(self, "_columns"):
				self._columns = self._text_columns()
			columns = self._columns.get(table, [])
		if not columns or not self.needle_values:
			return []
		joined = "concat_ws(' ', " + ", ".join(f"`{c}`" for c in columns) + ")"
		key = "name" if "name" in columns else "1"
		found = set()
		for expression in self._regexps():
			found.update(
				frappe.db.sql(
					f"select {key} from `{table}` where {joined} regexp %s",  # nosemgrep: names from information_schema
					expression,
					pluck=True,
				)
			)
		return sorted(found, key=str)

	def scan(self) -> dict:
		"""Every text column of every table (but the kept access log and registration), for
		every needle: where any is still found (table, column and how many rows; never the
		values)."""
		found = []
		tables = {t: c for t, c in self._text_columns().items() if t not in NOT_SCANNED}
		for table, columns in sorted(tables.items()):
			if not self._matching_rows(table, columns):  # one query a table; then column by column
				continue
			for expression in self._regexps():
				for column in columns:
					count = frappe.db.sql(
						f"select count(*) from `{table}` where `{column}` regexp %s",  # nosemgrep: names from information_schema
						expression,
					)[0][0]
					if count:
						found.append({"table": table, "column": column, "rows": count})
		return {"tables": len(tables), "values": len(self.needle_values), "found": found}
