"""A practice gets paid, on a real site: a visit billed in the practice's own books when its
encounter is submitted, for a private patient (paid at the desk) and a scheme patient (the
claim sent through a claims switch on a loopback port, part paid, the shortfall on the
patient's account); a rejected claim corrected and sent again; the switch down, slow and
answering twice; an amended encounter billed once; each refusal with its reason; and the
books of one practice invisible to another's staff."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.utils import add_days, add_to_date, flt, now_datetime, today

from medic_plus import demo
from medic_plus.api import billing as api
from medic_plus.billing import insurance, visit
from medic_plus.core import claims
from medic_plus.medic_plus.doctype.medical_aid_scheme.medical_aid_scheme import ensure_schemes
from medic_plus.tenancy.guard import is_visible
from medic_plus.tests.claims_switch import ClaimsSwitch, Rules
from medic_plus.tests.compat import TenancyFixtureTestCase

SCHEME = "Discovery Health Medical Scheme"
CONSULTATION, SUTURE = "0190", "0308"
URTI = "J06.9"


def ensure_tariff(code: str, description: str, kind: str = "Consultation", **values) -> str:
	if not frappe.db.exists("Tariff Code", code):
		frappe.get_doc(
			{"doctype": "Tariff Code", "code": code, "description": description, "kind": kind, **values}
		).insert()
	return code


def set_up_billing(side, switch_name: str, url: str, timeout: int = 5) -> str:
	"""A fixture practice ready to bill and claim: its practice number, its doctor's
	registration, its private and scheme rates for a consultation, and the scheme's claims
	going to the switch at ``url``; its company."""
	frappe.db.set_value("Practice", side.practice, "practice_number", "1234567")
	frappe.db.set_value(
		"Healthcare Practitioner", side.practitioner, "custom_registration_number", "MP0123456"
	)
	company = frappe.db.get_value("Practice", side.practice, "company")
	visit.set_price(company, CONSULTATION, 500)
	visit.set_price(company, CONSULTATION, 420, scheme=SCHEME)
	if not frappe.db.exists("Switch Configuration", switch_name):
		frappe.get_doc(
			{"doctype": "Switch Configuration", "switch_name": switch_name, "endpoint": "http://x.invalid"}
		).insert()
	frappe.db.set_value(
		"Switch Configuration", switch_name, {"endpoint": url, "enabled": 1, "timeout_seconds": timeout}
	)
	frappe.db.set_value("Medical Aid Scheme", SCHEME, "switch", switch_name)
	return company


def put_on_scheme(patient: str, member_number: str = "123456789"):
	"""The patient's medical aid (the scheme of these tests), in force since a month ago."""
	return frappe.get_doc(
		{
			"doctype": "Patient Medical Aid",
			"patient": patient,
			"scheme": SCHEME,
			"member_number": member_number,
			"dependant_code": "00",
			"principal_member_name": "Thandi Dlamini",
			"valid_from": add_days(today(), -30),
		}
	).insert()


def write_encounter(side, patient: str | None = None, diagnoses=(URTI,), submit: bool = True, **values):
	"""A consultation of a fixture practice's patient (its own, by default), written and
	submitted (unless ``submit`` is false) by the practice's doctor; ``values`` over these."""
	frappe.set_user(side.doctor)
	doc = frappe.get_doc(
		{
			"doctype": "Patient Encounter",
			"patient": patient or side.patient,
			"practitioner": side.practitioner,
			"appointment_type": "Consultation",
			"encounter_date": today(),
			"custom_diagnoses": [{"diagnosis": f"{code}-ICD-10", "code": code} for code in diagnoses],
			**values,
		}
	).insert()
	if submit:
		doc.submit()
	frappe.set_user("Administrator")
	return doc


class BillingTestCase(TenancyFixtureTestCase):
	switch: ClaimsSwitch

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.switch = ClaimsSwitch(Rules(rates={CONSULTATION: Decimal("400")}))
		cls.switch.__enter__()

	@classmethod
	def tearDownClass(cls):
		cls.switch.__exit__(None, None, None)
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		ensure_schemes()
		self.switch.rules = Rules(rates={CONSULTATION: Decimal("400")})
		self.switch.down, self.switch.slow, self.switch.drop_every = False, 0.0, 0
		self.switch.lose_next_answer = False
		# claim numbers come again after each test's rollback: the switch forgets them too,
		# once a slow answer of the last test is over
		self.switch.settle()
		self.switch.answers.clear()
		demo.ensure_appointment_type()
		ensure_tariff(CONSULTATION, "General practitioner consultation")
		ensure_tariff(SUTURE, "Suture of a wound", "Procedure")
		frappe.db.set_value("Appointment Type", "Consultation", "custom_tariff_code", CONSULTATION)
		self.practice = self.fx.a.practice
		self.company = set_up_billing(self.fx.a, "Test Switch", self.switch.url, timeout=2)
		frappe.db.set_value("Patient", self.fx.a.patient, "dob", "1980-01-01")
		frappe.db.delete("Patient Medical Aid", {"patient": self.fx.a.patient})

	# --- helpers ---------------------------------------------------------------------------

	def on_scheme(self, member_number: str = "123456789"):
		return put_on_scheme(self.fx.a.patient, member_number)

	def encounter(self, diagnoses=(URTI,), submit=True, **values):
		return write_encounter(self.fx.a, diagnoses=diagnoses, submit=submit, **values)

	def invoices(self, encounter: str) -> list:
		return frappe.get_all(
			"Sales Invoice",
			filters={"custom_patient_encounter": encounter, "docstatus": ("<", 2)},
			fields=["name", "customer", "company", "grand_total", "custom_bill_to", "docstatus"],
			order_by="custom_bill_to",
		)

	def submit_invoice(self, name: str, user: str | None = None):
		frappe.set_user(user or self.fx.a.recep)
		doc = frappe.get_doc("Sales Invoice", name)
		doc.submit()
		frappe.set_user("Administrator")
		return doc

	def claim_of(self, invoice: str):
		return frappe.get_doc(
			"Insurance Claim", frappe.db.get_value("Sales Invoice", invoice, "custom_claim")
		)


