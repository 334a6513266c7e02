"""Names carry no patient data and never collide across practices: patients are named
by their practice's series, the identification number is unique per practice (two
practices may hold the same one, at the same moment), and an appointment's Event does
not name its patient."""

from __future__ import annotations

import threading

import frappe

from medic_plus.tests.compat import TenancyFixtureTestCase


def new_patient(practice: str, first_name: str, uid: str | None = None, **values):
	return frappe.get_doc(
		{
			"doctype": "Patient",
			"first_name": first_name,
			"last_name": "Names",
			"sex": "Female",
			"invite_user": 0,
			"custom_practice": practice,
			"uid": uid,
			**values,
		}
	)


class TestNames(TenancyFixtureTestCase):
	def test_patients_are_named_by_their_practice_series(self):
		a = new_patient(self.fx.a.practice, "Mia").insert(ignore_permissions=True)
		b = new_patient(self.fx.b.practice, "Mia").insert(ignore_permissions=True)
		self.assertRegex(a.name, r"^ISOA-P\d{5}$")
		self.assertRegex(b.name, r"^ISOB-P\d{5}$")
		self.assertNotIn("Mia", a.name + b.name)
		for patient in (a, b):
			customer = frappe.db.get_value("Patient", patient.name, "customer")
			if customer:  # Healthcare links a customer when its settings say so
				self.assertEqual(customer, patient.name)

	def test_appointment_events_name_no_patient(self):
		from medic_plus.tests.fixtures import get_booking_fixture
		from medic_plus.tests.test_booking import practice_today

		bf = get_booking_fixture()
		patient = new_patient(bf.practice, "Eventful").insert(ignore_permissions=True)
		appointment = frappe.get_doc(
			{
				"doctype": "Patient Appointment",
				"patient": patient.name,
				"practitioner": bf.doctor,
				"appointment_type": "Consultation",
				"appointment_date": frappe.utils.add_days(practice_today(), 30),
				"appointment_time": "10:00:00",
				"duration": 30,
				"company": frappe.db.get_value("Practice", bf.practice, "company"),
				"custom_practice": bf.practice,
			}
		).insert(ignore_permissions=True)
		# practices use the appointment calendar: no Event names the patient, none is made
		self.assertFalse(frappe.db.get_value("Patient Appointment", appointment.name, "event"))
		self.assertFalse(
			frappe.db.exists(
				"Event Participants",
				{"reference_doctype": "Patient", "reference_docname": patient.name},
			)
		)
		# a video call needs one: it is named after the appointment
		appointment.add_video_conferencing = 1
		appointment.insert_calendar_event()
		event = frappe.db.get_value("Patient Appointment", appointment.name, "event")
		self.assertTrue(event)
		subject, description = frappe.db.get_value("Event", event, ["subject", "description"])
		for text in (subject, description):
			self.assertNotIn("Eventful", text)
			self.assertIn(appointment.name, text)

	def test_people_are_shown_by_name_where_they_are_looked_for(self):
		"""A link to a patient, a doctor, an appointment or an encounter shows its title; the
		appointment calendar labels a visit "patient · doctor"; the ID stays the reference."""
		from frappe.desk.search import get_link_title

		from medic_plus.api.desk import get_appointment_events
		from medic_plus.tests.test_operations import make_appointment

		for doctype in ("Patient", "Healthcare Practitioner", "Patient Appointment", "Patient Encounter"):
			self.assertTrue(frappe.get_meta(doctype).show_title_field_in_link, doctype)
		a = self.fx.a
		patient_name = frappe.db.get_value("Patient", a.patient, "patient_name")
		doctor_name = frappe.db.get_value("Healthcare Practitioner", a.practitioner, "practitioner_name")
		name = make_appointment(a.practice, a.patient, a.practitioner, day=frappe.utils.today())
		try:
			frappe.set_user(a.recep)
			self.assertEqual(get_link_title("Patient", a.patient), patient_name)
			day = frappe.utils.today()
			event = next(e for e in get_appointment_events(day, day) if e.name == name)
			self.assertEqual(event.title, f"{patient_name} · {doctor_name}")
			self.assertEqual(event.patient, a.patient)
		finally:
			frappe.set_user("Administrator")
			frappe.delete_doc("Patient Appointment", name, force=True, ignore_permissions=True)

	def test_a_link_title_of_another_practice_answers_as_a_missing_one(self):
		"""With titles shown in links, Frappe's ``get_link_title`` (which reads the title with
		no permission check) tells a patient's name: only for the user's own practice."""
		from medic_plus.tests.fixtures import api_token
		from medic_plus.tests.http import request

		path = "/api/method/frappe.desk.search.get_link_title"
		headers = {"Authorization": api_token(self.fx.a.recep)}
		own = request("GET", path, headers, query_string={"doctype": "Patient", "docname": self.fx.a.patient})
		self.assertEqual(own.status_code, 200)
		self.assertEqual(
			own.json["message"], frappe.db.get_value("Patient", self.fx.a.patient, "patient_name")
		)
		other = request(
			"GET", path, headers, query_string={"doctype": "Patient", "docname": self.fx.b.patient}
		)
		missing = request("GET", path, headers, query_string={"doctype": "Patient", "docname": "NO-SUCH-P0"})
		self.assertEqual(other.status_code, 404)
		self.assertEqual(missing.status_code, 404)
		self.assertNotIn(
			frappe.db.get_value("Patient", self.fx.b.patient, "patient_name"), other.get_data(as_text=True)
		)

	def test_a_practice_patient_gets_no_website_user(self):
		email = f"iso-portal-{frappe.generate_hash(length=6)}@example.com"
		patient = new_patient(self.fx.a.practice, "Portal", email=email, invite_user=1)
		patient.insert(ignore_permissions=True)
		self.assertFalse(frappe.db.exists("User", email))
		self.assertFalse(frappe.db.get_value("Patient", patient.name, "user_id"))

	def test_same_uid_in_two_practices_and_refused_within_one(self):
		uid = f"ISO-UID-{frappe.generate_hash(length=6)}"
		new_patient(self.fx.a.practice, "Uid", uid).insert(ignore_permissions=True)
		new_patient(self.fx.b.practice, "Uid", uid).insert(ignore_permissions=True)
		with self.assertRaises(frappe.DuplicateEntryError) as caught:
			new_patient(self.fx.a.practice, "Uid Again", uid).insert(ignore_permissions=True)
		self.assertNotIn(self.fx.b.practice, str(caught.exception))
		self.assertNotIn("ISO Beta", str(caught.exception))

	def test_two_practices_insert_the_same_uid_at_the_same_moment(self):
		uid = f"ISO-UID-{frappe.generate_hash(length=6)}"
		site, errors, names = frappe.local.site, [], []
		barrier = threading.Barrier(2)

		def insert(practice):
			frappe.init(site=site)
			frappe.connect()
			try:
				frappe.set_user("Administrator")
				doc = new_patient(practice, "Race", uid)
				barrier.wait(timeout=20)
				names.append(doc.insert(ignore_permissions=True).name)
				frappe.db.commit()  # nosemgrep: each thread is its own request
			except Exception as e:
				errors.append(e)
			finally:
				frappe.destroy()

		threads = [
			threading.Thread(target=insert, args=(p,)) for p in (self.fx.a.practice, self.fx.b.practice)
		]
		for t in threads:
			t.start()
		for t in threads:
			t.join()
		try:
			self.assertEqual(errors, [])
			self.assertEqual(len(names), 2)
		finally:
			for name in names:
				frappe.delete_doc("Patient", name, force=True, ignore_permissions=True)
			frappe.db.commit()  # nosemgrep: clean-up of committed rows

	def test_uid_index_is_per_practice(self):
		rows = frappe.db.sql(
			"show index from `tabPatient` where Key_name = 'unique_practice_uid'", as_dict=True
		)
		self.assertEqual([r.Column_name for r in rows], ["custom_practice", "uid"])
		self.assertFalse(
			frappe.db.sql("show index from `tabPatient` where Key_name = 'uid' and Non_unique = 0")
		)


