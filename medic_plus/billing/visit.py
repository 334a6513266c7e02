"""Billing a visit: submitting an encounter (or checking out an appointment that has none)
makes its draft Sales Invoice in the practice's own books.

- **Lines.** The consultation by the visit's appointment type, each procedure done and
  each medicine dispensed, by the Tariff Code their template or medication names; each
  line carries the visit's ICD-10 codes (the primary first) and its date of service.
- **Who pays.** A patient with no medical aid on the visit's day is billed at the
  practice's private rates (``<abbr> Private``). A scheme patient's invoice goes to the
  scheme's Customer in the practice's books at the practice's rates for that scheme
  (``<abbr> <scheme code>``, else the private ones); what the practice charges above
  them is split off as the patient's portion, on an invoice of its own
  (``core.claims.split``).
- **Once.** An amended encounter takes over the live invoice of the one it amends
  instead of making another; a cancelled encounter cancels (or deletes, if still a
  draft) its invoices while nothing was sent or paid on them.

The code runs past the tenant wall (``system_scope``): it bills the encounter's own
practice, in its own books, and reads nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt, getdate, today

from medic_plus.billing.books import vat_template
from medic_plus.core import claims
from medic_plus.core.codes import normalise_code
from medic_plus.medic_plus.doctype.patient_medical_aid.patient_medical_aid import current
from medic_plus.tenancy.context import system_scope

PATIENT, MEDICAL_AID, PORTION = "Patient", "Medical Aid", "Patient Portion"


class MissingDiagnosisError(frappe.ValidationError):
	http_status_code = 417


class BillingError(frappe.ValidationError):
	http_status_code = 417


@dataclass
class Service:
	tariff_code: str
	quantity: float = 1
	reference: tuple[str, str] | None = None


@dataclass
class Visit:
	practice: str
	company: str
	patient: str
	practitioner: str | None
	service_date: str
	encounter: str | None = None
	appointment: str | None = None
	icd10: tuple[str, ...] = ()
	services: list[Service] = field(default_factory=list)


# --- hooks ------------------------------------------------------------------------------


def check_diagnosis(doc, method: str | None = None) -> None:
	"""Patient Encounter before_submit: a visit that is billed names its primary ICD-10
	diagnosis (the invoice and the claim carry it)."""
	if not doc.get("custom_practice") or not services_of_encounter(doc):
		return
	if not diagnoses(doc):
		frappe.throw(
			_(
				"Add the visit's primary ICD-10 diagnosis under Assessment before submitting: its bill needs it."
			),
			MissingDiagnosisError,
			title=_("Diagnosis missing"),
		)


def bill_encounter(doc, method: str | None = None) -> None:
	"""Patient Encounter on_submit."""
	if not doc.get("custom_practice"):
		return
	with system_scope():
		visit = visit_of_encounter(doc)
		if not visit:
			return
		chain = amended_chain(doc)
		live = frappe.get_all(
			"Sales Invoice",
			filters={"custom_patient_encounter": ("in", chain), "docstatus": ("<", 2)},
			pluck="name",
		)
		if live:
			# amended: the bill of the encounter it replaces is this one's
			for invoice in live:
				frappe.db.set_value("Sales Invoice", invoice, "custom_patient_encounter", doc.name)
			doc.db_set("custom_sales_invoice", live[0], update_modified=False)
			return
		invoices = bill(visit)
		if invoices:
			doc.db_set("custom_sales_invoice", invoices[0], update_modified=False)


def unbill_encounter(doc, method: str | None = None) -> None:
	"""Patient Encounter on_cancel: its invoices go too, unless sent or paid (they then
	wait for the amended encounter, which takes them over)."""
	if not doc.get("custom_practice"):
		return
	with system_scope():
		for invoice in frappe.get_all(
			"Sales Invoice",
			filters={"custom_patient_encounter": doc.name, "docstatus": ("<", 2)},
			pluck="name",
		):
			withdraw(invoice)
	# an invoice that stays (sent or paid) names the encounter until its amendment takes it over
	doc.ignore_linked_doctypes = (*(getattr(doc, "ignore_linked_doctypes", None) or ()), "Sales Invoice")


def credit_note(doc, method: str | None = None) -> None:
	"""Sales Invoice before_validate: a credit note (ERPNext's return) bills no visit. It
	keeps ERPNext's own link to the invoice it credits, not the visit's links, its claim
	or Healthcare's line references (Healthcare would take it for the visit billed
	twice)."""
	if not doc.get("is_return"):
		return
	doc.custom_patient_encounter = doc.custom_patient_appointment = doc.custom_claim = None
	for row in doc.items:
		row.reference_dt = row.reference_dn = None


def bill_checkout(doc, method: str | None = None) -> None:
	"""Patient Appointment on_update: an appointment checked out with no submitted
	encounter bills its consultation."""
	if not doc.get("custom_practice") or doc.status != "Checked Out" or not doc.has_value_changed("status"):
		return
	if frappe.db.exists("Patient Encounter", {"appointment": doc.name, "docstatus": ("<", 2)}):
		return  # the encounter bills the visit
	if frappe.db.exists("Sales Invoice", {"custom_patient_appointment": doc.name, "docstatus": ("<", 2)}):
		return
	with system_scope():
		if visit := visit_of_appointment(doc):
			bill(visit)


# --- what a visit is ----------------------------------------------------------------------


def diagnoses(encounter) -> tuple[str, ...]:
	"""The encounter's ICD-10 codes, the primary (first) one first, each once."""
	codes = [normalise_code(row.code or "") for row in encounter.get("custom_diagnoses") or []]
	return claims.normalise_codes(c for c in codes if c)


