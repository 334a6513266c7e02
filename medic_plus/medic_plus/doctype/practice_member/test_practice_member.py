# Copyright (c) 2026, medic_plus contributors
# See license.txt

import frappe

from medic_plus.demo import ensure_practice, ensure_practitioner, ensure_user
from medic_plus.medic_plus.doctype.practice_member.practice_member import PracticeMemberError
from medic_plus.tests.compat import IntegrationTestCase

test_ignore = ["Company", "Healthcare Practitioner"]
IGNORE_TEST_RECORD_DEPENDENCIES = ["Company", "Healthcare Practitioner"]


def add_member(practice, user, role, practitioner=None, **values):
	return frappe.get_doc(
		{
			"doctype": "Practice Member",
			"practice": practice,
			"user": user,
			"role": role,
			"practitioner": practitioner,
			**values,
		}
	).insert()


class TestPracticeMember(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.p1 = ensure_practice("PM Test One", "pm-test-one", "PMT1")
		cls.p2 = ensure_practice("PM Test Two", "pm-test-two", "PMT2")
		cls.user = ensure_user("pm-test-user@example.com", "Pm Tester")
		frappe.db.commit()  # nosemgrep: fixture for the tests below

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def roles(self):
		return set(frappe.get_roles(self.user))

	def test_role_follows_membership_lifecycle(self):
		m = add_member(self.p1, self.user, "Receptionist")
		self.assertIn("Practice Receptionist", self.roles())
		m.role = "Admin"
		m.save()
		self.assertIn("Practice Admin", self.roles())
		self.assertNotIn("Practice Receptionist", self.roles())
		m.is_active = 0
		m.save()
		self.assertNotIn("Practice Admin", self.roles())

	def test_role_stays_while_another_membership_needs_it(self):
		m1 = add_member(self.p1, self.user, "Receptionist")
		add_member(self.p2, self.user, "Receptionist")
		m1.delete()
		self.assertIn("Practice Receptionist", self.roles())

	def test_role_goes_when_the_last_membership_is_deleted(self):
		m1 = add_member(self.p1, self.user, "Receptionist")
		m1.delete()
		self.assertNotIn("Practice Receptionist", self.roles())

	def test_one_membership_per_practice_and_user(self):
		add_member(self.p1, self.user, "Receptionist")
		with self.assertRaises(frappe.DuplicateEntryError):
			add_member(self.p1, self.user, "Doctor", ensure_practitioner("PM Doc Dup"))

	def test_doctor_needs_a_practitioner(self):
		with self.assertRaises(frappe.MandatoryError):
			add_member(self.p1, self.user, "Doctor")

	def test_an_admin_who_sees_patients_keeps_a_practitioner_a_receptionist_does_not(self):
		admin_practitioner = ensure_practitioner("PM Admin Doc")
		admin = add_member(self.p1, self.user, "Admin", admin_practitioner)
		self.assertEqual(admin.practitioner, admin_practitioner)
		from medic_plus.booking.availability import get_bookable_practitioners

		self.assertIn(admin_practitioner, [r.practitioner for r in get_bookable_practitioners(self.p1)])
		other = ensure_user("pm-test-recep@example.com", "Pm Recep")
		recep = add_member(self.p1, other, "Receptionist", ensure_practitioner("PM Recep Doc"))
		self.assertIsNone(recep.practitioner)
		self.assertIsNone(add_member(self.p2, self.user, "Admin").practitioner)  # optional for an admin

	def test_the_plan_caps_the_members_who_see_patients(self):
		from medic_plus.medic_plus.doctype.practice_member.practice_member import PlanLimitError

		frappe.db.delete("Practice Member", {"practice": self.p1})
		frappe.db.set_value("Practice", self.p1, "subscription_plan", "Basic")  # three practitioners
		members = []
		for n in range(4):
			user = ensure_user(f"pm-plan-{n}@example.com", f"Pm Plan{n}")
			if n < 3:
				members.append(add_member(self.p1, user, "Doctor", ensure_practitioner(f"PM Plan Doc {n}")))
				continue
			with self.assertRaises(PlanLimitError) as caught:
				add_member(self.p1, user, "Doctor", ensure_practitioner(f"PM Plan Doc {n}"))
			self.assertIn("Basic plan", str(caught.exception))
			add_member(self.p1, user, "Receptionist")  # who sees no patients does not count
		members[0].is_active = 0
		members[0].save()  # one fewer: room for another
		add_member(
			self.p1,
			ensure_user("pm-plan-9@example.com", "Pm Plan9"),
			"Doctor",
			ensure_practitioner("PM Plan Doc 9"),
		)
		members[1].save()  # a change of a counted member is no new one
		members[0].is_active = 1
		with self.assertRaises(PlanLimitError):
			members[0].save()  # back in: over the limit again
		frappe.db.set_value("Practice", self.p1, "subscription_plan", "Enterprise")
		members[0].reload()
		members[0].is_active = 1
		members[0].save()  # no limit

	def test_doctor_links_the_practitioner_to_the_user(self):
		practitioner = ensure_practitioner("PM Doc Link")
		add_member(self.p1, self.user, "Doctor", practitioner)
		self.assertEqual(frappe.db.get_value("Healthcare Practitioner", practitioner, "user_id"), self.user)

	def test_practitioner_of_another_user_is_refused(self):
		practitioner = ensure_practitioner("PM Doc Other")
		other = ensure_user("pm-test-other@example.com", "Pm Other")
		add_member(self.p1, other, "Doctor", practitioner)
		with self.assertRaises(PracticeMemberError):
			add_member(self.p2, self.user, "Doctor", practitioner)

	def test_administrator_and_guest_cannot_be_members(self):
		for user in ("Administrator", "Guest"):
			with self.subTest(user=user), self.assertRaises(PracticeMemberError):
				add_member(self.p1, user, "Receptionist")

	def test_last_admin_cannot_leave(self):
		m = add_member(self.p1, self.user, "Admin")
		frappe.set_user(self.user)
		m.reload()
		m.role = "Receptionist"
		with self.assertRaises(PracticeMemberError):
			m.save()
