"""Plan limits on a real site: the platform owner's plan rows in Medic Plus Settings say
which plan includes online booking and the FHIR API; a practice whose plan does not is
refused with a message that names the plan (403), in Desk, on the booking API and over
FHIR, and a practice that moves to a plan with it may use it again."""

from __future__ import annotations

import json
from contextlib import contextmanager

import frappe

from medic_plus.api import booking
from medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token import issue_token
from medic_plus.onboarding import plans
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.http import request


@contextmanager
def plan_row(plan: str, **values):
	"""Plan ``plan`` as ``values`` set it, committed (requests on other threads read it),
	and as it was afterwards."""
	frappe.set_user("Administrator")
	settings = frappe.get_single("Medic Plus Settings")
	row = next(r for r in settings.plans if r.plan == plan)
	before = {k: row.get(k) for k in values}
	# a plan that loses online booking closes its practices' booking pages: reopen them after
	booking_open = frappe.get_all("Practice", {"allow_online_booking": 1}, pluck="name")
	row.update(values)
	settings.save()
	frappe.db.commit()  # nosemgrep: the server threads read it
	try:
		yield
	finally:
		frappe.set_user("Administrator")
		frappe.db.rollback()
		settings = frappe.get_single("Medic Plus Settings")
		next(r for r in settings.plans if r.plan == plan).update(before)
		settings.save()
		for practice in booking_open:
			doc = frappe.get_doc("Practice", practice)
			if not doc.allow_online_booking:
				doc.allow_online_booking = 1
				doc.save()
		frappe.db.commit()  # nosemgrep