class TestBillingAVisit(BillingTestCase):
	def test_a_private_visit_is_billed_in_the_practices_books_and_paid_at_the_desk(self):
		enc = self.encounter()
		(invoice,) = self.invoices(enc.name)
		self.assertEqual(
			(invoice.company, invoice.custom_bill_to, invoice.docstatus), (self.company, "Patient", 0)
		)
		self.assertEqual(flt(invoice.grand_total), 500)
		self.assertEqual(frappe.db.get_value("Customer", invoice.customer, "custom_company"), self.company)
		line = frappe.get_all(
			"Sales Invoice Item",
			filters={"parent": invoice.name},
			fields=["custom_tariff_code", "custom_icd10_codes", "custom_service_date", "reference_dn"],
		)[0]
		self.assertEqual(
			(
				line.custom_tariff_code,
				line.custom_icd10_codes,
				str(line.custom_service_date),
				line.reference_dn,
			),
			(CONSULTATION, URTI, today(), enc.name),
		)
		self.assertEqual(
			frappe.db.get_value("Patient Encounter", enc.name, "custom_sales_invoice"), invoice.name
		)

		frappe.set_user(self.fx.a.recep)
		entry = api.take_payment(invoice.name, 500, "Cash")
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.db.get_value("Payment Entry", entry, ["docstatus", "company"]), (1, self.company)
		)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "status"), "Paid")

	def test_a_practice_registered_for_vat_charges_it_within_its_prices(self):
		from medic_plus.billing.books import VAT_TEMPLATE, vat_template
		from medic_plus.medic_plus.doctype.practice.practice import PracticeValidationError

		for rate in (0, 100, -5):
			with self.subTest(rate=rate), self.assertRaises(PracticeValidationError) as caught:
				practice = frappe.get_doc("Practice", self.practice)
				practice.update({"vat_number": "4123456789", "vat_rate": rate}).save()
			self.assertIn("A VAT rate is a percentage above 0 and below 100", str(caught.exception))
		practice = frappe.get_doc("Practice", self.practice)
		practice.update({"vat_number": "4123456789", "vat_rate": 15}).save()
		template = vat_template(self.company)
		self.assertEqual(
			frappe.db.get_value(
				"Sales Taxes and Charges Template", template, ["title", "is_default", "company"]
			),
			(VAT_TEMPLATE, 1, self.company),
		)
		self.assertEqual(frappe.db.get_value("Company", self.company, "tax_id"), "4123456789")

		# the visit costs what the tariff says; 15 % of it is VAT: R 500 holds R 65.22
		(invoice,) = self.invoices(self.encounter().name)
		doc = frappe.get_doc("Sales Invoice", invoice.name)
		self.assertEqual(doc.taxes_and_charges, template)
		self.assertEqual((flt(doc.grand_total), flt(doc.total_taxes_and_charges)), (500, 65.22))
		self.assertEqual(flt(doc.net_total), 434.78)
		(tax,) = doc.taxes
		self.assertEqual((tax.included_in_print_rate, flt(tax.rate)), (1, 15))
		self.submit_invoice(invoice.name)
		frappe.set_user(self.fx.a.recep)
		api.take_payment(invoice.name, 500, "Cash")
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "status"), "Paid")
		vat_account = tax.account_head
		self.assertEqual(
			flt(
				frappe.db.get_value(
					"GL Entry", {"voucher_no": invoice.name, "account": vat_account}, "sum(credit)"
				)
			),
			65.22,
		)
		# another practice neither sees the template nor its account
		frappe.set_user(self.fx.b.admin)
		self.assertFalse(is_visible("Sales Taxes and Charges Template", template))
		self.assertFalse(is_visible("Account", vat_account))

		# no longer registered: the next visit carries no VAT, the template is off
		frappe.set_user("Administrator")
		practice.reload()
		practice.update({"vat_number": None}).save()
		self.assertIsNone(vat_template(self.company))
		self.assertIsNone(frappe.db.get_value("Company", self.company, "tax_id"))
		(later,) = self.invoices(self.encounter().name)
		self.assertFalse(frappe.get_doc("Sales Invoice", later.name).taxes)
		self.assertEqual(flt(later.grand_total), 500)

	def test_a_credit_note_bills_no_visit_and_claims_nothing(self):
		"""ERPNext's credit note of a visit's invoice: submitted by the front desk (Healthcare
		does not take it for the visit billed twice), with no claim of its own and no link to
		the visit but ERPNext's to the invoice it credits."""
		from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

		self.on_scheme()
		enc = self.encounter()
		scheme = next(i for i in self.invoices(enc.name) if i.custom_bill_to == visit.MEDICAL_AID)
		self.submit_invoice(scheme.name)
		claims_before = frappe.db.count("Insurance Claim")
		frappe.set_user(self.fx.a.recep)
		note = make_sales_return(scheme.name)
		note.insert()
		note.submit()
		frappe.set_user("Administrator")
		self.assertEqual((note.is_return, note.return_against), (1, scheme.name))
		self.assertEqual(frappe.db.count("Insurance Claim"), claims_before)
		self.assertFalse(
			note.custom_claim or note.custom_patient_encounter or note.custom_patient_appointment
		)
		self.assertFalse([row.reference_dn for row in note.items if row.reference_dn])
		self.assertEqual(frappe.db.get_value("Patient Encounter", enc.name, "invoiced"), 1)
		self.assertEqual([i.name for i in self.invoices(enc.name) if i.name == note.name], [])

	def test_the_desk_cannot_take_more_than_is_owed(self):
		(invoice,) = self.invoices(self.encounter().name)
		frappe.set_user(self.fx.a.recep)
		with self.assertRaises(api.PaymentError) as caught:
			api.take_payment(invoice.name, 900, "Cash")
		self.assertIn("still owing", str(caught.exception))

	def test_a_billed_visit_needs_its_primary_diagnosis(self):
		with self.assertRaises(visit.MissingDiagnosisError) as caught:
			self.encounter(diagnoses=())
		self.assertIn("primary ICD-10 diagnosis", str(caught.exception))
		self.assertEqual(caught.exception.http_status_code, 417)
		frappe.set_user("Administrator")
		self.assertFalse(
			frappe.db.exists(
				"Sales Invoice",
				{
					"patient": self.fx.a.patient,
					"docstatus": 0,
					"custom_bill_to": "Patient",
					"creation": (">", add_to_date(now_datetime(), minutes=-1)),
				},
			)
		)

	def test_an_amended_encounter_is_billed_once(self):
		enc = self.encounter()
		(first,) = self.invoices(enc.name)
		self.submit_invoice(first.name)
		frappe.set_user(self.fx.a.doctor)
		enc.reload()
		enc.cancel()
		# the invoice was not sent nor paid: it goes with the encounter
		self.assertEqual(frappe.db.get_value("Sales Invoice", first.name, "docstatus"), 2)
		amended = frappe.copy_doc(enc, ignore_no_copy=False)
		amended.docstatus, amended.amended_from = 0, enc.name
		amended.insert()
		amended.submit()
		frappe.set_user("Administrator")
		self.assertEqual(len(self.invoices(amended.name)), 1)

		# once paid, the invoice stays and the next amendment takes it over
		(second,) = self.invoices(amended.name)
		frappe.set_user(self.fx.a.recep)
		api.take_payment(second.name, 100, "Cash")
		frappe.set_user(self.fx.a.doctor)
		amended.reload()
		amended.cancel()
		again = frappe.copy_doc(amended, ignore_no_copy=False)
		again.docstatus, again.amended_from = 0, amended.name
		again.insert()
		again.submit()
		frappe.set_user("Administrator")
		self.assertEqual([i.name for i in self.invoices(again.name)], [second.name])
		self.assertEqual(
			frappe.db.count(
				"Sales Invoice",
				{
					"patient": self.fx.a.patient,
					"docstatus": 1,
					"custom_bill_to": "Patient",
					"name": second.name,
				},
			),
			1,
		)

	def test_an_appointment_checked_out_without_an_encounter_bills_its_consultation(self):
		from medic_plus.tests.test_operations import make_appointment

		name = make_appointment(self.practice, self.fx.a.patient, self.fx.a.practitioner, day=today())
		frappe.set_user(self.fx.a.recep)
		appointment = frappe.get_doc("Patient Appointment", name)
		appointment.status = "Checked Out"
		appointment.save()
		frappe.set_user("Administrator")
		(invoice,) = frappe.get_all(
			"Sales Invoice",
			filters={"custom_patient_appointment": name, "docstatus": 0},
			fields=["name", "company", "grand_total", "custom_bill_to"],
		)
		self.assertEqual(
			(invoice.company, flt(invoice.grand_total), invoice.custom_bill_to),
			(self.company, 500, "Patient"),
		)
		# saved again, it is not billed twice
		frappe.set_user(self.fx.a.recep)
		appointment.reload()
		appointment.notes = "Paid by card."
		appointment.save()
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count("Sales Invoice", {"custom_patient_appointment": name}), 1)

	def test_a_procedure_done_and_a_medicine_dispensed_are_lines_of_the_visit(self):
		drug = demo.ensure_formulary()[0]
		ensure_tariff("7001", "Dispensed antibiotic course", "Medicine", nappi_code="700100001")
		frappe.db.set_value("Medication", drug, "custom_tariff_code", "7001")
		if not frappe.db.exists("Clinical Procedure Template", "ISO Wound Suture"):
			frappe.get_doc(
				{
					"doctype": "Clinical Procedure Template",
					"template": "ISO Wound Suture",
					"item_code": "ISO-WOUND-SUTURE",
					"item_group": frappe.db.get_value("Item Group", {"is_group": 0}),
					"description": "Suture of a wound",
					"is_billable": 0,
				}
			).insert()
		frappe.db.set_value("Clinical Procedure Template", "ISO Wound Suture", "custom_tariff_code", SUTURE)
		visit.set_price(self.company, SUTURE, 350)
		visit.set_price(self.company, "7001", 85)
		frappe.set_user(self.fx.a.doctor)
		encounter = demo.new_encounter(self.fx.a.patient, self.fx.a.practitioner, [drug])
		encounter.update(
			{
				"appointment_type": "Consultation",
				"custom_diagnoses": [{"diagnosis": f"{URTI}-ICD-10", "code": URTI}],
				"procedure_prescription": [{"procedure": "ISO Wound Suture"}],
			}
		)
		encounter.insert()
		for row in encounter.custom_prescription_checks:
			row.override_reason = "Benefit outweighs the risk"
		encounter.submit()
		frappe.set_user("Administrator")
		(invoice,) = self.invoices(encounter.name)
		lines = frappe.get_all(
			"Sales Invoice Item",
			filters={"parent": invoice.name},
			fields=["custom_tariff_code", "rate", "custom_icd10_codes"],
			order_by="idx",
		)
		self.assertEqual(
			[(line.custom_tariff_code, flt(line.rate)) for line in lines],
			[(CONSULTATION, 500), (SUTURE, 350), ("7001", 85)],
		)
		self.assertTrue(all(line.custom_icd10_codes == URTI for line in lines))

	def test_a_visit_with_no_tariff_is_not_billed_and_needs_no_diagnosis(self):
		frappe.db.set_value("Appointment Type", "Consultation", "custom_tariff_code", None)
		enc = self.encounter(diagnoses=())
		self.assertEqual(self.invoices(enc.name), [])


