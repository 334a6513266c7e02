"""Provisioning on a real site: one registration becomes a practice with its doctor,
membership, room, schedule and booking page; a second run, or a run after one that
failed half-way, completes without making anything twice; the retry job runs failed ones
again after five minutes, three runs in all; only the platform provisions."""

from __future__ import annotations

import json
import os
import quopri
import subprocess
import time
from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.utils import now_datetime

from medic_plus import demo
from medic_plus.core import provisioning as core
from medic_plus.onboarding import provisioning
from medic_plus.tests.compat import TenancyFixtureTestCase, freeze_time
from medic_plus.tests.utils import bench_command


class RegistrationCase(TenancyFixtureTestCase):
	"""Registrations made by a test, and all they made, are removed after it."""

	def setUp(self):
		frappe.set_user("Administrator")
		self.tag = frappe.generate_hash(length=6).lower()
		self.made = []

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		for name in self.made:
			_remove(name)
		frappe.db.commit()  # nosemgrep: provisioning commits; remove what it made
		super().tearDown()

	def registration(self, **values) -> str:
		doc = frappe.get_doc(
			{
				"doctype": "Practice Registration",
				"practice_name": f"Green Valley {self.tag}",
				"slug": f"green-valley-{self.tag}",
				"first_name": "Gwen",
				"last_name": f"Valley{self.tag}",
				"email": f"gwen-{self.tag}@example.org",
				"mobile": "+27821234567",
				"country": "South Africa",
				"timezone": "Africa/Johannesburg",
				"plan": "Basic",
				**values,
			}
		).insert()
		self.made.append(doc.name)
		return doc.name

	def footprint(self, name: str) -> dict[str, int]:
		reg = frappe.get_doc("Practice Registration", name)
		return {
			"Practice": frappe.db.count("Practice", {"slug": reg.slug}),
			"User": frappe.db.count("User", {"name": reg.email}),
			"Healthcare Practitioner": frappe.db.count(
				"Healthcare Practitioner", {"practitioner_name": f"{reg.first_name} {reg.last_name}"}
			),
			"Practice Member": frappe.db.count("Practice Member", {"user": reg.email}),
			"Practitioner Schedule": frappe.db.count(
				"Practitioner Schedule", {"custom_practice": reg.practice or ""}
			),
			"Letter Head": frappe.db.count("Letter Head", {"name": ("like", f"%{reg.practice_name}%")}),
		}