def appointment_type_of(encounter) -> str | None:
	"""The encounter's appointment type: its own, its appointment's, or (Healthcare does not
	copy it to an amendment) that of the encounter it amends."""
	if encounter.get("appointment_type"):
		return encounter.appointment_type
	if encounter.get("appointment"):
		return frappe.db.get_value("Patient Appointment", encounter.appointment, "appointment_type")
	name = encounter.get("amended_from")
	while name:
		kind, name = frappe.db.get_value("Patient Encounter", name, ["appointment_type", "amended_from"])
		if kind:
			return kind
	return None


def services_of_encounter(encounter) -> list[Service]:
	out: list[Service] = []
	if code := consultation_code(appointment_type_of(encounter)):
		out.append(Service(code, 1, ("Patient Encounter", encounter.name)))
	for row in encounter.get("procedure_prescription") or []:
		if row.procedure and (
			code := frappe.db.get_value("Clinical Procedure Template", row.procedure, "custom_tariff_code")
		):
			out.append(Service(code, 1, ("Patient Encounter", encounter.name)))
	for row in encounter.get("drug_prescription") or []:
		if row.get("medication") and (
			code := frappe.db.get_value("Medication", row.medication, "custom_tariff_code")
		):
			out.append(Service(code, 1, ("Patient Encounter", encounter.name)))
	return [s for s in out if frappe.db.get_value("Tariff Code", s.tariff_code, "enabled")]


def consultation_code(appointment_type: str | None) -> str | None:
	return appointment_type and frappe.db.get_value(
		"Appointment Type", appointment_type, "custom_tariff_code"
	)


def visit_of_encounter(encounter) -> Visit | None:
	services = services_of_encounter(encounter)
	if not services:
		return None
	practice = encounter.custom_practice
	return Visit(
		practice=practice,
		company=company_of(practice),
		patient=encounter.patient,
		practitioner=encounter.practitioner,
		service_date=str(encounter.encounter_date or today()),
		encounter=encounter.name,
		appointment=encounter.get("appointment"),
		icd10=diagnoses(encounter),
		services=services,
	)


def visit_of_appointment(appointment) -> Visit | None:
	code = consultation_code(appointment.appointment_type)
	if not code or not frappe.db.get_value("Tariff Code", code, "enabled"):
		return None
	return Visit(
		practice=appointment.custom_practice,
		company=company_of(appointment.custom_practice),
		patient=appointment.patient,
		practitioner=appointment.practitioner,
		service_date=str(appointment.appointment_date),
		appointment=appointment.name,
		services=[Service(code, 1, ("Patient Appointment", appointment.name))],
	)


def company_of(practice: str) -> str:
	company = frappe.db.get_value("Practice", practice, "company")
	if not company:
		frappe.throw(_("{0} has no books (Company) to bill in.").format(practice), BillingError)
	return company


def amended_chain(doc) -> list[str]:
	"""The encounter and those it amends, newest first."""
	chain, name = [doc.name], doc.get("amended_from")
	while name and name not in chain:
		chain.append(name)
		name = frappe.db.get_value(doc.doctype, name, "amended_from")
	return chain


# --- the books: customers and prices -----------------------------------------------------


def abbr_of(company: str) -> str:
	return frappe.get_cached_value("Company", company, "abbr")


def patient_customer(patient: str, company: str) -> str:
	"""The patient's Customer in ``company``'s books (the one Healthcare made for the
	patient, else a new one named after the patient's record)."""
	existing = frappe.db.get_value("Patient", patient, "customer")
	if existing:
		own = frappe.db.get_value("Customer", existing, "custom_company")
		if not own:
			frappe.db.set_value("Customer", existing, "custom_company", company, update_modified=False)
			return existing
		if own == company:
			return existing
	found = frappe.db.get_value("Customer", {"custom_company": company, "name": patient})
	if found:
		return found
	previous = frappe.flags.medic_plus_patient_record
	frappe.flags.medic_plus_patient_record = patient  # named after the patient's record
	try:
		name = _new_customer(
			frappe.db.get_value("Patient", patient, "patient_name"), "Individual", "Individual", company
		)
	finally:
		frappe.flags.medic_plus_patient_record = previous
	if not existing:
		frappe.db.set_value("Patient", patient, "customer", name, update_modified=False)
	return name


