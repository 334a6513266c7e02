"""A practice leaves: closed, exported and mailed, then erased; a scan of every text column
of the database finds nothing of its patients and staff, and practice B (its records,
its counts, its isolation) is unchanged, as is a user who was in both."""

from __future__ import annotations

import json
from unittest.mock import patch

import frappe

from medic_plus import demo
from medic_plus.fhir import bulk
from medic_plus.onboarding import offboarding
from medic_plus.tenancy import context
from medic_plus.tenancy.scope import SCOPES, Mode
from medic_plus.tests.compat import TenancyFixtureTestCase

LEAVING = ("ISO Leaving Practice", "iso-leaving", "ISOL")  # (a suffix a run: each makes its books)
BOTH = "iso-leaving-both@example.com"


def mail_text(message: str) -> str:
	"""The text of a queued mail's parts (decoded)."""
	from email import message_from_string

	parsed = message_from_string(message or "")
	parts = parsed.walk() if parsed.is_multipart() else [parsed]
	return "\n".join(
		(p.get_payload(decode=True) or b"").decode(p.get_content_charset() or "utf-8", "replace")
		for p in parts
		if not p.is_multipart()
	)


def counts_of(practice: str) -> dict[str, int]:
	return {
		s.doctype: frappe.db.count(s.doctype, {s.field: practice})
		for s in SCOPES
		if s.mode is Mode.OWN and s.field != "name" and frappe.db.table_exists(s.doctype)
	}


def text_columns() -> dict[str, list[str]]:
	out: dict[str, list[str]] = {}
	for table, column in frappe.db.sql(
		"""select table_name, column_name from information_schema.columns where table_schema = database()
		and data_type in ('char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'json')"""
	):
		out.setdefault(table, []).append(column)
	return out


def found_anywhere(values: list[str], skip: tuple[str, ...]) -> list[tuple[str, str, str]]:
	"""(table, column, value) for each value still in a text column (LIKE, case-blind)."""
	hits = []
	for table, columns in sorted(text_columns().items()):
		if table in skip:
			continue
		for value in values:
			condition = " or ".join(f"`{c}` like %(v)s" for c in columns)
			if frappe.db.sql(f"select 1 from `{table}` where {condition} limit 1", {"v": f"%{value}%"}):
				for column in columns:
					if frappe.db.sql(
						f"select 1 from `{table}` where `{column}` like %(v)s limit 1", {"v": f"%{value}%"}
					):
						hits.append((table, column, value))
	return hits


def reset_leaving() -> None:
	"""What an earlier, interrupted run left of the leaving practice."""
	for practice in frappe.get_all(
		"Practice",
		{"slug": ("like", f"{LEAVING[1]}-%"), "offboarding_status": ("!=", "Erased")},
		pluck="name",
	):
		for scope in SCOPES:
			if scope.mode is Mode.OWN and scope.field != "name" and frappe.db.table_exists(scope.doctype):
				frappe.db.delete(scope.doctype, {scope.field: practice})
		frappe.db.set_value(
			"Practice",
			practice,
			{"status": "Inactive", "offboarding_status": "Erased", "offboarding_export": None},
		)
	frappe.db.commit()  # nosemgrep


