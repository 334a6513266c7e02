"""Running the practices: scheduler jobs (with fixed clocks), statistics, number cards,
charts and the Practice Appointments report, all scoped to the user's practices."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import partial
from unittest.mock import patch

import frappe

from medic_plus import demo, install, tasks
from medic_plus.api import desk as whitelisted
from medic_plus.api import stats
from medic_plus.medic_plus.doctype.patient_consent import patient_consent as consent
from medic_plus.medic_plus.report.practice_appointments import practice_appointments
from medic_plus.tenancy import clock
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import get_booking_fixture
from medic_plus.tests.utils import mails, new_mail

DAY = "2030-01-07"  # a Monday, far from the other tests' dates


def utc(text: str) -> datetime:
	return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def make_appointment(
	practice: str, patient: str, practitioner: str, day=DAY, time="10:00:00", **values
) -> str:
	doc = frappe.get_doc(
		{
			"doctype": "Patient Appointment",
			"patient": patient,
			"practitioner": practitioner,
			"appointment_type": "Consultation",
			"appointment_date": day,
			"appointment_time": time,
			"duration": 30,
			"company": demo.default_company(),
			"custom_practice": practice,
			**values,
		}
	)
	doc.flags.ignore_permissions = True
	doc.insert()
	return doc.name


class OperationsTestCase(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.bf = get_booking_fixture()

	def setUp(self):
		frappe.set_user("Administrator")
		self.patient = (
			frappe.get_doc(
				{
					"doctype": "Patient",
					"first_name": "Ops",
					"sex": "Female",
					"email": "ops@example.org",
					"mobile": "+4915133333333",
					"invite_user": 0,
					"custom_practice": self.bf.practice,
				}
			)
			.insert()
			.name
		)
		consent.record(self.patient, ("Treatment", "E-mail", "SMS"), "Paper")
		# the jobs commit after each practice; in the tests everything is rolled back
		self.no_commit = patch.object(frappe.db, "commit")
		self.no_commit.start()

	def tearDown(self):
		self.no_commit.stop()
		super().tearDown()

	def appointment(self, **values) -> str:
		return make_appointment(self.bf.practice, self.patient, self.bf.doctor, **values)


class TestReminders(OperationsTestCase):
	def test_reminder_goes_once_within_the_window(self):
		name = self.appointment()
		later = self.appointment(day="2030-01-09")
		before = mails()
		# 2030-01-06 12:00 UTC is 13:00 in Berlin: 21 hours before the appointment
		self.assertEqual(tasks.send_reminders(utc("2030-01-06 12:00"))[self.bf.practice], 1)
		self.assertEqual(frappe.db.get_value("Patient Appointment", name, "custom_reminder_sent"), 1)
		self.assertEqual(frappe.db.get_value("Patient Appointment", later, "custom_reminder_sent"), 0)
		mail = new_mail(before, reference_name=name)
		self.assertIn("/book/manage?token=", mail.message)
		self.assertTrue(frappe.db.get_value("Patient Appointment", name, "custom_manage_token_hash"))
		# re-run: nothing twice
		self.assertEqual(tasks.send_reminders(utc("2030-01-06 13:00"))[self.bf.practice], 0)

	def test_too_early_and_cancelled_appointments_get_no_reminder(self):
		self.appointment()
		cancelled = self.appointment(time="11:00:00")
		frappe.db.set_value("Patient Appointment", cancelled, "status", "Cancelled")
		self.assertEqual(tasks.send_reminders(utc("2030-01-05 12:00"))[self.bf.practice], 0)
		self.assertEqual(tasks.send_reminders(utc("2030-01-06 12:00"))[self.bf.practice], 1)

	def test_sms_reminder_where_the_practice_wants_it(self):
		frappe.db.set_value("Practice", self.bf.practice, {"send_sms_reminders": 1, "sms_countries": "DE"})
		self.appointment()
		with patch("medic_plus.booking.notify._queue_sms") as queue_sms:
			tasks.send_reminders(utc("2030-01-06 12:00"))
		self.assertEqual(queue_sms.call_args.args[0], "+4915133333333")

	def test_no_sms_reminder_to_a_number_the_practice_does_not_text(self):
		frappe.db.set_value("Practice", self.bf.practice, {"send_sms_reminders": 1, "sms_countries": "GB"})
		self.appointment()
		with patch("medic_plus.booking.notify._queue_sms") as queue_sms:
			tasks.send_reminders(utc("2030-01-06 12:00"))
		queue_sms.assert_not_called()  # a German number, and the practice texts British ones

	def test_no_reminder_on_a_channel_without_consent(self):
		frappe.db.set_value("Practice", self.bf.practice, {"send_sms_reminders": 1, "sms_countries": "DE"})
		name = self.appointment()
		sms = frappe.get_doc("Patient Consent", {"patient": self.patient, "purpose": "SMS"})
		sms.status = "Withdrawn"  # takes effect at once
		sms.save()
		frappe.db.set_value(
			"Patient Consent", {"patient": self.patient, "purpose": "E-mail"}, "expires_on", "2020-01-01"
		)
		self.assertGreaterEqual(consent.expire(), 1)
		self.assertEqual(
			frappe.db.get_value("Patient Consent", {"patient": self.patient, "purpose": "E-mail"}, "status"),
			"Expired",
		)
		before = mails()
		with patch("medic_plus.booking.notify._queue_sms") as queue_sms:
			self.assertEqual(tasks.send_reminders(utc("2030-01-06 12:00"))[self.bf.practice], 1)
		queue_sms.assert_not_called()
		queued = frappe.get_all("Email Queue", filters={"reference_name": name}, pluck="name")
		self.assertEqual(set(queued) - before, set())

	def test_one_practice_failing_does_not_stop_the_others(self):
		self.appointment()
		original = tasks._remind
		broken = self.fx.a.practice

		def _remind(practice, now):
			if practice.name == broken:
				raise RuntimeError("mail server on fire")
			return original(practice, now)

		errors = frappe.db.count("Error Log")
		with patch.object(tasks, "_remind", _remind):
			done = tasks.send_reminders(utc("2030-01-06 12:00"))
		self.assertNotIn(broken, done)
		self.assertEqual(done[self.bf.practice], 1)
		self.assertEqual(frappe.db.count("Error Log"), errors + 1)


class TestNoShowsAndHousekeeping(OperationsTestCase):
	def test_no_show_after_end_and_grace(self):
		name = self.appointment()
		# 20 minutes (the appointment type's length) from 10:00 in Berlin, plus 30 minutes'
		# grace: not before 10:50 there; 09:45 UTC is 10:45 in Berlin
		self.assertEqual(frappe.db.get_value("Patient Appointment", name, "duration"), 20)
		tasks.mark_no_shows(utc("2030-01-07 09:45"))
		self.assertEqual(frappe.db.get_value("Patient Appointment", name, "status"), "Open")
		self.assertEqual(tasks.mark_no_shows(utc("2030-01-07 10:01"))[self.bf.practice], 1)
		self.assertEqual(frappe.db.get_value("Patient Appointment", name, "status"), "No Show")
		self.assertEqual(tasks.mark_no_shows(utc("2030-01-07 11:00"))[self.bf.practice], 0)

	def test_the_day_opens_at_the_practices_midnight(self):
		name = self.appointment()
		self.assertEqual(frappe.db.get_value("Patient Appointment", name, "status"), "Scheduled")
		# 22:59 UTC on the 6th: 23:59 in Berlin, the practice's (the site's clock, in
		# Johannesburg, is past midnight already)
		self.assertEqual(tasks.mark_no_shows(utc("2030-01-06 22:59"))[self.bf.practice], 0)
		self.assertEqual(frappe.db.get_value("Patient Appointment", name, "status"), "Scheduled")
		self.assertEqual(tasks.mark_no_shows(utc("2030-01-06 23:01"))[self.bf.practice], 1)
		self.assertEqual(frappe.db.get_value("Patient Appointment", name, "status"), "Open")

	def test_a_save_sets_the_status_by_the_practices_date(self):
		def saved_at(moment: str, name: str | None = None, **values) -> str:
			with patch.object(clock, "utcnow", return_value=utc(moment)):
				if not name:
					return self.appointment(**values)
				doc = frappe.get_doc("Patient Appointment", name)
				doc.update(values)
				doc.save(ignore_permissions=True)
				return doc.name

		status = partial(frappe.db.get_value, "Patient Appointment", fieldname="status")
		# 23:30 on the 6th in Berlin (the 7th at the site's clock): tomorrow's visit
		self.assertEqual(status(saved_at("2030-01-06 22:30")), "Scheduled")
		# the 7th in Berlin: today's
		name = saved_at("2030-01-07 08:00", time="11:00:00")
		self.assertEqual(status(name), "Open")
		# the 8th there: a visit nobody saw
		saved_at("2030-01-08 09:00", name, notes="Called, no answer.")
		self.assertEqual(status(name), "No Show")
		# moved to a later day, it is booked again
		saved_at("2030-01-08 09:00", name, appointment_date="2030-01-09")
		self.assertEqual(status(name), "Scheduled")

	def test_a_visit_seen_keeps_its_status_on_every_later_save(self):
		name = self.appointment()
		for seen in ("Checked In", "Checked Out", "Closed"):
			frappe.db.set_value("Patient Appointment", name, "status", seen)
			for moment in ("2030-01-06 12:00", "2030-01-07 12:00", "2030-01-09 12:00"):
				with patch.object(clock, "utcnow", return_value=utc(moment)):
					doc = frappe.get_doc("Patient Appointment", name)
					doc.notes = f"{seen} at {moment}"
					doc.save(ignore_permissions=True)
				self.assertEqual(frappe.db.get_value("Patient Appointment", name, "status"), seen)

	def test_healthcares_nightly_status_job_is_stopped(self):
		self.assertEqual(
			frappe.db.get_value("Scheduled Job Type", {"method": install.HEALTHCARE_STATUS_JOB}, "stopped"),
			1,
		)

	def test_seen_patients_are_never_no_shows(self):
		name = self.appointment()
		frappe.db.set_value("Patient Appointment", name, "status", "Checked Out")
		tasks.mark_no_shows(utc("2030-01-08 12:00"))
		self.assertEqual(frappe.db.get_value("Patient Appointment", name, "status"), "Checked Out")

	def test_unapproved_bookings_past_their_time_are_cancelled(self):
		name = self.appointment(custom_awaiting_approval=1)
		self.assertEqual(frappe.db.get_value("Patient Appointment", name, "status"), "Open")
		tasks.housekeeping(utc("2030-01-07 08:00"))  # 09:00 in Berlin: not yet
		self.assertEqual(frappe.db.get_value("Patient Appointment", name, "status"), "Open")
		tasks.housekeeping(utc("2030-01-07 09:00"))
		self.assertEqual(
			frappe.db.get_value("Patient Appointment", name, ["status", "custom_awaiting_approval"]),
			("Cancelled", 0),
		)
		tasks.mark_no_shows(utc("2030-01-08 09:00"))  # and never a no-show
		self.assertEqual(frappe.db.get_value("Patient Appointment", name, "status"), "Cancelled")

	def test_stale_manage_tokens_are_cleared(self):
		name = self.appointment(custom_manage_token_hash="f" * 64)
		tasks.housekeeping(utc("2030-01-10 12:00"))
		self.assertTrue(frappe.db.get_value("Patient Appointment", name, "custom_manage_token_hash"))
		tasks.housekeeping(utc("2030-01-15 12:00"))
		self.assertFalse(frappe.db.get_value("Patient Appointment", name, "custom_manage_token_hash"))


class TestStatistics(OperationsTestCase):
	def setUp(self):
		super().setUp()
		a, b = self.fx.a, self.fx.b
		for i, status in enumerate(("Scheduled", "No Show", "Checked Out", "Cancelled")):
			name = make_appointment(
				a.practice, a.patient, a.practitioner, day="2030-02-04", time=f"{9 + i}:00:00"
			)
			frappe.db.set_value("Patient Appointment", name, "status", status)
		for _ in range(3):
			make_appointment(b.practice, b.patient, b.practitioner, day="2030-02-05", time=f"{10 + _}:00:00")

	def test_practice_user_gets_own_practice_only(self):
		frappe.set_user(self.fx.a.recep)
		res = stats.get_appointment_stats("2030-02-01", "2030-02-28")
		self.assertEqual(res["total"], 4)
		self.assertEqual(res["by_status"], {"Scheduled": 1, "No Show": 1, "Checked Out": 1, "Cancelled": 1})
		self.assertEqual((res["no_show_rate"], res["completion_rate"]), (33.3, 33.3))
		self.assertEqual(res["by_appointment_type"], {"Consultation": 4})
		self.assertEqual(res["average_per_day"], round(4 / 28, 2))
		with self.assertRaises(frappe.DoesNotExistError):
			stats.get_appointment_stats("2030-02-01", "2030-02-28", practice=self.fx.b.practice)

	def test_platform_admin_gets_one_or_all(self):
		frappe.set_user(self.fx.platform)
		self.assertGreaterEqual(stats.get_appointment_stats("2030-02-01", "2030-02-28")["total"], 7)
		only_b = stats.get_appointment_stats("2030-02-01", "2030-02-28", practice=self.fx.b.practice)
		self.assertEqual(only_b["total"], 3)

	def test_user_without_practice_gets_nothing(self):
		frappe.set_user(self.fx.nobody)
		with self.assertRaises(frappe.PermissionError):
			stats.get_appointment_stats("2030-02-01", "2030-02-28")

	def test_practitioner_stats_are_scoped(self):
		frappe.set_user(self.fx.a.admin)
		res = stats.get_practitioner_stats()
		self.assertEqual(res["total"], 2)  # ISO Doc A and ISO Doc Both
		frappe.set_user(self.fx.platform)
		self.assertEqual(stats.get_practitioner_stats(practice=self.fx.b.practice)["total"], 1)

	def test_no_show_card_counts_own_practice(self):
		frappe.set_user(self.fx.a.recep)
		with patch("medic_plus.api.stats.today", return_value="2030-02-20"):
			self.assertEqual(stats.no_show_rate_card(), {"value": 33.3, "fieldtype": "Percent"})

	def test_number_cards_count_own_practice_only(self):
		from frappe.desk.doctype.number_card.number_card import get_result

		card = frappe.get_doc("Number Card", "MP Total Patients")
		frappe.set_user("Administrator")
		own = frappe.db.count("Patient", {"custom_practice": self.fx.a.practice})
		self.assertGreater(frappe.db.count("Patient"), own)
		frappe.set_user(self.fx.a.recep)
		self.assertEqual(get_result(card.as_json(), card.filters_json), own)

	def test_charts_show_own_practice_even_with_a_platform_admin_s_data_in_the_cache(self):
		from frappe.desk.doctype.dashboard_chart.dashboard_chart import get as frappe_get

		frappe.set_user(self.fx.platform)
		everyone = frappe_get(chart_name="MP Patients per Practice", refresh=1)
		self.assertIn(self.fx.b.practice, everyone["labels"])
		# Frappe keeps chart data under one cache key per chart, whoever computed it
		frappe.cache.set_value("chart-data:MP Patients per Practice", frappe.as_json(everyone))
		frappe.set_user(self.fx.a.admin)
		try:
			mine = whitelisted.get_dashboard_chart(chart_name="MP Patients per Practice")
		finally:
			frappe.cache.delete_value("chart-data:MP Patients per Practice")
		self.assertEqual(mine["labels"], [self.fx.a.practice])
		over_time = whitelisted.get_dashboard_chart(
			chart_name="MP Appointments over Time",
			from_date="",
			to_date="",
			timespan="Last Month",
			time_interval="Daily",
		)
		self.assertTrue(over_time["labels"])
		by_status = whitelisted.get_dashboard_chart(chart_name="MP Appointments by Status")
		expected = frappe.db.count(
			"Patient Appointment", {"custom_practice": self.fx.a.practice, "docstatus": ("<", 2)}
		)
		self.assertEqual(sum(by_status["datasets"][0]["values"]), expected)
		hooks = frappe.get_hooks("override_whitelisted_methods")
		self.assertEqual(
			hooks["frappe.desk.doctype.dashboard_chart.dashboard_chart.get"][-1],
			"medic_plus.api.desk.get_dashboard_chart",
		)

	def test_calendar_view_shows_own_practice_only(self):
		method = "healthcare.healthcare.doctype.patient_appointment.patient_appointment.get_events"
		hooked = frappe.get_hooks("override_whitelisted_methods")[method][-1]
		self.assertEqual(hooked, "medic_plus.api.desk.get_appointment_events")
		frappe.set_user(self.fx.a.recep)
		events = frappe.get_attr(hooked)("2030-02-01", "2030-02-28")
		practices = {frappe.db.get_value("Patient Appointment", e.name, "custom_practice") for e in events}
		self.assertEqual(practices, {self.fx.a.practice})

	def test_report_lists_own_practice_only(self):
		frappe.set_user(self.fx.a.recep)
		columns, rows, *_ = practice_appointments.execute(
			{"from_date": "2030-02-01", "to_date": "2030-02-28"}
		)
		self.assertEqual({r.custom_practice for r in rows}, {self.fx.a.practice})
		self.assertEqual(len(rows), 4)
		frappe.set_user(self.fx.platform)
		_, rows, *_ = practice_appointments.execute({"from_date": "2030-02-01", "to_date": "2030-02-28"})
		self.assertTrue({self.fx.a.practice, self.fx.b.practice} <= {r.custom_practice for r in rows})

	def test_workspaces_are_for_their_roles(self):
		platform = frappe.get_doc("Workspace", "Medic Plus Platform")
		mine = frappe.get_doc("Workspace", "My Practice")
		self.assertEqual({r.role for r in platform.roles}, {"System Manager", "Healthcare Administrator"})
		self.assertEqual(
			{r.role for r in mine.roles}, {"Practice Admin", "Practice Doctor", "Practice Receptionist"}
		)
		cards = {
			json.loads(platform.content)[i]["data"].get("number_card_name")
			for i in range(len(json.loads(platform.content)))
		}
		# blocks name the workspace's card rows by label, which lead to the Number Cards
		self.assertTrue({"Total Practices", "No-show Rate (30 days)"} <= cards)
		rows = {r.label: r.number_card_name for r in platform.number_cards}
		self.assertTrue(all(rows.get(c) for c in cards if c), rows)
