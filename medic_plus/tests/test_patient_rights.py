"""The patient's rights on a real site: a restricted record takes no entries, edits,
bookings or messages until the restriction is lifted; a record is archived or erased only
past its retention end; erasure removes the personal data from the patient and every
record about them, keeps the anonymised rows, and is logged; only the practice's admins
do any of it."""

from __future__ import annotations

import frappe
from frappe.utils import add_years, now_datetime

from medic_plus import demo
from medic_plus.api import privacy
from medic_plus.booking import service
from medic_plus.privacy import access_log, retention, rights
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import api_token
from medic_plus.tests.http import request


class TestPatientRights(TenancyFixtureTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		access_log.flush()
		tag = frappe.generate_hash(length=6)
		self.tag = tag
		self.email = f"rights-{tag}@example.org"
		self.patient = demo.ensure_patient(self.fx.a.practice, "Rights", tag, self.email)
		frappe.db.set_value("Patient", self.patient, {"dob": "1984-07-12", "mobile": "+27821234567"})
		frappe.set_user(self.fx.a.doctor)
		self.allergy = frappe.get_doc(
			{
				"doctype": "Patient Allergy",
				"patient": self.patient,
				"substance": "Latex",
				"criticality": "low",
				"reaction": f"Rash, told by {tag}'s mother",
			}
		).insert()

	def tearDown(self):
		# the access log's job commits: what the test made goes, whatever its state
		frappe.set_user("Administrator")
		frappe.db.rollback()
		encounters = frappe.get_all("Patient Encounter", {"patient": self.patient}, pluck="name")
		for df in frappe.get_meta("Patient Encounter").get_table_fields():
			frappe.db.delete(df.options, {"parent": ("in", encounters or [""])})
		for doctype in (
			"Patient Encounter",
			"Patient Allergy",
			"Patient Medical Record",
			"Patient Consent",
			"Patient Access Log",
		):
			frappe.db.delete(doctype, {"patient": self.patient})
		frappe.db.delete("Patient", {"name": self.patient})
		frappe.db.commit()  # nosemgrep: remove what was committed
		super().tearDown()

	def age(self, years: int, doctype: str = "Patient Allergy", name: str | None = None):
		frappe.db.set_value(
			doctype,
			name or self.allergy.name,
			"creation",
			add_years(now_datetime(), -years),
			update_modified=False,
		)

	def new_allergy(self):
		return frappe.get_doc(
			{"doctype": "Patient Allergy", "patient": self.patient, "substance": "Nuts", "criticality": "low"}
		).insert()

	def logged(self, action: str) -> list[str]:
		access_log.flush()
		return frappe.get_all(
			"Patient Access Log",
			filters={"patient": self.patient, "action": action, "reference_doctype": "Patient"},
			pluck="user",
		)

	def test_a_restricted_record_takes_no_entries_edits_or_bookings_until_lifted(self):
		fx = self.fx
		frappe.set_user(fx.a.admin)
		with self.assertRaises(frappe.ValidationError):
			privacy.restrict_patient(self.patient, "  ")  # a restriction says what was asked
		self.assertEqual(privacy.restrict_patient(self.patient, "Contests the allergy record"), "Restricted")
		self.assertEqual(self.logged("restrict"), [fx.a.admin])
		row = frappe.db.get_value(
			"Patient",
			self.patient,
			["custom_record_status", "custom_record_status_by", "custom_restriction_reason", "status"],
			as_dict=True,
		)
		self.assertEqual(row.custom_record_status, "Restricted")
		self.assertEqual(row.custom_record_status_by, fx.a.admin)
		self.assertEqual(row.status, "Active")  # still readable and findable

		frappe.set_user(fx.a.doctor)
		frappe.get_doc("Patient", self.patient)  # read as before
		with self.assertRaises(rights.RecordClosedError) as caught:
			self.new_allergy()
		self.assertIn("restricted at the patient's request", str(caught.exception))
		allergy = frappe.get_doc("Patient Allergy", self.allergy.name)
		allergy.note = "changed"
		with self.assertRaises(rights.RecordClosedError):
			allergy.save()
		frappe.set_user(fx.a.recep)
		patient = frappe.get_doc("Patient", self.patient)
		patient.occupation = "Pilot"
		with self.assertRaises(rights.RecordClosedError):
			patient.save()
		# the patient booking online: a clear refusal, no second record
		person = service.Person("Rights", self.tag, self.email)
		practice = frappe.get_cached_doc("Practice", fx.a.practice)
		frappe.set_user("Guest")
		with self.assertRaises(service.BookingClosedError):
			service.find_or_create_patient(practice, person)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count("Patient", {"email": self.email}), 1)

		frappe.set_user(fx.a.admin)
		with self.assertRaises(frappe.ValidationError) as caught:
			privacy.restrict_patient(self.patient, "again")
		self.assertIn("Only an active record", str(caught.exception))
		self.assertEqual(privacy.restore_patient(self.patient), "Active")
		self.assertEqual(self.logged("restore"), [fx.a.admin])
		frappe.set_user(fx.a.doctor)
		allergy.reload()
		allergy.note = "changed"
		allergy.save()

	def test_no_reminder_goes_to_a_restricted_record(self):
		from unittest.mock import patch

		from medic_plus.booking import notify

		appointment = frappe._dict(
			name="X", patient=self.patient, practitioner=self.fx.a.practitioner, custom_booking_reference=None
		)
		practice = frappe.get_cached_doc("Practice", self.fx.a.practice)
		frappe.set_user(self.fx.a.admin)
		privacy.restrict_patient(self.patient, "No contact please")
		frappe.set_user("Administrator")
		with patch.object(notify, "_sendmail") as mail, patch.object(notify, "_queue_sms") as sms:
			notify.send_reminder(practice, appointment, "token")
		mail.assert_not_called()
		sms.assert_not_called()

	def test_archive_and_erase_wait_for_the_retention_end(self):
		frappe.set_user(self.fx.a.admin)
		for call in (
			lambda: privacy.archive_patient(self.patient),
			lambda: privacy.erase_patient(self.patient, self.patient),
		):
			with self.assertRaises(retention.RetentionError) as caught:
				call()
			self.assertIn("must be kept until", str(caught.exception))
		self.assertEqual(rights.status(self.patient), "Active")

		self.age(7)
		self.assertEqual(privacy.archive_patient(self.patient), "Archived")
		self.assertEqual(frappe.db.get_value("Patient", self.patient, "status"), "Disabled")
		from medic_plus.api.desk import patient_query

		offered = lambda: [r[0] for r in patient_query("Patient", self.tag, "name", 0, 20, None)]  # noqa: E731
		self.assertNotIn(self.patient, offered())  # no longer offered in pickers
		self.assertEqual(self.logged("archive"), [self.fx.a.admin])
		frappe.set_user(self.fx.a.doctor)
		with self.assertRaises(rights.RecordClosedError) as caught:
			self.new_allergy()
		self.assertIn("archived", str(caught.exception))
		frappe.set_user(self.fx.a.admin)
		self.assertEqual(privacy.restore_patient(self.patient), "Active")
		self.assertEqual(frappe.db.get_value("Patient", self.patient, "status"), "Active")
		self.assertIn(self.patient, offered())

	def test_erasure_removes_the_personal_data_and_keeps_the_statistics(self):
		fx = self.fx
		frappe.set_user(fx.a.doctor)
		encounter = demo.new_encounter(self.patient, fx.a.practitioner, [])
		encounter.custom_subjective = f"{self.tag} says the neighbour hit them"
		encounter.insert().submit()
		frappe.get_doc("Patient", self.patient).add_comment("Comment", f"{self.tag} prefers mornings")
		frappe.set_user("Administrator")
		attachment = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"id-{self.tag}.txt",
				"content": b"passport",
				"is_private": 1,
				"attached_to_doctype": "Patient",
				"attached_to_name": self.patient,
			}
		).insert(ignore_permissions=True)
		contacts = frappe.get_all(
			"Dynamic Link",
			filters={"link_doctype": "Patient", "link_name": self.patient, "parenttype": "Contact"},
			pluck="parent",
		)
		self.age(7)
		self.age(7, "Patient Encounter", encounter.name)

		frappe.set_user(fx.a.admin)
		with self.assertRaises(frappe.ValidationError) as caught:
			privacy.erase_patient(self.patient, "yes")
		self.assertIn(self.patient, str(caught.exception))
		self.assertEqual(privacy.erase_patient(self.patient, self.patient), "Erased")
		self.assertEqual(self.logged("erase"), [fx.a.admin])

		frappe.set_user("Administrator")
		patient = frappe.get_doc("Patient", self.patient)
		self.assertEqual(patient.patient_name, "Erased Patient")
		self.assertEqual((patient.first_name, patient.last_name), ("Erased", "Patient"))
		self.assertFalse(patient.email or patient.mobile or patient.phone)
		self.assertEqual(str(patient.dob), "1984-01-01")
		self.assertEqual(patient.sex, "Female")
		self.assertEqual(patient.custom_practice, fx.a.practice)
		self.assertEqual((patient.status, patient.custom_record_status), ("Disabled", "Erased"))
		# the clinical rows stay, without their free text
		encounter.reload()
		self.assertEqual(encounter.docstatus, 1)
		self.assertEqual(encounter.patient_name, "Erased Patient")
		self.assertFalse(encounter.custom_subjective)
		allergy = frappe.get_doc("Patient Allergy", self.allergy.name)
		self.assertEqual((allergy.substance, allergy.criticality), ("Latex", "low"))
		self.assertFalse(allergy.reaction)
		self.assertEqual(allergy.patient_name, "Erased Patient")
		# nothing that names the person is left around the record
		self.assertFalse(frappe.db.exists("File", attachment.name))
		self.assertFalse(
			frappe.db.exists("Comment", {"reference_doctype": "Patient", "reference_name": self.patient})
		)
		self.assertFalse(
			frappe.db.exists("Version", {"ref_doctype": "Patient Encounter", "docname": encounter.name})
		)
		self.assertTrue(contacts)  # Healthcare made one from the e-mail address
		for contact in contacts:
			self.assertFalse(frappe.db.exists("Contact", contact))
		# the ERPNext customer keeps its invoices, under the erased name
		self.assertEqual(frappe.db.get_value("Customer", patient.customer, "customer_name"), "Erased Patient")
		for doctype in (
			"Patient",
			"Patient Encounter",
			"Patient Allergy",
			"Patient Medical Record",
			"Comment",
		):
			self.assertFalse(
				frappe.db.sql(
					f"select name from `tab{doctype}` where name like %(t)s or {self._text_columns(doctype)}",
					{"t": f"%{self.tag}%"},
				),
				doctype,
			)
		# erasure is final, and the record takes no edits
		frappe.set_user(fx.a.admin)
		with self.assertRaises(frappe.ValidationError) as caught:
			privacy.restore_patient(self.patient)
		with self.assertRaises(frappe.ValidationError) as caught:
			privacy.erase_patient(self.patient, self.patient)
		self.assertIn("already been erased", str(caught.exception))
		patient = frappe.get_doc("Patient", self.patient)
		patient.first_name = "Back"
		with self.assertRaises(rights.RecordClosedError):
			patient.save()

	@staticmethod
	def _text_columns(doctype: str) -> str:
		"""A condition: any text column of ``doctype`` holds the tag."""
		columns = [
			df.fieldname
			for df in frappe.get_meta(doctype).fields
			if df.fieldtype in ("Data", "Small Text", "Text", "Long Text", "Text Editor", "HTML Editor")
			and frappe.db.has_column(doctype, df.fieldname)
		]
		return " or ".join(f"`{c}` like %(t)s" for c in columns) or "0"

	def test_only_the_practices_admins_change_a_record_and_another_practice_sees_nothing(self):
		fx = self.fx
		# a save or an import does not set the status: it stays as the rights left it
		frappe.set_user(fx.a.recep)
		patient = frappe.get_doc("Patient", self.patient)
		patient.update({"custom_record_status": "Erased", "custom_restriction_reason": "x"})
		patient.save()
		self.assertEqual(rights.status(self.patient), "Active")
		imported = frappe.get_doc(
			{
				"doctype": "Patient",
				"first_name": "Imported",
				"sex": "Female",
				"custom_practice": fx.a.practice,
				"custom_record_status": "Restricted",
			}
		).insert()
		self.assertEqual(rights.status(imported.name), "Active")
		for user in (fx.a.doctor, fx.a.recep):
			frappe.set_user(user)
			with self.subTest(user=user), self.assertRaises(frappe.PermissionError):
				privacy.restrict_patient(self.patient, "x")
		frappe.set_user(fx.b.admin)
		with self.assertRaises(frappe.DoesNotExistError):
			privacy.restrict_patient(self.patient, "x")
		self.assertEqual(rights.status(self.patient), "Active")

	def test_over_http_as_an_admin_would(self):
		fx = self.fx
		frappe.db.commit()  # nosemgrep: the requests below run on other connections
		path = "/api/method/medic_plus.api.privacy.restrict_patient"
		body = {"patient": self.patient, "reason": "Asked by phone"}
		refused = request("POST", path, headers={"Authorization": api_token(fx.a.recep)}, data=body)
		self.assertEqual(refused.status_code, 403)
		other = request("POST", path, headers={"Authorization": api_token(fx.b.admin)}, data=body)
		self.assertEqual(other.status_code, 404)
		done = request("POST", path, headers={"Authorization": api_token(fx.a.admin)}, data=body)
		self.assertEqual(done.status_code, 200, done.get_data(as_text=True)[:300])
		self.assertEqual(done.json["message"], "Restricted")
		# a change is a POST only
		self.assertEqual(
			request(
				"GET", path, headers={"Authorization": api_token(fx.a.admin)}, query_string=body
			).status_code,
			403,
		)
		frappe.db.set_value("Patient", self.patient, "custom_record_status", "Active")
		frappe.db.commit()  # nosemgrep: as above