class TestPlans(TenancyFixtureTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		self.a, self.b = self.fx.a.practice, self.fx.b.practice
		self.before = {
			p: frappe.db.get_value("Practice", p, ["subscription_plan", "allow_online_booking"], as_dict=True)
			for p in (self.a, self.b)
		}
		frappe.db.set_value("Practice", self.a, "subscription_plan", "Basic")
		frappe.db.set_value("Practice", self.b, "subscription_plan", "Professional")
		frappe.db.commit()  # nosemgrep

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		for practice, values in self.before.items():
			frappe.db.set_value("Practice", practice, values)
		frappe.db.delete("FHIR Access Token", {"label": ("like", "PLAN %")})
		frappe.db.commit()  # nosemgrep
		super().tearDown()

	def test_every_plan_has_its_row_and_a_lost_row_comes_back(self):
		settings = frappe.get_single("Medic Plus Settings")
		self.assertEqual(sorted(r.plan for r in settings.plans), ["Basic", "Enterprise", "Professional"])
		settings.plans = [r for r in settings.plans if r.plan != "Enterprise"]
		settings.save()
		self.assertIn("Enterprise", [r.plan for r in frappe.get_single("Medic Plus Settings").plans])
		settings = frappe.get_single("Medic Plus Settings")
		settings.append("plans", {"plan": "Basic"})
		with self.assertRaises(frappe.ValidationError):
			settings.save()
		frappe.db.rollback()

	def test_online_booking_only_on_a_plan_that_includes_it(self):
		frappe.db.set_value("Practice", self.a, "allow_online_booking", 1)
		frappe.db.commit()  # nosemgrep
		with plan_row("Basic", online_booking=0):
			# the plan lost it: the practice's booking page closed with it
			self.assertEqual(frappe.db.get_value("Practice", self.a, "allow_online_booking"), 0)
			self.assertEqual(frappe.db.get_value("Practice", self.b, "allow_online_booking"), 1)
			frappe.set_user("Guest")
			with self.assertRaises(frappe.ValidationError):
				booking.get_practice_practitioners(frappe.db.get_value("Practice", self.a, "slug"))
			booking.get_practice_practitioners(frappe.db.get_value("Practice", self.b, "slug"))  # open

			# switching it on again names the plan, in Desk and over HTTP
			frappe.set_user("Administrator")
			doc = frappe.get_doc("Practice", self.a)
			doc.allow_online_booking = 1
			with self.assertRaises(plans.PlanLimitError) as caught:
				doc.save()
			self.assertIn("Basic", str(caught.exception))
			self.assertEqual(plans.PlanLimitError.http_status_code, 403)

			# on a plan with online booking it may
			frappe.db.rollback()
			doc = frappe.get_doc("Practice", self.a)
			doc.subscription_plan = "Professional"
			doc.allow_online_booking = 1
			doc.save()
			self.assertEqual(frappe.db.get_value("Practice", self.a, "allow_online_booking"), 1)

			# and moving back to the plan without it switches it off
			doc.reload()
			doc.subscription_plan = "Basic"
			doc.save()
			self.assertEqual(frappe.db.get_value("Practice", self.a, "allow_online_booking"), 0)
			frappe.db.rollback()

	def test_the_fhir_api_only_on_a_plan_that_includes_it(self):
		frappe.set_user(self.fx.a.admin)
		token_a = issue_token(self.a, "PLAN a")["token"]
		frappe.set_user(self.fx.b.admin)
		token_b = issue_token(self.b, "PLAN b")["token"]
		frappe.db.commit()  # nosemgrep
		with plan_row("Basic", fhir=0):
			response = request("GET", "/fhir/R4/Patient", {"Authorization": f"Bearer {token_a}"})
			self.assertEqual(response.status_code, 403)
			outcome = json.loads(response.get_data(as_text=True))
			self.assertEqual(outcome["resourceType"], "OperationOutcome")
			self.assertIn("Basic", outcome["issue"][0]["diagnostics"])
			# the other practice, on Professional, is not affected
			response = request("GET", "/fhir/R4/Patient", {"Authorization": f"Bearer {token_b}"})
			self.assertEqual(response.status_code, 200)

			# no new token on that plan; the refusal names it
			frappe.set_user(self.fx.a.admin)
			with self.assertRaises(plans.PlanLimitError) as caught:
				issue_token(self.a, "PLAN refused")
			self.assertIn("Basic", str(caught.exception))
			# another practice's plan is not told: it answers as a practice that does not exist
			with self.assertRaises(frappe.DoesNotExistError):
				issue_token(self.b, "PLAN other")
		# the plan includes it again: the token works
		response = request("GET", "/fhir/R4/Patient", {"Authorization": f"Bearer {token_a}"})
		self.assertEqual(response.status_code, 200)

	def test_the_sign_up_page_shows_each_plan_with_its_price(self):
		with plan_row("Professional", monthly_price=1234, included_visits=100, visit_price=7):
			response = request("GET", "/signup")
			self.assertEqual(response.status_code, 200)
			html = response.get_data(as_text=True)
			# the price as the site formats money ("R 1,234.00", "R 1 234.00", "1.234,00 €"...)
			from medic_plus.demo import default_company

			currency = frappe.db.get_value("Company", default_company(), "default_currency")
			self.assertIn(frappe.utils.fmt_money(1234, currency=currency), html)
			self.assertIn("Up to 10 practitioners", html)
			self.assertIn("100 visits a month included", html)
		# a plan that costs nothing reads "Free", not a price of nothing
		with plan_row("Basic", monthly_price=0, visit_price=0):
			html = request("GET", "/signup").get_data(as_text=True)
			basic = html[html.index('value="Basic"') :][:600]
			self.assertIn("Free", basic)
			self.assertNotIn(frappe.utils.fmt_money(0, currency=currency), basic)


class TestCheckout(TenancyFixtureTestCase):
	"""The payments app's checkout is open only for the gateway the platform set up, and
	only to pay a Payment Request; every other gateway's answers like an unknown method."""

	STRIPE = "/api/method/payments.templates.pages.stripe_checkout.make_payment"
	RAZORPAY = "/api/method/payments.templates.pages.razorpay_checkout.make_payment"

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.db.set_single_value("Medic Plus Settings", "payment_gateway_account", None)
		frappe.clear_document_cache("Medic Plus Settings", "Medic Plus Settings")
		frappe.db.commit()  # nosemgrep
		super().tearDown()

	def post(self, path: str, reference_doctype: str = "Payment Request", in_data: str | None = None):
		data = {"reference_doctype": in_data, "reference_docname": "ACC-PRQ-0001"} if in_data else {}
		return request(
			"POST",
			path,
			data={
				"stripe_token_id": "tok_x",
				"razorpay_payment_id": "pay_x",
				"token": "x",
				"options": "{}",
				"data": json.dumps(data),
				"reference_doctype": reference_doctype,
				"reference_docname": "ACC-PRQ-0001",
			},
		)

	def unknown(self, response) -> bool:
		return response.status_code == 404 and "not found" in response.get_data(as_text=True)

	def test_closed_without_a_gateway_and_open_only_for_the_one_set_up(self):
		from medic_plus.tests.test_provisioning import payment_gateway

		self.assertTrue(self.unknown(self.post(self.STRIPE)))
		settings = frappe.get_single("Medic Plus Settings")
		settings.payment_gateway_account = payment_gateway("Stripe")
		settings.save()
		frappe.db.commit()  # nosemgrep
		# open for a Payment Request (Stripe itself then refuses: it is not configured)
		response = self.post(self.STRIPE)
		self.assertNotIn("Method payments", response.get_data(as_text=True))
		# never for another record, named in the form or in the payment data
		self.assertTrue(self.unknown(self.post(self.STRIPE, reference_doctype="Patient")))
		self.assertTrue(self.unknown(self.post(self.STRIPE, reference_doctype="Patient Appointment")))
		self.assertTrue(self.unknown(self.post(self.STRIPE, in_data="Patient")))
		# another gateway's checkout stays closed
		self.assertTrue(self.unknown(self.post(self.RAZORPAY)))