class TestClaims(BillingTestCase):
	def scheme_visit(self):
		self.on_scheme()
		enc = self.encounter()
		invoices = self.invoices(enc.name)
		return enc, invoices

	def test_a_scheme_visit_splits_off_the_patients_portion_and_its_claim_is_part_paid(self):
		_enc, invoices = self.scheme_visit()
		by = {i.custom_bill_to: i for i in invoices}
		self.assertEqual(flt(by["Medical Aid"].grand_total), 420)
		self.assertEqual(flt(by["Patient Portion"].grand_total), 80)
		self.assertEqual(
			frappe.db.get_value("Customer", by["Medical Aid"].customer, "custom_medical_aid_scheme"), SCHEME
		)
		self.switch.rules.pay_at_once = True
		self.submit_invoice(by["Medical Aid"].name)
		claim = self.claim_of(by["Medical Aid"].name)
		self.assertEqual((claim.status, claim.total, claim.practice), (claims.QUEUED, 420, self.practice))
		self.assertIn(claim.name, insurance.due_claims())

		self.assertEqual(insurance.send(claim.name), claims.PARTLY_PAID)
		claim.reload()
		self.assertEqual((flt(claim.scheme_paid), flt(claim.patient_portion)), (400, 20))
		self.assertEqual(claim.lines[0].line_status, "Partly Paid")
		self.assertEqual(claim.lines[0].reason, "paid at the scheme's rate")
		self.assertEqual(len(claim.exchanges), 1)
		self.assertIn('"resourceType": "ClaimResponse"', claim.exchanges[0].response)
		self.assertEqual(frappe.db.get_value("Payment Entry", claim.payment_entry, "paid_amount"), 400)
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", by["Medical Aid"].name, "outstanding_amount"), 0
		)
		# the shortfall is the patient's to pay, beside the portion split off
		patient_customer = by["Patient Portion"].customer
		self.assertEqual(frappe.db.get_value("Journal Entry", claim.shortfall_entry, "total_debit"), 20)
		self.submit_invoice(by["Patient Portion"].name)
		owed = frappe.db.sql(
			"select sum(amount) from `tabPayment Ledger Entry` where party=%s and company=%s and delinked=0",
			(patient_customer, self.company),
		)[0][0]
		self.assertEqual(flt(owed), 100)
		# a second answer with the same payment posts nothing more
		self.assertIsNone(
			insurance._post_remitted(claims.Payment(f"{claim.claim_number}-1", Decimal(400), None, "x"))
			or None
		)
		self.assertEqual(
			frappe.db.count("Payment Entry", {"reference_no": ("like", f"%{claim.claim_number}%")}), 1
		)

	def test_the_options_copayment_is_the_patients_on_top_of_the_rate_difference(self):
		scheme = frappe.get_doc("Medical Aid Scheme", SCHEME)
		scheme.set("options", [{"option_name": "KeyCare Plus", "copayment": 50}])
		scheme.save()
		aid = self.on_scheme()
		aid.db_set("option", "KeyCare Plus")
		invoices = {i.custom_bill_to: i for i in self.invoices(self.encounter().name)}
		# the practice charges 500, the scheme's rate is 420, of which the patient pays 50
		self.assertEqual(flt(invoices["Medical Aid"].grand_total), 370)
		self.assertEqual(flt(invoices["Patient Portion"].grand_total), 130)

	def test_a_remittance_pays_the_claim_once(self):
		_enc, invoices = self.scheme_visit()
		medical_aid = next(i for i in invoices if i.custom_bill_to == "Medical Aid")
		self.submit_invoice(medical_aid.name)
		claim = self.claim_of(medical_aid.name)
		self.assertEqual(insurance.send(claim.name), claims.ACCEPTED)
		key = f"{claim.claim_number}-1"
		payment = claims.read_reconciliation(self.switch.remit([(key, Decimal("400"))], "EFT-REMIT-1"))[0]
		self.assertEqual(insurance._post_remitted(payment), 1)
		self.assertEqual(insurance._post_remitted(payment), 0)
		claim.reload()
		self.assertEqual((claim.status, flt(claim.scheme_paid)), (claims.PARTLY_PAID, 400))
		self.assertEqual(frappe.db.count("Payment Entry", {"reference_no": "EFT-REMIT-1", "docstatus": 1}), 1)

	def test_a_rejected_claim_is_corrected_and_sent_again_as_a_new_version(self):
		self.switch.rules.unknown_members = {"123456789"}
		_enc, invoices = self.scheme_visit()
		medical_aid = next(i for i in invoices if i.custom_bill_to == "Medical Aid")
		self.submit_invoice(medical_aid.name)
		claim = self.claim_of(medical_aid.name)
		self.assertEqual(insurance.send(claim.name), claims.REJECTED)
		self.assertIn("Member not found", frappe.db.get_value("Insurance Claim", claim.name, "reasons"))

		frappe.db.set_value("Patient Medical Aid", claim.medical_aid, "member_number", "987654321")
		frappe.set_user(self.fx.a.recep)
		corrected = api.resubmit_claim(claim.name)
		self.assertEqual(api.send_claim(corrected), claims.QUEUED)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Insurance Claim", claim.name, "status"), claims.SUPERSEDED)
		self.assertEqual(insurance.send(corrected), claims.ACCEPTED)
		new = frappe.get_doc("Insurance Claim", corrected)
		self.assertEqual(
			(new.version, new.claim_number, new.previous_claim), (2, claim.claim_number, claim.name)
		)
		self.assertEqual(frappe.db.get_value("Sales Invoice", medical_aid.name, "custom_claim"), corrected)
		# each version adjudicated once, under its own key
		self.assertEqual(sorted(self.switch.answers), [f"{claim.claim_number}-1", f"{claim.claim_number}-2"])

	def test_a_rejected_claim_given_up_is_the_patients_to_pay(self):
		self.switch.rules.unknown_members = {"123456789"}
		_enc, invoices = self.scheme_visit()
		by = {i.custom_bill_to: i for i in invoices}
		self.submit_invoice(by["Medical Aid"].name)
		claim = self.claim_of(by["Medical Aid"].name)
		self.assertEqual(insurance.send(claim.name), claims.REJECTED)
		frappe.set_user(self.fx.a.recep)
		entry = api.bill_patient_instead(claim.name)
		with self.assertRaises(insurance.ClaimStateError):
			api.bill_patient_instead(claim.name)  # once
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Insurance Claim", claim.name, "status"), claims.CANCELLED)
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", by["Medical Aid"].name, "outstanding_amount"), 0
		)
		self.assertEqual(frappe.db.get_value("Journal Entry", entry, "total_debit"), 420)
		owed = frappe.db.sql(
			"select sum(amount) from `tabPayment Ledger Entry` where party=%s and company=%s and delinked=0",
			(by["Patient Portion"].customer, self.company),
		)[0][0]
		self.assertEqual(flt(owed), 420)  # the portion invoice is still a draft

	def test_the_switch_down_holds_the_claim_and_it_goes_once_when_back(self):
		_enc, invoices = self.scheme_visit()
		medical_aid = next(i for i in invoices if i.custom_bill_to == "Medical Aid")
		self.submit_invoice(medical_aid.name)
		claim = self.claim_of(medical_aid.name)
		before = self.switch.adjudicated
		self.switch.down = True
		self.assertEqual(insurance.send(claim.name), claims.QUEUED)
		claim.reload()
		self.assertEqual(claim.tries, 1)
		self.assertGreater(claim.next_try_at, now_datetime())
		self.assertNotIn(claim.name, insurance.due_claims())
		self.assertIn("down for maintenance", claim.reasons)
		self.switch.down = False
		frappe.db.set_value(
			"Insurance Claim", claim.name, "next_try_at", add_to_date(now_datetime(), seconds=-1)
		)
		self.assertIn(claim.name, insurance.due_claims())
		self.assertEqual(insurance.send(claim.name), claims.ACCEPTED)
		self.assertEqual(self.switch.adjudicated - before, 1)
		self.assertEqual(len(frappe.get_doc("Insurance Claim", claim.name).exchanges), 2)

	def test_a_slow_switch_times_out_and_the_retry_is_not_paid_twice(self):
		self.switch.rules.pay_at_once = True
		_enc, invoices = self.scheme_visit()
		medical_aid = next(i for i in invoices if i.custom_bill_to == "Medical Aid")
		self.submit_invoice(medical_aid.name)
		claim = self.claim_of(medical_aid.name)
		self.switch.slow = 3.0  # the claim's switch waits 2 s
		self.assertEqual(insurance.send(claim.name), claims.QUEUED)
		self.assertIn("no answer within 2 s", frappe.db.get_value("Insurance Claim", claim.name, "reasons"))
		self.switch.slow = 0
		frappe.db.set_value("Insurance Claim", claim.name, "next_try_at", None)
		self.assertEqual(insurance.send(claim.name), claims.PARTLY_PAID)
		key = f"{claim.claim_number}-1"
		self.assertEqual(list(self.switch.answers).count(key), 1)
		self.assertEqual(frappe.db.count("Payment Entry", {"reference_no": f"EFT-{key}", "docstatus": 1}), 1)

	def test_an_answer_lost_on_the_way_is_asked_again_and_paid_once(self):
		self.switch.rules.pay_at_once = True
		_enc, invoices = self.scheme_visit()
		medical_aid = next(i for i in invoices if i.custom_bill_to == "Medical Aid")
		self.submit_invoice(medical_aid.name)
		claim = self.claim_of(medical_aid.name)
		before = self.switch.adjudicated
		self.switch.lose_next_answer = True
		self.assertEqual(insurance.send(claim.name), claims.QUEUED)
		frappe.db.set_value("Insurance Claim", claim.name, "next_try_at", None)
		self.assertEqual(insurance.send(claim.name), claims.PARTLY_PAID)
		self.assertEqual(self.switch.adjudicated - before, 1)
		self.assertEqual(frappe.db.count("Payment Entry", {"reference_no": f"EFT-{claim.claim_number}-1"}), 1)
		# a third send of a claim that is answered sends nothing
		self.assertEqual(insurance.send(claim.name), claims.PARTLY_PAID)

	def test_a_claim_that_cannot_leave_stops_the_invoice_with_each_reason(self):
		frappe.db.set_value("Practice", self.practice, "practice_number", None)
		frappe.db.set_value(
			"Healthcare Practitioner", self.fx.a.practitioner, "custom_registration_number", "12"
		)
		_enc, invoices = self.scheme_visit()
		medical_aid = next(i for i in invoices if i.custom_bill_to == "Medical Aid")
		with self.assertRaises(insurance.ClaimValidationError) as caught:
			self.submit_invoice(medical_aid.name)
		message = str(caught.exception)
		self.assertIn("practice_number: missing", message)
		self.assertIn("provider_registration: not a registration number", message)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Sales Invoice", medical_aid.name, "docstatus"), 0)

	def test_a_claims_state_is_not_changed_by_hand(self):
		_enc, invoices = self.scheme_visit()
		medical_aid = next(i for i in invoices if i.custom_bill_to == "Medical Aid")
		self.submit_invoice(medical_aid.name)
		claim = self.claim_of(medical_aid.name)
		frappe.set_user(self.fx.a.admin)
		claim = frappe.get_doc("Insurance Claim", claim.name)
		claim.status = claims.PAID
		with self.assertRaises(frappe.ValidationError):
			claim.save()