class TestProvisioning(RegistrationCase):
	def test_a_registration_becomes_a_practice_ready_to_book(self):
		name = self.registration()
		practice = provisioning.provision_from_desk(name)
		reg = frappe.get_doc("Practice Registration", name)
		self.assertEqual(reg.status, "Active")
		self.assertEqual(reg.approved_by, "Administrator")
		self.assertEqual([s.step for s in reg.steps], list(core.steps_for(core.PLANS["Basic"])))
		p = frappe.get_doc("Practice", practice)
		self.assertEqual((p.slug, p.status, p.subscription_plan), (reg.slug, "Active", "Basic"))
		self.assertRegex(p.short_code, r"^GV[A-Z0-9]{1,6}$")
		self.assertTrue(p.letter_head and frappe.db.exists("Letter Head", p.letter_head))
		self.assertEqual(p.timezone, "Africa/Johannesburg")
		# the doctor runs the practice and sees patients
		member = frappe.get_doc("Practice Member", {"practice": practice, "user": reg.email})
		self.assertEqual((member.role, member.practitioner), ("Admin", reg.practitioner))
		self.assertIn("Practice Admin", frappe.get_roles(reg.email))
		# and the booking page offers their week
		from medic_plus.api import booking

		frappe.set_user("Guest")
		doctors = booking.get_practice_practitioners(p.slug)
		self.assertEqual([d["practitioner"] for d in doctors], [reg.practitioner])
		info = booking.get_practice_info(p.slug)
		self.assertEqual([t["appointment_type"] for t in info["appointment_types"]], ["Consultation"])

	def test_every_plan_gets_its_own_company(self):
		name = self.registration(plan="Basic")
		practice = provisioning.provision_from_desk(name)
		reg = frappe.get_doc("Practice Registration", name)
		self.assertEqual(reg.steps[0].step, "company")
		company = frappe.get_doc("Company", reg.company)
		self.assertEqual(company.company_name, reg.practice_name)
		self.assertEqual(company.abbr, frappe.db.get_value("Practice", practice, "short_code"))
		self.assertEqual(frappe.db.get_value("Practice", practice, "company"), reg.company)
		self.assertEqual(
			frappe.db.get_value(
				"Healthcare Service Unit",
				next(s.reference_name for s in reg.steps if s.step == "service_unit"),
				"company",
			),
			reg.company,
		)

	def test_the_doctor_sees_a_setup_checklist_that_ticks_itself(self):
		from medic_plus.api.context import get_setup_checklist

		name = self.registration()
		practice = provisioning.provision_from_desk(name)
		reg = frappe.get_doc("Practice Registration", name)
		frappe.set_user(reg.email)
		state = get_setup_checklist()
		done = {i["key"]: i["done"] for i in state["items"]}
		self.assertTrue(state["show"])
		self.assertEqual(done, {"branding": False, "schedule": True, "booking_page": True, "staff": False})
		self.assertIn(f"/book?practice={reg.slug}", [i["route"] for i in state["items"]])

		frappe.set_user("Administrator")
		frappe.db.set_value("Practice", practice, {"logo": "/files/logo.png", "brand_color": "#0E7C86"})
		recep = demo.ensure_user(f"recep-{self.tag}@example.org", "Rita Recep")
		demo.ensure_member(practice, recep, "Receptionist")
		frappe.set_user(reg.email)
		self.assertEqual(
			get_setup_checklist(), {"show": False, "items": [i | {"done": True} for i in state["items"]]}
		)
		frappe.set_user(recep)  # the checklist is the admins'
		self.assertEqual(get_setup_checklist(), {"show": False, "items": []})
		frappe.set_user("Administrator")
		frappe.db.delete("Practice Member", {"user": recep})
		frappe.delete_doc("User", recep, force=True, ignore_permissions=True)

	def test_running_it_again_makes_nothing_twice(self):
		name = self.registration()
		provisioning.provision_from_desk(name)
		before = self.footprint(name)
		self.assertEqual(set(before.values()) - {0}, {1}, before)
		frappe.db.set_value("Practice Registration", name, "status", "Failed")
		provisioning.provision(name)
		self.assertEqual(self.footprint(name), before)
		frappe.set_user("Administrator")
		with self.assertRaises(provisioning.ProvisioningError):
			provisioning.provision_from_desk(name)  # Active: not again

	def test_a_run_that_fails_half_way_is_completed_by_the_next(self):
		name = self.registration()
		with (
			patch.dict(provisioning.STEPS, {"schedule": _boom}),
			self.assertRaises(RuntimeError),
		):
			provisioning.provision_from_desk(name)
		reg = frappe.get_doc("Practice Registration", name)
		self.assertEqual((reg.status, reg.attempts), ("Failed", 1))
		self.assertIn("RuntimeError: the database went away", reg.error)
		self.assertIn("membership", [s.step for s in reg.steps])  # what was done stays done
		self.assertNotIn("schedule", [s.step for s in reg.steps])
		half = self.footprint(name)
		self.assertEqual(half["Practitioner Schedule"], 0)

		# the retry job: not before five minutes have passed
		self.assertEqual(provisioning.retry_failed(), [])
		frappe.db.set_value(
			"Practice Registration", name, "last_attempt_on", now_datetime() - timedelta(minutes=6)
		)
		self.assertEqual(provisioning.retry_failed(), [name])
		reg.reload()
		self.assertEqual((reg.status, reg.attempts, reg.error), ("Active", 2, None))
		done = self.footprint(name)
		self.assertEqual(set(done.values()), {1}, done)

	def test_a_worker_killed_half_way_leaves_what_it_committed_and_the_retry_completes_it(self):
		"""A real process runs the registration and is killed (SIGKILL) in the middle of
		the schedule step, with that step's record written but not committed."""
		name = self.registration()
		frappe.db.set_value("Practice Registration", name, "status", "Approved")
		frappe.db.commit()  # nosemgrep: the worker process reads it
		worker = subprocess.Popen(
			bench_command(
				"execute",
				"medic_plus.tests.test_provisioning.provision_and_hang",
				"--kwargs",
				json.dumps({"registration": name}),
			),
			cwd=os.path.join(frappe.utils.get_bench_path(), "sites"),
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		try:
			hanging = os.path.join(frappe.get_site_path(), f"provisioning-{name}.hang")
			for _ in range(600):  # the worker is in the schedule step, its write not committed
				if os.path.exists(hanging) or worker.poll() is not None:
					break
				time.sleep(0.1)
			self.assertTrue(os.path.exists(hanging), "the worker never reached the schedule step")
		finally:
			worker.kill()
			worker.wait(timeout=30)
			if os.path.exists(hanging):
				os.remove(hanging)

		frappe.db.rollback()  # a fresh snapshot: what the dead worker left
		reg = frappe.get_doc("Practice Registration", name)
		self.assertEqual((reg.status, reg.attempts), ("Provisioning", 1))
		steps = [s.step for s in reg.steps]
		self.assertEqual(steps[-1], "service_unit")  # committed step by step
		self.assertNotIn("schedule", steps)
		self.assertEqual(self.footprint(name)["Practitioner Schedule"], 0)  # rolled back with it

		# not taken up while it might still be running; after fifteen minutes it is
		self.assertEqual(provisioning.retry_failed(), [])
		frappe.db.set_value(
			"Practice Registration", name, "last_attempt_on", now_datetime() - timedelta(minutes=16)
		)
		self.assertEqual(provisioning.retry_failed(), [name])
		reg.reload()
		self.assertEqual((reg.status, reg.attempts), ("Active", 2))
		self.assertEqual([s.step for s in reg.steps], list(core.steps_for(core.PLANS["Basic"])))
		done = self.footprint(name)
		self.assertEqual(set(done.values()), {1}, done)

	def test_a_run_whose_worker_died_is_taken_up_and_three_runs_is_the_end(self):
		name = self.registration()
		stuck = now_datetime() - timedelta(minutes=20)
		frappe.db.set_value(
			"Practice Registration", name, {"status": "Provisioning", "attempts": 1, "last_attempt_on": stuck}
		)
		self.assertEqual(provisioning.retry_failed(), [name])
		self.assertEqual(frappe.db.get_value("Practice Registration", name, "status"), "Active")

		other = self.registration(slug=f"green-hill-{self.tag}", email=f"hill-{self.tag}@example.org")
		frappe.db.set_value(
			"Practice Registration",
			other,
			{"status": "Failed", "attempts": 3, "last_attempt_on": now_datetime() - timedelta(hours=1)},
		)
		self.assertEqual(provisioning.retry_failed(), [])
		self.assertEqual(frappe.db.get_value("Practice Registration", other, "status"), "Failed")

	def test_only_the_platform_provisions_and_reads_registrations(self):
		name = self.registration()
		frappe.set_user(self.fx.a.admin)
		with self.assertRaises(frappe.PermissionError):
			provisioning.provision_from_desk(name)
		self.assertFalse(frappe.has_permission("Practice Registration", "read"))
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list("Practice Registration")

	def test_a_practice_made_meanwhile_under_the_address_is_never_taken_over(self):
		name = self.registration()
		slug = frappe.db.get_value("Practice Registration", name, "slug")
		squatter = demo.ensure_practice("Someone Else", slug, f"SQ{self.tag[:4].upper()}")
		frappe.db.commit()  # nosemgrep: provisioning commits; this is there before it
		try:
			with self.assertRaises(frappe.ValidationError):
				provisioning.provision_from_desk(name)
			reg = frappe.get_doc("Practice Registration", name)
			self.assertEqual((reg.status, reg.practice), ("Failed", None))
			self.assertFalse(frappe.db.exists("Practice Member", {"practice": squatter}))
		finally:
			frappe.delete_doc("Practice", squatter, force=True, ignore_permissions=True)
			frappe.db.commit()  # nosemgrep: as above

	def test_a_taken_or_reserved_address_is_refused(self):
		for slug in (frappe.db.get_value("Practice", self.fx.a.practice, "slug"), "admin", "x"):
			with self.subTest(slug=slug), self.assertRaises(frappe.ValidationError):
				self.registration(slug=slug)


def provision_and_hang(registration: str) -> None:
	"""(Run by the test above in a process of its own.) Provision the registration; in the
	schedule step, write the schedule, say so in a file and wait to be killed."""
	from medic_plus.onboarding import provisioning as running

	schedule = running.STEPS["schedule"]

	def write_and_hang(reg):
		schedule(reg)
		with open(os.path.join(frappe.get_site_path(), f"provisioning-{registration}.hang"), "w") as f:
			f.write("hanging")
		time.sleep(120)

	with patch.dict(running.STEPS, {"schedule": write_and_hang}):
		running.provision(registration)


def _boom(reg):
	raise RuntimeError("the database went away")


def _remove(registration: str) -> None:
	"""What a registration made, gone again (tests only)."""
	if not frappe.db.exists("Practice Registration", registration):
		return
	reg = frappe.get_doc("Practice Registration", registration)
	frappe.set_user("Administrator")
	if reg.practitioner:
		frappe.delete_doc("Healthcare Practitioner", reg.practitioner, force=True, ignore_permissions=True)
	billed = None
	if reg.practice:
		billed = frappe.db.get_value(
			"Practice", reg.practice, ["billing_subscription", "billing_customer"], as_dict=True
		)
		frappe.db.delete("Practice Usage", {"practice": reg.practice})
		if billed and billed.billing_customer:
			for request in frappe.get_all(
				"Payment Request", {"party": billed.billing_customer}, ["name", "docstatus"]
			):
				if request.docstatus == 1:
					frappe.get_doc("Payment Request", request.name).cancel()
				frappe.delete_doc("Payment Request", request.name, force=True, ignore_permissions=True)
			for payment in frappe.get_all(
				"Payment Entry", {"party": billed.billing_customer, "docstatus": 1}, pluck="name"
			):
				frappe.get_doc("Payment Entry", payment).cancel()
				frappe.delete_doc("Payment Entry", payment, force=True, ignore_permissions=True)
			for invoice in frappe.get_all(
				"Sales Invoice", {"customer": billed.billing_customer, "docstatus": 1}, pluck="name"
			):
				frappe.get_doc("Sales Invoice", invoice).cancel()
			for name in frappe.get_all("Sales Invoice", {"customer": billed.billing_customer}, pluck="name"):
				frappe.delete_doc("Sales Invoice", name, force=True, ignore_permissions=True)
		if billed and billed.billing_subscription:
			frappe.delete_doc(
				"Subscription", billed.billing_subscription, force=True, ignore_permissions=True
			)
		frappe.db.delete("Practice Member", {"practice": reg.practice})
		for schedule in frappe.get_all(
			"Practitioner Schedule", {"custom_practice": reg.practice}, pluck="name"
		):
			frappe.delete_doc("Practitioner Schedule", schedule, force=True, ignore_permissions=True)
		letter_head = frappe.db.get_value("Practice", reg.practice, "letter_head")
		frappe.delete_doc("Practice", reg.practice, force=True, ignore_permissions=True)
		if letter_head and frappe.db.exists("Letter Head", letter_head):
			frappe.delete_doc("Letter Head", letter_head, force=True, ignore_permissions=True)
	for step in reg.steps:
		if step.step == "service_unit" and frappe.db.exists("Healthcare Service Unit", step.reference_name):
			frappe.delete_doc(
				"Healthcare Service Unit", step.reference_name, force=True, ignore_permissions=True
			)
	# only a company this registration made (never the platform's)
	if reg.company and any(step.step == "company" for step in reg.steps):
		frappe.delete_doc("Company", reg.company, force=True, ignore_permissions=True)
	if billed and billed.billing_customer:
		frappe.delete_doc("Customer", billed.billing_customer, force=True, ignore_permissions=True)
	if reg.user and frappe.db.exists("User", reg.user):
		frappe.delete_doc("User", reg.user, force=True, ignore_permissions=True)
	frappe.delete_doc("Practice Registration", registration, force=True, ignore_permissions=True)


KEY = "k" * 43
STRONG = "Lindenhof-Sprechstunde-2027!"


class TestActivation(RegistrationCase):
	"""The doctor's activation link, as the doctor (and an attacker) would use it."""

	def provisioned(self) -> str:
		from medic_plus.tests.fixtures import ensure_outbox

		ensure_outbox()
		name = self.registration()
		with patch("medic_plus.core.activation.new_key", return_value=KEY):
			provisioning.provision_from_desk(name)
		return name

	def post(self, key: str, password: str):
		from medic_plus.tests.http import request

		return request(
			"POST",
			"/api/method/medic_plus.api.onboarding.activate",
			data={"key": key, "new_password": password},
			headers={"Accept": "application/json"},
		)

	def test_the_link_is_mailed_and_sets_the_password_once(self):
		import email

		from frappe.utils.password import check_password

		from medic_plus.core import activation as rule
		from medic_plus.tests.http import request

		name = self.provisioned()
		reg = frappe.get_doc("Practice Registration", name)
		self.assertEqual(reg.activation_key_hash, rule.digest(KEY))  # only the hash is kept
		self.assertNotIn(KEY, frappe.as_json(reg.as_dict()))
		mail = frappe.get_last_doc("Email Queue", filters={"reference_name": name})
		html = " ".join(
			part.get_payload(decode=True).decode()
			for part in email.message_from_string(mail.message).walk()
			if part.get_content_type() == "text/html"
		)
		self.assertIn(f"/activate?key={KEY}", html)
		self.assertEqual(
			frappe.get_all("Email Queue Recipient", {"parent": mail.name}, pluck="recipient"), [reg.email]
		)
		frappe.db.commit()  # nosemgrep: the requests below run on other connections

		page = request("GET", f"/activate?key={KEY}")
		self.assertEqual(page.status_code, 200)
		self.assertIn(reg.practice_name, page.get_data(as_text=True))
		self.assertEqual(request("GET", "/activate?key=nonsense").status_code, 404)

		weak = self.post(KEY, "password1")
		self.assertEqual(weak.status_code, 400, weak.get_data(as_text=True)[:300])
		done = self.post(KEY, STRONG)
		self.assertEqual(done.status_code, 200, done.get_data(as_text=True)[:300])
		self.assertEqual(done.json["message"]["redirect"], "/app/my-practice")
		cookies = done.headers.getlist("Set-Cookie")
		self.assertTrue(any(c.startswith("sid=") and not c.startswith("sid=Guest") for c in cookies), cookies)
		self.assertTrue(
			any(c.startswith(f"user_id={reg.email.replace('@', '%40')}") for c in cookies), cookies
		)
		check_password(reg.email, STRONG)  # raises if it were not set
		reg.reload()
		self.assertTrue(reg.activated_on)
		self.assertIsNone(reg.activation_key_hash)

		again = self.post(KEY, STRONG + "x")
		self.assertEqual(again.status_code, 404)  # spent: no such key any more
		self.assertEqual(request("GET", f"/activate?key={KEY}").status_code, 404)
		frappe.set_user("Administrator")
		with self.assertRaises(frappe.ValidationError):
			from medic_plus.onboarding import activation

			activation.send_from_desk(name)  # activated: no second link

	def test_after_twelve_hours_the_link_is_dead_and_a_new_one_replaces_it(self):
		from datetime import timedelta

		from medic_plus.onboarding import activation

		name = self.provisioned()
		frappe.db.set_value(
			"Practice Registration", name, "activation_expires_on", now_datetime() - timedelta(seconds=1)
		)
		frappe.db.commit()  # nosemgrep: as above
		expired = self.post(KEY, STRONG)
		self.assertEqual(expired.status_code, 410)
		self.assertIn("expired", expired.get_data(as_text=True))
		with patch("medic_plus.core.activation.new_key", return_value="n" * 43):
			activation.send_from_desk(name)
		frappe.db.commit()  # nosemgrep: as above
		self.assertEqual(self.post(KEY, STRONG).status_code, 404)  # the old key is gone
		self.assertEqual(self.post("n" * 43, STRONG).status_code, 200)
		frappe.set_user(self.fx.a.admin)
		with self.assertRaises(frappe.PermissionError):
			activation.send_from_desk(name)


class TestBilling(RegistrationCase):
	"""The plan billed with ERPNext: a monthly invoice from the first of the month after
	sign-up, suspension when it is overdue past the grace period, and back when paid."""

	KEPT = ("days_until_due", "grace_days", "payment_gateway_account")

	def setUp(self):
		super().setUp()
		settings = frappe.get_single("Medic Plus Settings")
		self.before = {k: settings.get(k) for k in self.KEPT}
		self.before_plans = [r.as_dict() for r in settings.plans]
		self.settings(
			days_until_due=14, grace_days=7, payment_gateway_account=None, Basic={"monthly_price": 499}
		)

	def tearDown(self):
		super().tearDown()
		settings = frappe.get_single("Medic Plus Settings")
		settings.update(self.before)
		for row, before in zip(settings.plans, self.before_plans, strict=True):
			row.update({k: before[k] for k in core.PLAN_FIELDS})
		settings.save()
		frappe.db.commit()  # nosemgrep: settings as they were

	def settings(self, **values):
		"""Medic Plus Settings with ``values`` (a plan's name: values for its row)."""
		settings = frappe.get_single("Medic Plus Settings")
		for row in settings.plans:
			row.update(values.pop(row.plan, {}))
		settings.update(values)
		settings.save()

	def test_the_plan_is_invoiced_monthly_and_an_overdue_invoice_suspends_until_paid(self):
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
		from erpnext.accounts.doctype.subscription.subscription import process_all
		from frappe.utils import add_days, getdate

		from medic_plus.api import booking
		from medic_plus.onboarding import billing

		name = self.registration()
		practice = provisioning.provision_from_desk(name)
		p = frappe.get_doc("Practice", practice)
		subscription = frappe.get_doc("Subscription", p.billing_subscription)
		self.assertEqual(subscription.party, p.billing_customer)
		self.assertEqual(subscription.plans[0].plan, "Medic Plus Basic")
		self.assertEqual(frappe.db.get_value("Subscription Plan", "Medic Plus Basic", "cost"), 499)
		start = getdate(subscription.start_date)
		self.assertEqual(start.day, 1)  # billing starts with the next month
		self.assertGreater(start, getdate(frappe.utils.today()))

		# the scheduler's daily jobs on a frozen clock: ERPNext's subscriptions on the first
		# of the month, and ours on the days around the end of the grace period
		with freeze_time(f"{start} 03:00:00", tick=True):
			process_all(subscription=subscription.name)
		invoices = frappe.get_all(
			"Sales Invoice",
			{"customer": p.billing_customer, "docstatus": 1},
			["name", "grand_total", "posting_date", "due_date", "company"],
		)
		self.assertEqual(len(invoices), 1)
		invoice = invoices[0]
		self.assertEqual((invoice.grand_total, getdate(invoice.posting_date)), (499, start))
		self.assertEqual(getdate(invoice.due_date), add_days(start, 14))
		self.assertEqual(invoice.company, demo.default_company())

		due = getdate(invoice.due_date)
		with freeze_time(f"{add_days(due, 7)} 03:00:00", tick=True):
			self.assertEqual(billing.enforce_payment(), {})  # within the grace
		with freeze_time(f"{add_days(due, 8)} 03:00:00", tick=True):
			self.assertEqual(billing.enforce_payment(), {practice: "Suspended"})
		self.assertEqual(frappe.db.get_value("Practice", practice, "status"), "Suspended")
		frappe.set_user("Guest")
		with self.assertRaises(frappe.ValidationError):
			booking.get_practice_practitioners(p.slug)  # no bookings while suspended
		frappe.set_user("Administrator")

		payment = get_payment_entry("Sales Invoice", invoice.name)
		payment.reference_no, payment.reference_date = "TRANSFER-1", add_days(due, 9)
		payment.insert(ignore_permissions=True).submit()
		# active again as the payment is recorded, not the next day
		self.assertEqual(frappe.db.get_value("Practice", practice, "status"), "Active")
		self.assertEqual(billing.enforce_payment(add_days(due, 10)), {})

		# the platform's revenue card counts the plan; a practice user may not read it
		self.assertGreaterEqual(billing.mrr_card()["value"], 499)
		frappe.set_user(self.fx.a.admin)
		with self.assertRaises(frappe.PermissionError):
			billing.mrr_card()
		frappe.set_user("Administrator")

		# a new price holds from the next invoice on
		self.settings(Basic={"monthly_price": 549})
		self.assertEqual(frappe.db.get_value("Subscription Plan", "Medic Plus Basic", "cost"), 549)

		# a practice the platform suspended by hand is not made active by a paid invoice
		frappe.db.set_value("Practice", practice, "status", "Suspended")
		self.assertEqual(billing.enforce_payment(add_days(due, 11)), {})

	def provisioned(self):
		"""A new practice, and the first day its plan is billed."""
		from frappe.utils import getdate

		practice = provisioning.provision_from_desk(self.registration())
		subscription = frappe.db.get_value("Practice", practice, "billing_subscription")
		return practice, getdate(frappe.db.get_value("Subscription", subscription, "start_date"))

	def invoice_month(self, practice: str, start):
		"""ERPNext's daily job on the first day of a period: the practice's plan invoice."""
		from erpnext.accounts.doctype.subscription.subscription import process_all

		process_all(
			subscription=frappe.db.get_value("Practice", practice, "billing_subscription"), posting_date=start
		)
		customer = frappe.db.get_value("Practice", practice, "billing_customer")
		name = frappe.db.get_value(
			"Sales Invoice", {"customer": customer, "docstatus": 1, "posting_date": start}, "name"
		)
		self.assertTrue(name, "no plan invoice")
		return frappe.get_doc("Sales Invoice", name)

	def test_the_visits_beyond_those_included_are_billed_on_the_next_invoice_once(self):
		from frappe.utils import add_months

		from medic_plus.onboarding import billing

		self.settings(Basic={"monthly_price": 499, "included_visits": 2, "visit_price": 30})
		practice, start = self.provisioned()
		month = add_months(start, -1)
		# five visits in the month before the period: three completed appointments and two
		# encounters with no appointment (metered as they are when the invoice is made)
		# (counting itself is test_usage's)
		fake = {"completed_appointments": 3, "walk_in_encounters": 2, "encounters": 2}
		with patch("medic_plus.onboarding.usage.count", return_value={practice: fake}):
			invoice = self.invoice_month(practice, start)
		usage_rows = [row for row in invoice.items if row.item_code == billing.USAGE_ITEM]
		self.assertEqual(len(usage_rows), 1)
		row = usage_rows[0]
		self.assertEqual((row.qty, row.rate, row.amount), (3, 30, 90))  # 5 visits, 2 included
		self.assertIn("5", row.description)
		self.assertEqual(invoice.grand_total, 499 + 90)
		usage_row = frappe.get_doc("Practice Usage", {"practice": practice, "month": month})
		self.assertEqual((usage_row.visits, usage_row.sales_invoice), (5, invoice.name))

		# the next period bills its own month before (no visits: no line), never this one again
		with patch("medic_plus.onboarding.usage.count", return_value={}):
			later = self.invoice_month(practice, add_months(start, 1))
		self.assertFalse([r for r in later.items if r.item_code == billing.USAGE_ITEM])
		self.assertEqual(later.grand_total, 499)

	def test_a_plan_that_bills_no_use_adds_no_line(self):
		from medic_plus.onboarding import billing

		practice, start = self.provisioned()
		fake = {"completed_appointments": 40}
		with patch("medic_plus.onboarding.usage.count", return_value={practice: fake}):
			invoice = self.invoice_month(practice, start)
		self.assertEqual([r.item_code for r in invoice.items], [billing.plan_name("Basic")])

	def test_with_a_gateway_the_admins_get_a_payment_request_and_paying_reactivates_at_once(self):
		from frappe.utils import add_days, getdate

		from medic_plus.onboarding import billing
		from medic_plus.tests.fixtures import ensure_outbox

		ensure_outbox()
		gateway_account = payment_gateway()
		self.settings(payment_gateway_account=gateway_account)
		practice, start = self.provisioned()
		admin = frappe.db.get_value("Practice Registration", self.made[-1], "email")
		with patch(
			"erpnext.accounts.doctype.payment_request.payment_request._get_payment_gateway_controller",
			return_value=FakeGateway(),
		):
			invoice = self.invoice_month(practice, start)
		request = frappe.get_doc("Payment Request", {"reference_name": invoice.name})
		self.assertEqual((request.docstatus, request.grand_total), (1, 499))
		self.assertEqual(request.email_to, admin)
		self.assertTrue(request.payment_url.startswith("https://pay.example.org/"))
		# the mail to the admins: the link to pay, the invoice attached
		mail = frappe.get_last_doc("Email Queue", {"reference_name": invoice.name})
		self.assertEqual([r.recipient for r in mail.recipients], [admin])
		self.assertIn(
			request.payment_url, quopri.decodestring(mail.message.encode()).decode(errors="replace")
		)
		self.assertIn('"print_format_attachment": 1', mail.attachments)

		# overdue: suspended; the gateway's payment is recorded and the practice is back at once
		due = getdate(invoice.due_date)
		self.assertEqual(billing.enforce_payment(add_days(due, 8)), {practice: "Suspended"})
		payment = request.create_payment_entry(submit=False)
		payment.reference_no, payment.reference_date = "GW-1", add_days(due, 9)
		payment.insert(ignore_permissions=True).submit()
		self.assertEqual(frappe.db.get_value("Practice", practice, "status"), "Active")

	def test_a_gateway_that_fails_leaves_the_invoice_payable_by_transfer(self):
		self.settings(payment_gateway_account=payment_gateway())
		practice, start = self.provisioned()
		broken = FakeGateway()
		broken.get_payment_url = lambda **kwargs: frappe.throw("gateway down")
		with patch(
			"erpnext.accounts.doctype.payment_request.payment_request._get_payment_gateway_controller",
			return_value=broken,
		):
			invoice = self.invoice_month(practice, start)
		self.assertEqual(invoice.docstatus, 1)
		self.assertFalse(
			frappe.db.exists("Payment Request", {"reference_name": invoice.name, "docstatus": 1})
		)
		self.assertTrue(frappe.db.exists("Error Log", {"reference_name": invoice.name}))


class FakeGateway:
	"""A payment gateway's controller as the payments app calls it (no network)."""

	def validate_transaction_currency(self, currency):
		pass

	def get_payment_url(self, **kwargs):
		return f"https://pay.example.org/checkout?ref={kwargs.get('reference_docname')}"


def payment_gateway(gateway: str = "Medic Test Gateway") -> str:
	"""A Payment Gateway Account of ``gateway``, paid into the platform's bank account."""
	if not frappe.db.exists("Payment Gateway", gateway):
		frappe.get_doc({"doctype": "Payment Gateway", "gateway": gateway}).insert(ignore_permissions=True)
	company = demo.default_company()
	account = frappe.db.get_value(
		"Account", {"company": company, "account_type": "Bank", "is_group": 0}, "name"
	) or frappe.db.get_value("Account", {"company": company, "account_type": "Cash", "is_group": 0}, "name")
	name = frappe.db.get_value("Payment Gateway Account", {"payment_gateway": gateway})
	if not name:
		doc = frappe.get_doc(
			{"doctype": "Payment Gateway Account", "payment_gateway": gateway, "payment_account": account}
		)
		name = doc.insert(ignore_permissions=True).name
	return name