class TestOffboarding(TenancyFixtureTestCase):
	def setUp(self):
		super().setUp()
		frappe.set_user("Administrator")
		self.queued = []
		for target in ("medic_plus.fhir.bulk.enqueue", "medic_plus.onboarding.offboarding.enqueue_erasure"):
			patcher = patch(target, side_effect=self.queued.append)
			patcher.start()
			self.addCleanup(patcher.stop)

	def leaving_practice(self) -> dict:
		"""A practice with two patients and their records, two staff of its own and one who
		also works at practice B."""
		fx = self.fx
		reset_leaving()
		tag = frappe.generate_hash(length=5).lower()
		self.slug = f"{LEAVING[1]}-{tag}"
		practice = demo.ensure_practice(f"{LEAVING[0]} {tag}", self.slug, f"IL{tag[:3].upper()}")
		self.admin = admin = demo.ensure_user(f"iso-leaving-admin-{tag}@example.com", f"Leonora Admin{tag}")
		doctor = demo.ensure_user(f"iso-leaving-doctor-{tag}@example.com", f"Lorcan Doctor{tag}")
		both = demo.ensure_user(BOTH, "Bettina Bothpractices")
		self.practitioner = practitioner = demo.ensure_practitioner(f"ISO Leaving Doctor {tag}")
		demo.ensure_member(practice, admin, "Admin")
		demo.ensure_member(practice, doctor, "Doctor", practitioner)
		demo.ensure_member(practice, both, "Receptionist")
		demo.ensure_member(fx.b.practice, both, "Receptionist")
		demo.ensure_formulary()
		from medic_plus.clinical.codes import load_shipped

		load_shipped()
		with context.system_scope():
			mia = demo.ensure_patient(practice, "Mirabelle", f"Patient{tag}", f"mirabelle.{tag}@example.org")
			noah = demo.ensure_patient(
				practice, "Noam", f"Patient{tag}", f"noam.{tag}@example.org", sex="Male"
			)
			frappe.db.set_value("Patient", noah, "mobile", "+27825550199")
			frappe.get_doc(
				{
					"doctype": "Patient Allergy",
					"patient": mia,
					"substance": "Penicillin",
					"criticality": "high",
				}
			).insert(ignore_permissions=True)
			frappe.get_doc(
				{"doctype": "Patient Problem", "patient": noah, "diagnosis": "J45.9-ICD-10", "chronic": 1}
			).insert(ignore_permissions=True)
			encounter = demo.new_encounter(mia, practitioner, ["Amoxicillin 500 mg"])
			encounter.flags.ignore_permissions = True
			encounter.insert().submit()
			frappe.get_doc(
				{
					"doctype": "Comment",
					"comment_type": "Comment",
					"reference_doctype": "Patient",
					"reference_name": mia,
					"content": f"Mirabelle Patient{tag} called back.",
				}
			).insert(ignore_permissions=True)
			frappe.get_doc(
				{
					"doctype": "File",
					"file_name": "iso-leaving-referral.txt",
					"is_private": 1,
					"content": f"Referral for Noam Patient{tag}",
					"attached_to_doctype": "Patient",
					"attached_to_name": noah,
				}
			).insert(ignore_permissions=True)
			doc = frappe.get_doc("Patient", mia)
			doc.phone = "+27115550123"
			doc.save(ignore_permissions=True)  # a Version naming her
			frappe.sendmail(
				recipients=[f"mirabelle.{tag}@example.org"],
				subject="Your visit",
				message=f"Dear Mirabelle Patient{tag}, see you soon.",
				now=False,
			)
			from medic_plus.portal import identity

			identity.account_for("email", f"mirabelle.{tag}@example.org", "Mirabelle", f"Patient{tag}")
		frappe.db.commit()  # nosemgrep: the export job and the erasure read it
		return {
			"practice": practice,
			"encounter": encounter.name,
			"patients": [mia, noah],
			"values": [
				mia,
				noah,
				f"Mirabelle Patient{tag}",
				f"Noam Patient{tag}",
				f"mirabelle.{tag}@example.org",
				f"noam.{tag}@example.org",
				"+27825550199",
				"+27115550123",
				f"Leonora Admin{tag}",
				admin,
				f"Lorcan Doctor{tag}",
				doctor,
				practitioner,
			],
		}

	def test_a_practice_leaves_with_its_data_and_nothing_of_it_stays(self):
		fx = self.fx
		leaving = self.leaving_practice()
		practice = leaving["practice"]
		b_before = counts_of(fx.b.practice)
		b_patients = sorted(frappe.get_all("Patient", {"custom_practice": fx.b.practice}, pluck="name"))

		# confirmation typed wrong: nothing happens
		with self.assertRaises(frappe.ValidationError):
			offboarding.offboard(practice, self.slug[:-1])
		self.assertEqual(frappe.db.get_value("Practice", practice, "status"), "Active")

		export = offboarding.offboard(practice, self.slug)
		self.assertEqual(self.queued, [export])
		self.assertEqual(frappe.db.get_value("Practice", practice, "status"), "Inactive")
		self.assertEqual(frappe.db.get_value("User", self.admin, "enabled"), 0)
		self.assertEqual(frappe.db.get_value("User", BOTH, "enabled"), 1)
		self.assertEqual(context.get_user_practices(BOTH), [fx.b.practice])

		# the export is written; its manifest, with a SHA-256 a file, goes to the admins
		bulk.run(export)
		self.assertEqual(frappe.db.get_value("Practice", practice, "offboarding_status"), "Exported")
		files = json.loads(frappe.db.get_value(bulk.DOCTYPE, export, "files"))
		self.assertIn("Patient", {f["type"] for f in files})
		queued = frappe.get_all("Email Queue Recipient", {"recipient": self.admin}, pluck="parent")
		bodies = [mail_text(frappe.db.get_value("Email Queue", name, "message")) for name in queued]
		manifest = [b for b in bodies if files[0]["sha256"] in b]
		self.assertEqual(len(manifest), 1, bodies)
		for f in files:
			self.assertIn(f["sha256"], manifest[0])
		token = manifest[0].split("<code>mpf_", 1)[1].split("</code>", 1)[0]
		from medic_plus.tests.http import request

		auth = {"Authorization": f"Bearer mpf_{token}"}
		self.assertEqual(request("GET", f"/fhir/R4/$export-status/{export}", auth).status_code, 200)
		self.assertEqual(request("GET", "/fhir/R4/Patient", auth).status_code, 401)  # the export only

		# the platform confirms the copy: the erasure
		offboarding.confirm_copy(practice)
		self.assertEqual(self.queued[-1], practice)
		report = offboarding.erase(practice)
		self.assertEqual(report["scan"]["found"], [], report["scan"])
		self.assertGreater(report["removed"]["Patient"], 1)
		self.assertEqual(frappe.db.get_value("Practice", practice, "offboarding_status"), "Erased")
		self.assertEqual(frappe.db.count("Patient", {"custom_practice": practice}), 0)
		self.assertFalse(frappe.db.exists("User", self.admin))
		self.assertFalse(frappe.db.exists("Healthcare Practitioner", self.practitioner))
		self.assertFalse(frappe.db.exists("FHIR Bulk Export", export))
		frappe.get_doc("Practice", practice).save()  # what is left of it saves (no dangling link)
		self.assertEqual(request("GET", f"/fhir/R4/$export-status/{export}", auth).status_code, 401)

		# (an encounter's name is of a site-wide series that a later record may take again: it
		# is checked where its own rows would be)
		for doctype, field in (
			("Patient Encounter", "name"),
			("Drug Prescription", "parent"),
			("Comment", "reference_name"),
			("Version", "docname"),
		):
			self.assertFalse(frappe.db.exists(doctype, {field: leaving["encounter"]}), doctype)
		# an independent scan of every text column (the access log is kept until its retention)
		hits = found_anywhere(leaving["values"], ("tabPatient Access Log",))
		self.assertEqual(hits, [])

		# practice B: its records, counts and isolation are unchanged; the shared user works there
		self.assertEqual(counts_of(fx.b.practice), b_before)
		frappe.set_user(fx.b.admin)
		self.assertEqual(sorted(frappe.get_list("Patient", pluck="name")), b_patients)
		frappe.set_user("Administrator")
		self.assertTrue(frappe.db.exists("User", BOTH))
		self.assertEqual(context.get_user_practices(BOTH), [fx.b.practice])
		frappe.set_user(BOTH)
		self.assertEqual(sorted(frappe.get_list("Patient", pluck="name")), b_patients)
		frappe.set_user("Administrator")

	def test_only_platform_admins_offboard(self):
		from medic_plus.api import offboarding as api

		frappe.set_user(self.fx.a.admin)
		with self.assertRaises(frappe.PermissionError):
			api.offboard(self.fx.a.practice, "iso-alpha")
		with self.assertRaises(frappe.PermissionError):
			api.confirm_copy(self.fx.a.practice)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Practice", self.fx.a.practice, "status"), "Active")