def scheme_customer(scheme: str, company: str) -> str:
	"""The medical aid scheme's Customer in ``company``'s books."""
	found = frappe.db.get_value(
		"Customer", {"custom_company": company, "custom_medical_aid_scheme": scheme}, "name"
	)
	if found:
		return found
	scheme_name = frappe.db.get_value("Medical Aid Scheme", scheme, "scheme_name") or scheme
	return _new_customer(
		f"{scheme_name} ({abbr_of(company)})",
		"Company",
		"Commercial",
		company,
		custom_medical_aid_scheme=scheme,
	)


def _new_customer(customer_name: str, customer_type: str, group: str, company: str, **values) -> str:
	"""A Customer in ``company``'s books, in the ``group`` (else a leaf group) and the
	territory of the company's country (else a leaf territory)."""
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": customer_name,
			"customer_type": customer_type,
			"customer_group": _leaf("Customer Group", group),
			"territory": _leaf("Territory", frappe.db.get_value("Company", company, "country")),
			"custom_company": company,
			**values,
		}
	)
	customer.flags.ignore_permissions = True
	return customer.insert(ignore_mandatory=True).name


def _leaf(doctype: str, preferred: str | None) -> str | None:
	if preferred and frappe.db.exists(doctype, {"name": preferred, "is_group": 0}):
		return preferred
	return frappe.db.get_value(doctype, {"is_group": 0}, "name", order_by="lft")


def stamp_price_list(doc, method: str | None = None) -> None:
	"""Price List before_insert: a list a practice user makes is in their practice's books."""
	from medic_plus.tenancy import context

	if doc.get("custom_company") or not context.keeps_books_walled():
		return
	practice = context.get_active_practice()
	doc.custom_company = practice and frappe.db.get_value("Practice", practice, "company")


def stamp_item_price(doc, method: str | None = None) -> None:
	"""Item Price validate: a price is in the books of its price list."""
	doc.custom_company = (
		frappe.db.get_value("Price List", doc.price_list, "custom_company") if doc.price_list else None
	)


def price_list(company: str, scheme: str | None = None) -> str:
	"""The practice's selling price list: its private rates, or its rates for ``scheme``."""
	code = scheme and (frappe.db.get_value("Medical Aid Scheme", scheme, "scheme_code") or scheme)
	name = f"{abbr_of(company)} {code}" if code else f"{abbr_of(company)} Private"
	if not frappe.db.exists("Price List", name):
		doc = frappe.get_doc(
			{
				"doctype": "Price List",
				"price_list_name": name,
				"selling": 1,
				"enabled": 1,
				"currency": frappe.get_cached_value("Company", company, "default_currency"),
				"custom_company": company,
			}
		)
		doc.flags.ignore_permissions = True
		doc.insert()
	return name


def rate_of(item: str, price_list_name: str) -> Decimal | None:
	value = frappe.db.get_value(
		"Item Price", {"item_code": item, "price_list": price_list_name, "selling": 1}, "price_list_rate"
	)
	return None if value is None else claims.money(value)


def set_price(company: str, tariff_code: str, rate, scheme: str | None = None) -> None:
	"""Set the practice's rate for a tariff code (private, or for ``scheme``)."""
	item = frappe.db.get_value("Tariff Code", tariff_code, "item")
	name = price_list(company, scheme)
	existing = frappe.db.get_value("Item Price", {"item_code": item, "price_list": name})
	if existing:
		frappe.db.set_value("Item Price", existing, "price_list_rate", flt(rate))
		return
	doc = frappe.get_doc(
		{"doctype": "Item Price", "item_code": item, "price_list": name, "price_list_rate": flt(rate)}
	)
	doc.flags.ignore_permissions = True
	doc.insert()


# --- the invoice ---------------------------------------------------------------------------