class TestStatementAndMasters(BillingTestCase):
	def test_the_patient_statement_shows_what_was_billed_paid_and_is_owed(self):
		self.on_scheme()
		invoices = {i.custom_bill_to: i for i in self.invoices(self.encounter().name)}
		self.switch.rules.pay_at_once = True
		self.submit_invoice(invoices["Medical Aid"].name)
		self.submit_invoice(invoices["Patient Portion"].name)
		claim = self.claim_of(invoices["Medical Aid"].name)
		insurance.send(claim.name)
		frappe.set_user(self.fx.a.recep)
		html = frappe.get_print("Patient", self.fx.a.patient, print_format="Patient Statement")
		self.assertIn("Statement", html)
		self.assertIn(invoices["Patient Portion"].name, html)
		self.assertIn("Not paid by your medical aid", html)
		self.assertIn(frappe.utils.fmt_money(100, currency="ZAR"), html)

	def test_a_mode_of_payment_shows_its_accounts_in_the_users_own_books_only(self):
		other = frappe.db.get_value("Practice", self.fx.b.practice, "company")
		mode = frappe.get_doc("Mode of Payment", "Cash")
		for company in (self.company, other):
			if not any(row.company == company for row in mode.accounts):
				mode.append(
					"accounts",
					{
						"company": company,
						"default_account": frappe.get_cached_value(
							"Company", company, "default_cash_account"
						),
					},
				)
		mode.save()
		frappe.set_user(self.fx.a.recep)
		companies = {row.company for row in frappe.get_doc("Mode of Payment", "Cash").accounts}
		self.assertIn(self.company, companies)
		self.assertNotIn(other, companies)
		frappe.set_user("Administrator")
		self.assertIn(other, {row.company for row in frappe.get_doc("Mode of Payment", "Cash").accounts})