class TestSharedPractitioner(TenancyFixtureTestCase):
	def test_a_practitioner_of_two_practices_is_read_but_not_changed_by_either(self):
		practitioner = self.fx.a.practitioner
		frappe.set_user(self.fx.a.admin)
		self.assertTrue(frappe.has_permission("Healthcare Practitioner", "write", practitioner))
		frappe.set_user("Administrator")
		frappe.get_doc(
			{
				"doctype": "Practice Member",
				"practice": self.fx.b.practice,
				"user": self.fx.a.doctor,  # A's doctor starts working in B too
				"role": "Doctor",
				"practitioner": practitioner,
			}
		).insert(ignore_permissions=True)
		frappe.set_user(self.fx.a.admin)
		self.assertTrue(frappe.has_permission("Healthcare Practitioner", "read", practitioner))
		self.assertFalse(frappe.has_permission("Healthcare Practitioner", "write", practitioner))
		doc = frappe.get_doc("Healthcare Practitioner", practitioner)
		doc.status = "Disabled"
		with self.assertRaises(frappe.PermissionError):
			doc.save()


class TestSetupIsIdempotent(TenancyFixtureTestCase):
	def test_install_setup_twice_changes_nothing(self):
		from medic_plus.install import setup

		def state():
			return (
				frappe.db.count("Custom Field", {"fieldname": "custom_practice"}),
				frappe.db.count("Custom DocPerm"),
				frappe.db.count("Property Setter", {"doc_type": "Patient", "field_name": "uid"}),
				len(frappe.db.sql("show index from `tabPatient` where Key_name = 'unique_practice_uid'")),
			)

		setup()
		first = state()
		setup()
		self.assertEqual(state(), first)
		self.assertEqual(first[2:], (1, 2))
