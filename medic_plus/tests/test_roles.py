"""Each practice role can do its daily work in its own practice, and no more."""

import frappe
from frappe.utils import add_days, nowdate

from medic_plus import demo
from medic_plus.demo import ensure_member, ensure_practitioner
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import ensure_user
from medic_plus.tests.test_stamping import new_appointment, new_patient


class TestPracticeRoles(TenancyFixtureTestCase):
	def test_membership_grants_the_matching_role(self):
		self.assertIn("Practice Admin", frappe.get_roles(self.fx.a.admin))
		self.assertIn("Practice Doctor", frappe.get_roles(self.fx.a.doctor))
		self.assertIn("Practice Receptionist", frappe.get_roles(self.fx.a.recep))
		self.assertNotIn("Practice Admin", frappe.get_roles(self.fx.a.recep))
		self.assertEqual(frappe.db.get_value("User", self.fx.a.recep, "user_type"), "System User")

	def test_receptionist_registers_a_patient_and_books_an_appointment(self):
		frappe.set_user(self.fx.a.recep)
		patient = new_patient("Walkin", mobile="+4915112345678").insert()
		appointment = new_appointment(patient.name, self.fx.a.practitioner).insert()
		self.assertEqual(appointment.custom_practice, self.fx.a.practice)
		appointment.reload()
		appointment.notes = "Rescheduled by phone"
		appointment.save()
		self.assertIn(patient.name, frappe.get_list("Patient", pluck="name"))

	def test_receptionist_cannot_open_clinical_records(self):
		frappe.set_user(self.fx.a.recep)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list("Patient Encounter")
		doc = frappe.get_doc("Patient Encounter", self.fx.a.records["Patient Encounter"])
		self.assertFalse(doc.has_permission("read"))

	def test_doctor_writes_encounters_and_vital_signs(self):
		frappe.set_user(self.fx.a.doctor)
		encounter = frappe.get_doc(
			{
				"doctype": "Patient Encounter",
				"patient": self.fx.a.patient,
				"practitioner": self.fx.a.practitioner,
				"encounter_date": nowdate(),
				"company": demo.default_company(),
			}
		).insert()
		self.assertEqual(encounter.custom_practice, self.fx.a.practice)
		encounter.submit()
		vitals = frappe.get_doc(
			{
				"doctype": "Vital Signs",
				"patient": self.fx.a.patient,
				"signs_date": nowdate(),
				"temperature": "37.2",
				"pulse": "72",
				"encounter": encounter.name,
			}
		).insert()
		vitals.submit()
		self.assertEqual(vitals.custom_practice, self.fx.a.practice)
		self.assertIn(encounter.name, frappe.get_list("Patient Encounter", pluck="name"))

	def test_doctor_keeps_a_practitioner_schedule(self):
		frappe.set_user(self.fx.a.doctor)
		schedule = frappe.get_doc(
			{
				"doctype": "Practitioner Schedule",
				"schedule_name": "ISO A Weekdays " + frappe.generate_hash(length=6),
				"time_slots": [{"day": "Monday", "from_time": "09:00:00", "to_time": "12:00:00"}],
			}
		).insert()
		self.assertEqual(schedule.custom_practice, self.fx.a.practice)

	def test_admin_manages_members_of_own_practice(self):
		frappe.set_user(self.fx.a.admin)
		newcomer = ensure_user("iso-a-newcomer@example.com", "Iso Newcomer")
		frappe.set_user(self.fx.a.admin)
		member = frappe.get_doc(
			{
				"doctype": "Practice Member",
				"practice": self.fx.a.practice,
				"user": newcomer,
				"role": "Receptionist",
			}
		).insert()
		self.assertIn("Practice Receptionist", frappe.get_roles(newcomer))
		member.is_active = 0
		member.save()
		self.assertNotIn("Practice Receptionist", frappe.get_roles(newcomer))
		member.delete()

	def test_admin_cannot_add_members_to_another_practice(self):
		newcomer = ensure_user("iso-b-newcomer@example.com", "Iso Newcomer B")
		frappe.set_user(self.fx.a.admin)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(
				{
					"doctype": "Practice Member",
					"practice": self.fx.b.practice,
					"user": newcomer,
					"role": "Admin",
				}
			).insert()
		self.assertNotIn("Practice Admin", frappe.get_roles(newcomer))

	def test_doctor_cannot_manage_members_even_of_own_practice(self):
		newcomer = ensure_user("iso-a-newcomer2@example.com", "Iso Newcomer Two")
		frappe.set_user(self.fx.a.doctor)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(
				{
					"doctype": "Practice Member",
					"practice": self.fx.a.practice,
					"user": newcomer,
					"role": "Admin",
				}
			).insert()

	def test_user_admin_in_one_practice_cannot_change_the_other(self):
		"""iso-both is a Doctor in A and a Receptionist in B: no admin rights anywhere."""
		frappe.set_user(self.fx.a.admin)
		practice = frappe.get_doc("Practice", self.fx.a.practice)
		practice.phone = "+49301234567"
		practice.save()
		frappe.set_user(self.fx.both)
		with self.assertRaises((frappe.PermissionError, frappe.DoesNotExistError)):
			doc = frappe.get_doc("Practice", self.fx.b.practice)
			doc.phone = "+49301234567"
			doc.save()

	def test_practice_admin_cannot_change_plan_or_status(self):
		frappe.set_user(self.fx.a.admin)
		practice = frappe.get_doc("Practice", self.fx.a.practice)
		practice.subscription_plan = "Enterprise"
		practice.status = "Suspended"
		practice.save()
		practice.reload()
		self.assertEqual(practice.subscription_plan, "Basic")
		self.assertEqual(practice.status, "Active")

	def test_doctor_in_a_reads_but_receptionist_in_b_does_not_read_b_encounters(self):
		frappe.set_user(self.fx.both)
		encounters = set(frappe.get_list("Patient Encounter", pluck="name"))
		self.assertIn(self.fx.a.records["Patient Encounter"], encounters)
		self.assertNotIn(self.fx.b.records["Patient Encounter"], encounters)
		patients = set(frappe.get_list("Patient", pluck="name"))
		self.assertTrue({self.fx.a.patient, self.fx.b.patient} <= patients)

	def test_appointment_date_in_the_future_only_matters_to_booking(self):
		# a receptionist may still record a past walk-in appointment in Desk
		frappe.set_user(self.fx.a.recep)
		doc = new_appointment(
			self.fx.a.patient, self.fx.a.practitioner, appointment_date=add_days(nowdate(), -1)
		)
		doc.insert()
		self.assertEqual(doc.custom_practice, self.fx.a.practice)

	def test_admin_cannot_claim_another_practice_practitioner(self):
		frappe.set_user("Administrator")
		unlinked_b = ensure_practitioner("ISO Unlinked Doc B")
		ensure_member(
			self.fx.b.practice, ensure_user("iso-b-doc2@example.com", "Iso B Doc Two"), "Doctor", unlinked_b
		)
		frappe.db.set_value("Healthcare Practitioner", unlinked_b, "user_id", None)
		newcomer = ensure_user("iso-a-newdoc@example.com", "Iso A New Doctor")
		frappe.set_user(self.fx.a.admin)
		with self.assertRaises(frappe.LinkValidationError):
			frappe.get_doc(
				{
					"doctype": "Practice Member",
					"practice": self.fx.a.practice,
					"user": newcomer,
					"role": "Doctor",
					"practitioner": unlinked_b,
				}
			).insert()
		own = frappe.get_doc(
			{
				"doctype": "Healthcare Practitioner",
				"first_name": "Iso",
				"last_name": "Fresh A",
				"status": "Active",
			}
		).insert()
		frappe.get_doc(
			{
				"doctype": "Practice Member",
				"practice": self.fx.a.practice,
				"user": newcomer,
				"role": "Doctor",
				"practitioner": own.name,
			}
		).insert()
		self.assertIn("Practice Doctor", frappe.get_roles(newcomer))