class TestTheBooksWall(BillingTestCase):
	def test_another_practices_books_answer_as_missing(self):
		(invoice,) = self.invoices(self.encounter().name)
		self.submit_invoice(invoice.name)
		frappe.set_user(self.fx.a.recep)
		entry = api.take_payment(invoice.name, 500, "Cash")
		customer = invoice.customer
		for user in (self.fx.b.admin, self.fx.b.recep, self.fx.b.doctor):
			frappe.set_user(user)
			for doctype, name in (
				("Sales Invoice", invoice.name),
				("Payment Entry", entry),
				("Customer", customer),
			):
				with self.subTest(user=user, doctype=doctype):
					self.assertFalse(is_visible(doctype, name))
					self.assertEqual(frappe.get_list(doctype, filters={"name": name}, pluck="name"), [])
					with self.assertRaises(frappe.DoesNotExistError):
						frappe.get_doc(doctype, name)
			if frappe.has_permission("GL Entry", "read"):
				self.assertEqual(
					frappe.get_list("GL Entry", filters={"voucher_no": invoice.name}, pluck="name"), []
				)
			self.assertEqual(
				frappe.get_list(
					"Sales Invoice Item",
					filters={"parent": invoice.name},
					parent_doctype="Sales Invoice",
					pluck="name",
				),
				[],
			)
		frappe.set_user(self.fx.a.recep)
		self.assertTrue(is_visible("Sales Invoice", invoice.name))
		self.assertTrue(frappe.get_list("GL Entry", filters={"voucher_no": invoice.name}, pluck="name"))

	def test_a_doctor_reads_the_bill_of_the_visit_but_keeps_no_books(self):
		(invoice,) = self.invoices(self.encounter().name)
		frappe.set_user(self.fx.a.doctor)
		self.assertTrue(frappe.has_permission("Sales Invoice", "read", invoice.name))
		self.assertFalse(frappe.has_permission("Sales Invoice", "submit", invoice.name))
		self.assertFalse(frappe.has_permission("GL Entry", "read"))

	def test_accounts_receivable_shows_a_practices_own_debtors_only(self):
		from frappe.desk.query_report import run

		(mine,) = self.invoices(self.encounter().name)
		self.submit_invoice(mine.name)
		frappe.set_user(self.fx.a.recep)
		frappe.local.form_dict = frappe._dict(
			report_name="Accounts Receivable", filters=frappe.as_json({"company": self.company})
		)
		from medic_plus.gate import gate

		gate._report(frappe.local.form_dict)  # the gate lets it through
		result = run(
			"Accounts Receivable",
			{"company": self.company, "report_date": today(), "range": "30, 60, 90, 120"},
		)
		parties = {row.get("party") for row in result["result"] if isinstance(row, dict)}
		self.assertIn(mine.customer, parties)
		other = frappe.db.get_value("Practice", self.fx.b.practice, "company")
		frappe.set_user(self.fx.b.recep)
		with self.assertRaises(frappe.DoesNotExistError):
			gate._report(
				frappe._dict(
					report_name="Accounts Receivable", filters=frappe.as_json({"company": self.company})
				)
			)
		with self.assertRaises(frappe.DoesNotExistError):
			gate._report(
				frappe._dict(
					report_name="General Ledger",
					filters=frappe.as_json(
						{"company": other, "party_type": "Customer", "party": [mine.customer]}
					),
				)
			)