def bill(visit: Visit) -> list[str]:
	"""The visit's draft invoice(s): one to the patient, or one to the scheme and, where
	the practice charges more than the scheme's rate, one for the patient's portion."""
	aid = current(visit.patient, getdate(visit.service_date))
	private = price_list(visit.company)
	lines, unpriced = [], []
	for service in visit.services:
		item = frappe.db.get_value("Tariff Code", service.tariff_code, "item")
		rate = rate_of(item, private)
		if rate is None:
			unpriced.append(service.tariff_code)
		lines.append((service, item, rate or Decimal(0)))
	if unpriced:
		frappe.msgprint(
			_("No private rate is set for {0} in {1}: the draft invoice bills it at 0.").format(
				", ".join(unpriced), private
			),
			alert=True,
		)
	if not aid:
		return [_invoice(visit, PATIENT, patient_customer(visit.patient, visit.company), private, lines)]
	scheme_list = price_list(visit.company, aid.scheme)
	scheme_lines, portion_lines = [], []
	# the option's co-payment per visit is the patient's, off the consultation (the first line)
	copayment = copayment_of(aid.scheme, aid.option)
	for n, (service, item, rate) in enumerate(lines):
		portion = claims.split(rate, rate_of(item, scheme_list), copayment if n == 0 else 0)
		scheme_lines.append((service, item, portion.scheme))
		if portion.patient > 0:
			portion_lines.append((service, item, portion.patient))
	made = [
		_invoice(
			visit,
			MEDICAL_AID,
			scheme_customer(aid.scheme, visit.company),
			scheme_list,
			scheme_lines,
			aid.name,
		)
	]
	if portion_lines:
		made.append(
			_invoice(
				visit,
				PORTION,
				patient_customer(visit.patient, visit.company),
				private,
				portion_lines,
				aid.name,
			)
		)
	return made


def copayment_of(scheme: str, option: str | None) -> Decimal:
	"""What a visit costs the patient under the scheme's option, whatever the scheme pays."""
	if not option:
		return Decimal(0)
	value = frappe.db.get_value(
		"Medical Aid Scheme Option", {"parent": scheme, "option_name": option}, "copayment"
	)
	return claims.money(value)


def _invoice(visit: Visit, bill_to: str, customer: str, price_list_name: str, lines, aid=None) -> str:
	si = frappe.new_doc("Sales Invoice")
	si.update(
		{
			"company": visit.company,
			"customer": customer,
			"patient": visit.patient,
			"ref_practitioner": visit.practitioner,
			"posting_date": today(),
			"selling_price_list": price_list_name,
			"ignore_pricing_rule": 1,
			"custom_patient_encounter": visit.encounter,
			"custom_patient_appointment": visit.appointment,
			"custom_medical_aid": aid,
			"custom_bill_to": bill_to,
		}
	)
	codes = ", ".join(visit.icd10)
	for service, item, rate in lines:
		# the visit's own invoice marks it invoiced in Healthcare; a portion split off does not
		reference_dt, reference_dn = (service.reference if bill_to != PORTION else None) or (None, None)
		si.append(
			"items",
			{
				"item_code": item,
				"qty": service.quantity,
				"rate": flt(rate),
				"price_list_rate": flt(rate),
				"custom_tariff_code": service.tariff_code,
				"custom_icd10_codes": codes,
				"custom_service_date": visit.service_date,
				"reference_dt": reference_dt,
				"reference_dn": reference_dn,
			},
		)
	si.set_missing_values()
	# a practice registered for VAT charges it, included in its tariff (billing/books.py)
	si.taxes_and_charges = vat_template(visit.company)
	si.set("taxes", [])
	si.append_taxes_from_master()
	for row, (_service, _item, rate) in zip(si.items, lines, strict=True):
		# what the visit costs is the practice's tariff, whatever a default price says
		row.rate = row.price_list_rate = flt(rate)
		row.discount_percentage = 0
	si.flags.ignore_permissions = True
	si.insert()
	return si.name


def withdraw(invoice: str) -> None:
	"""An invoice of a cancelled visit: a draft is deleted, a submitted one cancelled
	while nothing was sent or paid on it; otherwise it stays, with a comment."""
	si = frappe.get_doc("Sales Invoice", invoice)
	claim = si.get("custom_claim")
	claim_status = claim and frappe.db.get_value("Insurance Claim", claim, "status")
	if si.docstatus == 0:
		# the encounter names its bill: a draft goes, and the name with it
		for table, field in (("Patient Encounter", "custom_sales_invoice"),):
			for name in frappe.get_all(table, filters={field: invoice}, pluck="name"):
				frappe.db.set_value(table, name, field, None, update_modified=False)
		si.flags.ignore_permissions = True
		si.delete()
		return
	paid = flt(si.outstanding_amount) < flt(si.rounded_total or si.grand_total)
	sent = claim_status and claim_status not in (claims.DRAFT, claims.QUEUED, claims.FAILED)
	if paid or sent:
		si.add_comment(
			"Comment",
			_("The visit's encounter was cancelled; this invoice stays because it was already sent or paid."),
		)
		return
	if claim:
		frappe.db.set_value("Insurance Claim", claim, "status", claims.CANCELLED)
	si.flags.ignore_permissions = True
	si.cancel()