class TestPracticeDesk(TenancyFixtureTestCase):
	"""A practice user's Desk lists the practice's workspaces, in the order of a day at a
	practice; the platform's administration stays out of it (a Module Profile, not CSS)."""

	def sidebar(self, user: str) -> list[str]:
		from frappe.desk.desktop import get_workspace_sidebar_items

		frappe.set_user(user)
		try:
			return [page.name for page in get_workspace_sidebar_items()["pages"]]
		finally:
			frappe.set_user("Administrator")

	def test_each_role_sees_its_practices_workspaces_and_nothing_else(self):
		self.assertEqual(self.sidebar(self.fx.a.recep), ["My Practice", "Claims"])
		self.assertEqual(self.sidebar(self.fx.a.doctor), ["My Practice", "Clinical"])
		self.assertEqual(self.sidebar(self.fx.a.admin), ["My Practice", "Clinical", "Claims"])
		self.assertEqual(self.sidebar(self.fx.both), ["My Practice", "Clinical", "Claims"])

	def test_the_platforms_users_keep_their_desk(self):
		pages = self.sidebar(self.fx.platform)
		self.assertIn("Medic Plus Platform", pages)
		self.assertIn("Healthcare", pages)
		self.assertFalse(frappe.db.get_value("User", self.fx.platform, "module_profile"))

	def test_a_blocked_module_hides_its_workspace_not_its_documents(self):
		blocked = {row.module for row in frappe.get_doc("User", self.fx.a.admin).block_modules}
		self.assertTrue({"Accounts", "Healthcare", "Core", "Website", "Setup"} <= blocked)
		self.assertNotIn("Medic Plus", blocked)
		frappe.set_user(self.fx.a.admin)
		frappe.get_list("Sales Invoice", limit=1)  # the Accounts module is blocked: no error
		frappe.get_list("Patient Encounter", limit=1)

	def test_the_profile_comes_with_the_first_membership_and_goes_with_the_last(self):
		user = ensure_user("desk-first-member@example.com", "Desk First")
		self.assertFalse(frappe.db.get_value("User", user, "module_profile"))
		name = ensure_member(self.fx.a.practice, user, "Receptionist")
		try:
			self.assertEqual(frappe.db.get_value("User", user, "module_profile"), "Medic Plus Practice")
			self.assertEqual(self.sidebar(user), ["My Practice", "Claims"])
			# and, before any Desk login (an API client never has one), their new invoice
			# starts in the practice's books
			company = frappe.db.get_value("Practice", self.fx.a.practice, "company")
			self.assertEqual(frappe.defaults.get_user_default("company", user), company)
			frappe.set_user(user)
			self.assertEqual(frappe.new_doc("Sales Invoice").company, company)
			frappe.set_user("Administrator")
			member = frappe.get_doc("Practice Member", name)
			member.is_active = 0
			member.save(ignore_permissions=True)
			self.assertFalse(frappe.db.get_value("User", user, "module_profile"))
			self.assertFalse(frappe.get_doc("User", user).block_modules)
		finally:
			frappe.delete_doc("Practice Member", name, force=True, ignore_permissions=True)

	def test_a_profile_given_by_hand_stays(self):
		if not frappe.db.exists("Module Profile", "Desk By Hand"):
			frappe.get_doc(
				{"doctype": "Module Profile", "module_profile_name": "Desk By Hand", "block_modules": []}
			).insert(ignore_permissions=True)
		user = ensure_user("desk-by-hand@example.com", "Desk Hand")
		frappe.db.set_value("User", user, "module_profile", "Desk By Hand")
		name = ensure_member(self.fx.a.practice, user, "Receptionist")
		try:
			self.assertEqual(frappe.db.get_value("User", user, "module_profile"), "Desk By Hand")
		finally:
			frappe.delete_doc("Practice Member", name, force=True, ignore_permissions=True)
			frappe.db.set_value("User", user, "module_profile", None)