class TestTheBooksOverHTTP(TenancyFixtureTestCase):
	"""Another practice's invoice, payment, journal entry and debtor answer exactly like a
	record that does not exist, on every route a practice user has (the fixture's own
	rows, committed: each request has its own connection)."""

	ROUTES = (
		("GET", "/api/resource/{doctype}/{name}", {}),
		("GET", "/api/v2/document/{doctype}/{name}", {}),
		("POST", "/api/method/frappe.client.get", {"data": {"doctype": "{doctype}", "name": "{name}"}}),
		(
			"GET",
			"/api/method/frappe.desk.form.load.getdoc",
			{"query_string": {"doctype": "{doctype}", "name": "{name}"}},
		),
		(
			"POST",
			"/api/method/frappe.client.get_value",
			{"data": {"doctype": "{doctype}", "filters": '{{"name": "{name}"}}', "fieldname": "name"}},
		),
		("GET", "/printview", {"query_string": {"doctype": "{doctype}", "name": "{name}"}}),
		("DELETE", "/api/resource/{doctype}/{name}", {}),
	)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from medic_plus.tests.fixtures import api_token

		cls.headers = {
			"a_admin": {"Authorization": api_token(cls.fx.a.admin)},
			"a_recep": {"Authorization": api_token(cls.fx.a.recep)},
		}

	def probe(self, who, verb, path, options, doctype, name):
		from medic_plus.tests.http import request

		def fill(value):
			if isinstance(value, dict):
				return {k: fill(v) for k, v in value.items()}
			return value.format(doctype=doctype, name=name) if isinstance(value, str) else value

		return request(verb, fill(path), self.headers[who], **fill(options))

	def test_another_practices_books_answer_as_missing_on_every_route(self):
		from medic_plus.tests.fixtures import BOOK_CODES
		from medic_plus.tests.http import shape

		for doctype in BOOK_CODES:
			other, missing = self.fx.b.records[doctype], f"ISO-B-{BOOK_CODES[doctype]}X"
			for verb, path, options in self.ROUTES:
				with self.subTest(doctype=doctype, route=f"{verb} {path}"):
					theirs = self.probe("a_admin", verb, path, options, doctype, other)
					nothing = self.probe("a_admin", verb, path, options, doctype, missing)
					self.assertEqual(shape(theirs, other), shape(nothing, missing))
					self.assertIn(theirs.status_code, (404, 417, 200) if "get_value" in path else (404,))
			own = self.probe(
				"a_recep", "GET", "/api/resource/{doctype}/{name}", {}, doctype, self.fx.a.records[doctype]
			)
			if doctype in ("Customer", "Sales Invoice", "Payment Entry", "Journal Entry"):
				self.assertEqual(own.status_code, 200, (doctype, own.get_data(as_text=True)[:200]))

	def test_a_list_of_the_books_holds_the_practices_own_rows_only(self):
		from medic_plus.tests.fixtures import BOOK_CODES
		from medic_plus.tests.http import request

		for doctype in BOOK_CODES:
			with self.subTest(doctype=doctype):
				response = request(
					"GET",
					f"/api/resource/{doctype}",
					self.headers["a_admin"],
					query_string={"filters": '[["name", "like", "ISO-%"]]', "limit_page_length": 100},
				)
				names = {row["name"] for row in response.json["data"]}
				self.assertIn(self.fx.a.records[doctype], names)
				self.assertNotIn(self.fx.b.records[doctype], names)

	def test_the_payment_forms_methods_answer_another_practices_books_as_missing(self):
		"""ERPNext's "Create > Payment" and its Payment Entry form: each method, called by A's
		receptionist with one of B's records (or a doctype the method may not name) in one
		argument, answers as that record missing, exactly like a name that does not exist;
		with A's own records it runs."""
		from medic_plus.tests.http import request, shape

		def books(side):
			company = frappe.db.get_value("Practice", side.practice, "company")
			fields = ["name", "default_receivable_account", "cost_center"]
			return frappe.db.get_value("Company", company, fields, as_dict=True)

		a, b = books(self.fx.a), books(self.fx.b)
		taxes = "Sales Taxes and Charges Template"
		b_template = frappe.db.get_value(taxes, {"company": b.name})
		self.assertTrue(b_template, "a South African company has its country's tax template")
		pe = "/api/method/erpnext.accounts.doctype.payment_entry.payment_entry."
		own_customer, their_customer = self.fx.a.records["Customer"], self.fx.b.records["Customer"]
		on = today()
		# (method, arguments with A's own records, the argument swapped, B's record)
		cases = (
			(
				pe + "get_payment_entry",
				{"dt": "Sales Invoice", "dn": self.fx.a.records["Sales Invoice"]},
				"dn",
				self.fx.b.records["Sales Invoice"],
			),
			(pe + "get_payment_entry", {"dt": "Patient", "dn": self.fx.a.patient}, None, None),
			(
				pe + "get_party_details",
				{"company": a.name, "party_type": "Customer", "party": own_customer, "date": on},
				"party",
				their_customer,
			),
			(
				pe + "get_party_details",
				{"company": a.name, "party_type": "Customer", "party": own_customer, "date": on},
				"company",
				b.name,
			),
			(
				pe + "get_party_details",
				{"company": a.name, "party_type": "Supplier", "party": "Any", "date": on},
				None,
				None,
			),
			(
				pe + "get_account_details",
				{"account": a.default_receivable_account, "date": on},
				"account",
				b.default_receivable_account,
			),
			(
				pe + "get_account_details",
				{"account": a.default_receivable_account, "date": on, "cost_center": a.cost_center},
				"cost_center",
				b.cost_center,
			),
			(pe + "get_company_defaults", {"company": a.name}, "company", b.name),
			(
				pe + "get_party_and_account_balance",
				{"company": a.name, "date": on, "paid_from": a.default_receivable_account},
				"paid_from",
				b.default_receivable_account,
			),
			(
				pe + "get_party_and_account_balance",
				{"company": a.name, "date": on, "ptype": "Customer", "pty": own_customer},
				"pty",
				their_customer,
			),
			(
				pe + "get_reference_details",
				{
					"reference_doctype": "Sales Invoice",
					"reference_name": self.fx.a.records["Sales Invoice"],
					"party_account_currency": "ZAR",
				},
				"reference_name",
				self.fx.b.records["Sales Invoice"],
			),
			(
				pe + "get_reference_details",
				{"reference_doctype": "Dunning", "reference_name": "Any", "party_account_currency": "ZAR"},
				None,
				None,
			),
			(
				"/api/method/erpnext.controllers.accounts_controller.get_taxes_and_charges",
				{"master_doctype": taxes, "master_name": b_template},
				None,
				None,
			),
			(
				"/api/method/erpnext.controllers.accounts_controller.get_taxes_and_charges",
				{"master_doctype": "Patient", "master_name": self.fx.a.patient},
				None,
				None,
			),
			(
				"/api/method/erpnext.accounts.doctype.sales_invoice.sales_invoice.get_bank_cash_account",
				{"mode_of_payment": "Cash", "company": b.name},
				None,
				None,
			),
		)
		headers = self.headers["a_recep"]
		for path, own, swapped, theirs in cases:
			args = dict(own, **({swapped: theirs} if swapped else {}))
			with self.subTest(method=path.rsplit(".", 1)[-1], args=args):
				response = request("POST", path, headers, json=args)
				self.assertEqual(response.status_code, 404, response.get_data(as_text=True)[:300])
				if swapped:
					missing = f"{theirs}-MISSING"
					twin = request("POST", path, headers, json=dict(own, **{swapped: missing}))
					self.assertEqual(shape(response, theirs), shape(twin, missing))
					if "get_payment_entry" not in path:  # (the fixture's invoice is a bare row)
						mine = request("POST", path, headers, json=own)
						self.assertEqual(mine.status_code, 200, mine.get_data(as_text=True)[:300])
		# the outstanding invoices of a party, asked inside ``args``
		outstanding = {
			"company": a.name,
			"party_type": "Customer",
			"party_account": a.default_receivable_account,
		}
		for party, status in ((own_customer, 200), (their_customer, 404)):
			response = request(
				"POST",
				pe + "get_outstanding_reference_documents",
				headers,
				json={"args": frappe.as_json({**outstanding, "party": party})},
			)
			self.assertEqual(response.status_code, status, response.get_data(as_text=True)[:300])


