"""Usage metering on a real site: a month's completed appointments, encounters, online
bookings, new patients and practitioners per practice, written once per month and
brought up to date by the next run; another practice's use is its own."""

from __future__ import annotations

import frappe

from medic_plus import demo
from medic_plus.onboarding import usage
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.test_operations import make_appointment

MONTH = "2031-03-01"


class TestUsage(TenancyFixtureTestCase):
	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.db.rollback()
		super().tearDown()

	def row(self, practice: str) -> dict:
		return frappe.get_doc("Practice Usage", {"practice": practice, "month": MONTH}).as_dict()

	def test_a_month_is_metered_per_practice_and_brought_up_to_date(self):
		fx = self.fx
		demo.ensure_appointment_type()
		frappe.db.delete("Practice Usage", {"month": MONTH})
		made = [
			make_appointment(fx.a.practice, fx.a.patient, fx.a.practitioner, day="2031-03-03", time=t)
			for t in ("09:00:00", "10:00:00", "11:00:00")
		]
		make_appointment(fx.a.practice, fx.a.patient, fx.a.practitioner, day="2031-04-01", time="09:00:00")
		for name, status in zip(made, ("Closed", "Checked Out", "Cancelled"), strict=True):
			frappe.db.set_value("Patient Appointment", name, "status", status)
		frappe.db.set_value("Patient Appointment", made[0], "custom_booked_online", 1)
		# an encounter of a booked visit, and one with no appointment (a walk-in)
		for appointment in (made[0], None):
			frappe.get_doc(
				{
					"doctype": "Patient Encounter",
					"patient": fx.a.patient,
					"practitioner": fx.a.practitioner,
					"appointment": appointment,
					"encounter_date": "2031-03-05",
					"company": demo.default_company(),
				}
			).insert(ignore_permissions=True).submit()

		self.assertGreaterEqual(usage.meter_month(frappe.utils.getdate(MONTH)), 2)
		a, b = self.row(fx.a.practice), self.row(fx.b.practice)
		self.assertEqual((a.completed_appointments, a.online_bookings), (2, 1))
		self.assertEqual((a.encounters, a.walk_in_encounters), (2, 1))
		self.assertEqual(a.visits, 3)  # two completed appointments and the walk-in
		self.assertEqual(b.completed_appointments, 0)  # the other practice used nothing of A's
		self.assertEqual(
			a.practitioners,
			frappe.db.count(
				"Practice Member", {"practice": fx.a.practice, "is_active": 1, "practitioner": ("is", "set")}
			),
		)
		self.assertEqual(a.plan, frappe.db.get_value("Practice", fx.a.practice, "subscription_plan"))

		# a visit closed a day late is counted by the next run, in the same row
		frappe.db.set_value("Patient Appointment", made[2], "status", "Closed")
		usage.meter(frappe.utils.getdate("2031-04-02"))  # meters March (the month before) and April
		self.assertEqual(self.row(fx.a.practice).completed_appointments, 3)
		self.assertEqual(frappe.db.count("Practice Usage", {"practice": fx.a.practice, "month": MONTH}), 1)
		self.assertTrue(
			frappe.db.exists("Practice Usage", {"practice": fx.a.practice, "month": "2031-04-01"})
		)

	def test_practice_roles_do_not_read_usage(self):
		frappe.set_user(self.fx.a.admin)
		self.assertFalse(frappe.has_permission("Practice Usage", "read"))