class TestPrices(BillingTestCase):
	def test_a_practice_keeps_its_own_prices_and_sees_the_sites_defaults(self):
		other = frappe.db.get_value("Practice", self.fx.b.practice, "company")
		theirs = visit.price_list(other)
		ours = visit.price_list(self.company)
		frappe.set_user(self.fx.a.admin)
		listed = set(frappe.get_list("Price List", pluck="name"))
		self.assertIn(ours, listed)
		self.assertNotIn(theirs, listed)
		self.assertIn("Standard Selling", listed)  # the site's own: Healthcare's forms default to it
		made = frappe.get_doc(
			{
				"doctype": "Price List",
				"price_list_name": f"ISOA Bonitas {frappe.generate_hash(length=4)}",
				"selling": 1,
				"currency": "ZAR",
			}
		).insert()
		self.assertEqual(made.custom_company, self.company)
		price = frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": f"TARIFF-{CONSULTATION}",
				"price_list": made.name,
				"price_list_rate": 480,
			}
		).insert()
		self.assertEqual(price.custom_company, self.company)
		with self.assertRaises(frappe.DoesNotExistError):
			frappe.get_doc("Price List", theirs)
		frappe.set_user(self.fx.a.doctor)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(
				{
					"doctype": "Item Price",
					"item_code": f"TARIFF-{CONSULTATION}",
					"price_list": ours,
					"price_list_rate": 1,
				}
			).insert()

	def test_the_invoice_forms_methods_hold_to_the_users_own_books(self):
		from medic_plus.gate import gate

		other = frappe.db.get_value("Practice", self.fx.b.practice, "company")
		theirs = visit.price_list(other)
		frappe.set_user(self.fx.a.recep)
		for form in (
			{"args": frappe.as_json({"price_list": theirs, "company": self.company})},
			{"args": frappe.as_json({"price_list": visit.price_list(self.company), "company": other})},
			{"company": other, "master_doctype": "Sales Taxes and Charges Template"},
		):
			with self.subTest(form=form), self.assertRaises(frappe.DoesNotExistError):
				gate.check_record_arguments(frappe._dict(form))
		with self.assertRaises(frappe.DoesNotExistError):
			gate._company_named(frappe._dict(name=other))
		with self.assertRaises(frappe.DoesNotExistError):
			gate.DISPATCHERS[
				"erpnext.accounts.doctype.unreconcile_payment.unreconcile_payment.doc_has_references"
			](frappe._dict(doctype="Purchase Invoice", docname="ACC-PINV-0001"))
