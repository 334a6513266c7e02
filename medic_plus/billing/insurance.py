"""Claims to medical aids: built from a scheme's invoice, checked before they leave, sent
from a background queue through the scheme's switch, and paid into the practice's books.

- **Built and checked.** Submitting an invoice billed to a medical aid makes its Insurance
  Claim and queues it; a claim that could not leave (``core.claims.problems``: every
  identifier, code and date) stops the submit and names each reason.
- **Sent once.** ``send_due`` (every minute, one worker at a time) sends each queued claim
  whose time has come, with its number and version as the switch's idempotency key. A
  switch that is down, slow or busy leaves the claim queued and tried again later
  (1, 2, 4 ... minutes, at most an hour); after ``MAX_TRIES`` it waits for a person
  (Failed). Every exchange, request and answer, is kept on the claim.
- **Answered.** The switch's ``ClaimResponse`` says per line what the scheme pays, or why
  not. A rejected claim is corrected and resubmitted as a new version (``resubmit``).
- **Paid.** A remittance (a ``ClaimResponse`` with its payment, or a
  ``PaymentReconciliation`` fetched by ``fetch_remittances``) makes one Payment Entry
  against the scheme's invoice, never two for the same claim; the shortfall moves to the
  patient's account by a Journal Entry.
"""

from __future__ import annotations

import json
from datetime import date

import frappe
from frappe import _
from frappe.utils import add_to_date, flt, getdate, now_datetime, today

from medic_plus.billing import switch_client
from medic_plus.billing.visit import MEDICAL_AID, patient_customer
from medic_plus.core import claims
from medic_plus.core.codes import ICD10
from medic_plus.locks import one_at_a_time
from medic_plus.tenancy.context import system_scope

CLAIM = "Insurance Claim"


class ClaimValidationError(frappe.ValidationError):
	http_status_code = 417


class ClaimStateError(frappe.ValidationError):
	http_status_code = 409


# --- built from the invoice -------------------------------------------------------------


def check_invoice(doc, method: str | None = None) -> None:
	"""Sales Invoice before_submit: an invoice to a medical aid is submitted only with a
	claim that can leave (every reason named when it cannot). A credit note claims
	nothing."""
	if doc.get("custom_bill_to") != MEDICAL_AID or doc.get("custom_claim") or doc.get("is_return"):
		return
	with system_scope():
		check(make_claim(doc, insert=False))


def on_invoice_submit(doc, method: str | None = None) -> None:
	"""Sales Invoice on_submit: an invoice to a medical aid makes its claim and queues it."""
	if doc.get("custom_bill_to") != MEDICAL_AID or doc.get("custom_claim") or doc.get("is_return"):
		return
	with system_scope():
		claim = make_claim(doc)
		queue(claim)
		doc.db_set("custom_claim", claim.name, update_modified=False)


def on_invoice_cancel(doc, method: str | None = None) -> None:
	"""Sales Invoice before_cancel: its claim goes too, unless the switch has it."""
	if not doc.get("custom_claim"):
		return
	status = frappe.db.get_value(CLAIM, doc.custom_claim, "status")
	if status in (claims.DRAFT, claims.QUEUED, claims.FAILED, claims.REJECTED):
		frappe.db.set_value(CLAIM, doc.custom_claim, "status", claims.CANCELLED)
	elif status not in (claims.CANCELLED, claims.SUPERSEDED):
		frappe.throw(
			_("Claim {0} is with the medical aid ({1}): the invoice stays until it is answered.").format(
				doc.custom_claim, _(status)
			),
			ClaimStateError,
		)


def release_visit(doc, method: str | None = None) -> None:
	"""Sales Invoice on_cancel (after ERPNext's own): the submitted encounter that names its
	bill does not hold the invoice back (the encounter keeps the link, to a cancelled bill)."""
	if doc.get("custom_patient_encounter") or doc.get("custom_patient_appointment"):
		doc.ignore_linked_doctypes = (
			*(getattr(doc, "ignore_linked_doctypes", None) or ()),
			"Patient Encounter",
			"Patient Appointment",
		)


def make_claim(invoice, previous: str | None = None, insert: bool = True):
	"""A draft claim of ``invoice`` (a Sales Invoice billed to a medical aid); with
	``insert`` False, only built."""
	encounter = invoice.get("custom_patient_encounter")
	practice = frappe.db.get_value("Patient", invoice.patient, "custom_practice")
	claim = frappe.new_doc(CLAIM)
	claim.update(
		{
			"patient": invoice.patient,
			"practice": practice,
			"company": invoice.company,
			"sales_invoice": invoice.name,
			"patient_encounter": encounter,
			"practitioner": invoice.get("ref_practitioner"),
			"medical_aid": invoice.get("custom_medical_aid"),
			"service_date": min(
				(row.custom_service_date for row in invoice.items if row.get("custom_service_date")),
				default=invoice.posting_date,
			),
			"currency": invoice.currency,
			"previous_claim": previous,
		}
	)
	tariffs = {
		row.name: row
		for row in frappe.get_all(
			"Tariff Code",
			filters={"name": ("in", list({row.custom_tariff_code for row in invoice.items} - {None}))},
			fields=["name", "kind", "nappi_code", "description"],
		)
	}
	for row in invoice.items:
		tariff = tariffs.get(row.custom_tariff_code)
		claim.append(
			"lines",
			{
				"tariff_code": row.custom_tariff_code,
				"description": (tariff and tariff.description) or row.item_name,
				"kind": tariff and tariff.kind,
				"nappi_code": tariff and tariff.nappi_code,
				"icd10_codes": row.get("custom_icd10_codes"),
				"quantity": row.qty,
				"amount": row.amount,
				"service_date": row.get("custom_service_date") or invoice.posting_date,
				"invoice_item": row.name,
			},
		)
	if not insert:
		claim.total = sum(flt(line.amount) for line in claim.lines)
		return claim
	claim.flags.ignore_permissions = True
	claim.flags.medic_plus_claim_update = True
	claim.insert()
	return claim


def _codes(value: str | None) -> tuple[str, ...]:
	return claims.normalise_codes(c for c in (value or "").split(",") if c.strip())


def _name_parts(full_name: str) -> tuple[str, str]:
	"""(initials, surname) of a full name."""
	parts = (full_name or "").split()
	if not parts:
		return "", ""
	return "".join(p[0].upper() for p in parts[:-1]) or parts[0][0].upper(), parts[-1]


def to_core(doc) -> claims.Claim:
	"""The claim as the pure core knows it, read from the Insurance Claim ``doc``."""
	practice = frappe.db.get_value(
		"Practice", doc.practice, ["practice_number", "practice_name"], as_dict=True
	)
	practitioner = (
		frappe.db.get_value(
			"Healthcare Practitioner",
			doc.practitioner,
			["custom_registration_number", "practitioner_name"],
			as_dict=True,
		)
		or frappe._dict()
	)
	aid = frappe.db.get_value("Patient Medical Aid", doc.medical_aid, "*", as_dict=True) or frappe._dict()
	scheme = frappe.db.get_value(
		"Medical Aid Scheme", aid.scheme, ["scheme_code", "scheme_name"], as_dict=True
	)
	scheme = scheme or frappe._dict()
	patient = frappe.db.get_value(
		"Patient", doc.patient, ["first_name", "last_name", "patient_name", "dob", "sex"], as_dict=True
	)
	member_initials, member_surname = _name_parts(aid.principal_member_name or patient.patient_name)
	return claims.Claim(
		identifier=doc.claim_number or doc.name or "new",
		version=doc.version or 1,
		service_date=getdate(doc.service_date),
		practice_number=(practice and practice.practice_number) or "",
		practice_name=(practice and practice.practice_name) or "",
		provider_registration=practitioner.custom_registration_number or "",
		provider_name=practitioner.practitioner_name or "",
		scheme_code=scheme.scheme_code or "",
		scheme_name=scheme.scheme_name or "",
		option=aid.option,
		member_number=aid.member_number or "",
		dependant_code=aid.dependant_code or "",
		member_surname=member_surname,
		member_initials=member_initials,
		patient_first_name=patient.first_name or "",
		patient_surname=patient.last_name or _name_parts(patient.patient_name)[1],
		patient_birth_date=getdate(patient.dob) if patient.dob else None,
		patient_gender=patient.sex,
		lines=tuple(
			claims.Line(
				tariff_code=line.tariff_code or "",
				description=line.description or "",
				quantity=claims.money(line.quantity),
				amount=claims.money(line.amount),
				kind=line.kind or "Consultation",
				icd10=_codes(line.icd10_codes),
				modifiers=tuple(m.strip() for m in (line.modifiers or "").split(",") if m.strip()),
				nappi_code=line.nappi_code,
				service_date=getdate(line.service_date) if line.service_date else None,
			)
			for line in doc.lines
		),
		currency=doc.currency or "ZAR",
		invoice=doc.sales_invoice,
	)


def known_codes(codes) -> dict[str, bool] | None:
	"""ICD-10 code -> whether it has subcategories, for the codes the site knows (None when
	the site has no ICD-10 list loaded: then the pattern alone is checked)."""
	codes = sorted(set(codes))
	if not frappe.db.exists("Code Value", {"code_system": ICD10}):
		return None
	if not codes:
		return {}
	value = frappe.qb.DocType("Code Value")
	system = value.code_system == ICD10
	found = (
		frappe.qb.from_(value)
		.select(value.code_value)
		.where(system & value.code_value.isin(codes))
		.run(pluck=True)
	)
	under = frappe.qb.from_(value).select(value.code_value).where(system)
	prefixes = None
	for code in found:
		like = value.code_value.like(f"{code}_%")
		prefixes = like if prefixes is None else prefixes | like
	children = under.where(prefixes).run(pluck=True) if prefixes is not None else []
	return {code: any(child.startswith(code) and child != code for child in children) for code in found}


def check(doc) -> claims.Claim:
	"""The claim as it would leave; refused with every reason when it cannot."""
	core = to_core(doc)
	found = claims.problems(core, getdate(today()), known_codes(core.diagnoses))
	if found:
		frappe.throw(
			_("Claim {0} cannot be sent:").format(doc.name or _("of invoice {0}").format(doc.sales_invoice))
			+ "<ul>"
			+ "".join(f"<li>{frappe.utils.escape_html(str(p))}</li>" for p in found)
			+ "</ul>",
			ClaimValidationError,
			title=_("Claim not valid"),
		)
	return core


def queue(doc) -> None:
	"""Check the claim and put it in the queue (it leaves within the minute)."""
	if not claims.can_go(doc.status, claims.QUEUED):
		frappe.throw(_("A claim that is {0} cannot be sent.").format(_(doc.status)), ClaimStateError)
	check(doc)
	doc.status = claims.QUEUED
	doc.tries = 0
	doc.next_try_at = None
	doc.reasons = None
	_save(doc)
	frappe.enqueue(
		"medic_plus.billing.insurance.send_due",
		queue="short",
		enqueue_after_commit=True,
		job_id=f"medic_plus:claims:{frappe.local.site}",
		deduplicate=True,
	)


# --- sent from the queue -----------------------------------------------------------------


def switch_of(doc) -> switch_client.Switch | None:
	"""The switch that serves the claim's scheme, while it is enabled."""
	name = frappe.db.get_value("Medical Aid Scheme", doc.scheme, "switch")
	if not name or not frappe.db.get_value("Switch Configuration", name, "enabled"):
		return None
	return _switch(name)


def _switch(name: str) -> switch_client.Switch:
	"""The client's settings of a Switch Configuration."""
	config = frappe.get_doc("Switch Configuration", name)
	return switch_client.Switch(
		endpoint=(config.endpoint or "").rstrip("/"),
		username=config.username,
		password=config.get_password("password", raise_exception=False),
		timeout=float(config.timeout_seconds or 20),
	)


@one_at_a_time
def send_due(limit: int = 200) -> int:
	"""Send the queued claims whose time has come (each committed on its own); how many
	were tried."""
	due = due_claims(limit)
	for name in due:
		try:
			with system_scope():
				send(name)
			frappe.db.commit()  # nosemgrep: a scheduler job, one claim at a time
		except Exception:
			frappe.db.rollback()
			frappe.log_error(
				title=_("Claim {0} could not be sent").format(name),
				reference_doctype=CLAIM,
				reference_name=name,
			)
	return len(due)


def due_claims(limit: int = 200) -> list[str]:
	"""The queued claims whose time has come, the longest waiting first."""
	table = frappe.qb.DocType(CLAIM)
	return (
		frappe.qb.from_(table)
		.select(table.name)
		.where(
			(table.status == claims.QUEUED)
			& (table.next_try_at.isnull() | (table.next_try_at <= now_datetime()))
		)
		.orderby(table.modified)
		.limit(limit)
		.run(pluck=True)
	)


def send(name: str) -> str:
	"""Send one queued claim (locked while it goes); its state after."""
	status = frappe.db.get_value(CLAIM, name, "status", for_update=True)
	if status != claims.QUEUED:
		return status
	doc = frappe.get_doc(CLAIM, name)
	switch = switch_of(doc)
	core = to_core(doc)
	if switch is None:
		_later(doc, None, _("No switch serves {0}: set one on the scheme.").format(doc.scheme))
		return doc.status
	exchange = switch_client.send_claim(
		switch, claims.to_fhir(core, getdate(today())).model_dump(mode="json"), core.key
	)
	_keep(doc, "Claim", exchange)
	doc.sent_at = doc.sent_at or now_datetime()
	if exchange.outcome == "retry":
		_later(doc, exchange.retry_after, exchange.error)
	elif exchange.outcome == "refused":
		doc.status = claims.REJECTED
		doc.reasons = exchange.error
		doc.answered_at = now_datetime()
		_save(doc)
	else:
		apply_answer(doc, claims.read_response(exchange.body, core))
	return doc.status


def _later(doc, retry_after: int | None, error: str | None) -> None:
	doc.tries = (doc.tries or 0) + 1
	doc.reasons = error
	if doc.tries >= claims.MAX_TRIES:
		doc.status = claims.FAILED
		doc.next_try_at = None
	else:
		wait = max(retry_after or 0, claims.retry_in(doc.tries))
		doc.next_try_at = add_to_date(now_datetime(), seconds=wait)
	_save(doc)


def _keep(doc, kind: str, exchange: switch_client.Exchange) -> None:
	doc.append(
		"exchanges",
		{
			"at": now_datetime(),
			"kind": kind,
			"outcome": exchange.outcome,
			"http_status": exchange.status,
			"seconds": round(exchange.seconds, 3),
			"error": exchange.error,
			"request": _pretty(exchange.request),
			"response": _pretty(exchange.answer),
		},
	)


def _pretty(text: str | None) -> str | None:
	if not text:
		return text
	try:
		return json.dumps(json.loads(text), indent=1)
	except ValueError:
		return text


def _save(doc) -> None:
	doc.flags.ignore_permissions = True
	doc.flags.medic_plus_claim_update = True
	doc.save()


def apply_answer(doc, answer: claims.Answer) -> None:
	"""What the switch answered: each line's outcome, the claim's state, and its payment."""
	by_sequence = {r.sequence: r for r in answer.lines}
	for n, line in enumerate(doc.lines, 1):
		if result := by_sequence.get(n):
			line.line_status = result.status
			line.paid_amount = flt(result.paid)
			line.reason = result.reason
	state = answer.state
	doc.answered_at = now_datetime()
	doc.reasons = (
		"; ".join([*answer.reasons, *(f"{r.sequence}: {r.reason}" for r in answer.lines if r.reason)]) or None
	)
	if state in (claims.PAID, claims.PARTLY_PAID) and answer.payment:
		doc.status = claims.ACCEPTED if doc.status in (claims.QUEUED, claims.SENT) else doc.status
		_save(doc)
		post_payment(doc, answer.payment.amount, answer.payment.on, answer.payment.reference)
		return
	doc.status = state
	_save(doc)


# --- paid -----------------------------------------------------------------------------------


def post_payment(doc, amount, on: date | None, reference: str | None) -> str | None:
	"""The scheme's payment of the claim into the practice's books: a Payment Entry against
	its invoice (never a second one), and the shortfall moved to the patient's account."""
	if doc.payment_entry or doc.status in (claims.PAID, claims.CANCELLED, claims.SUPERSEDED):
		return doc.payment_entry
	invoice = frappe.get_doc("Sales Invoice", doc.sales_invoice)
	amount = min(flt(amount), flt(invoice.outstanding_amount))
	posted = on or getdate(today())
	entry = None
	if amount > 0:
		entry = _payment_entry(invoice, amount, posted, reference or doc.name, doc.name)
	shortfall = flt(invoice.outstanding_amount) - amount
	doc.scheme_paid = amount
	doc.patient_portion = max(shortfall, 0)
	doc.payment_entry = entry
	doc.paid_on = posted
	if shortfall > 0.005:
		doc.shortfall_entry = _move_to_patient(invoice, shortfall, posted, doc.name)
	doc.status = claims.PAID if shortfall <= 0.005 else claims.PARTLY_PAID
	_save(doc)
	return entry


def receiving_account(company: str, mode_of_payment: str | None = None) -> str:
	"""Where money comes in: the mode of payment's account in the practice's books, else
	the company's default bank, else cash account."""
	if mode_of_payment:
		account = frappe.db.get_value(
			"Mode of Payment Account", {"parent": mode_of_payment, "company": company}, "default_account"
		)
		if account:
			return account
	account = frappe.get_cached_value("Company", company, "default_bank_account") or frappe.get_cached_value(
		"Company", company, "default_cash_account"
	)
	if not account:
		frappe.throw(_("{0} has no bank or cash account to receive payments in.").format(company))
	return account


def _payment_entry(invoice, amount: float, posted, reference: str, remark: str, mode_of_payment=None) -> str:
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	pe = get_payment_entry("Sales Invoice", invoice.name, party_amount=amount)
	pe.posting_date = posted
	pe.paid_to = receiving_account(invoice.company, mode_of_payment)
	pe.mode_of_payment = mode_of_payment
	pe.paid_amount = pe.received_amount = amount
	pe.reference_no = reference[:140]
	pe.reference_date = posted
	pe.remarks = remark
	for row in pe.references:
		row.allocated_amount = amount if row.reference_name == invoice.name else 0
	pe.set_amounts()
	pe.flags.ignore_permissions = True
	pe.insert()
	pe.submit()
	return pe.name


def _move_to_patient(invoice, shortfall: float, posted, claim: str) -> str:
	"""What the scheme did not pay becomes the patient's to pay: off the scheme's invoice,
	onto the patient's account, in one Journal Entry."""
	customer = patient_customer(invoice.patient, invoice.company)
	je = frappe.new_doc("Journal Entry")
	je.update(
		{
			"company": invoice.company,
			"posting_date": posted,
			"voucher_type": "Journal Entry",
			"user_remark": _("Shortfall of claim {0}: the patient's portion.").format(claim),
		}
	)
	je.append(
		"accounts",
		{
			"account": invoice.debit_to,
			"party_type": "Customer",
			"party": invoice.customer,
			"credit_in_account_currency": shortfall,
			"reference_type": "Sales Invoice",
			"reference_name": invoice.name,
		},
	)
	je.append(
		"accounts",
		{
			"account": invoice.debit_to,
			"party_type": "Customer",
			"party": customer,
			"debit_in_account_currency": shortfall,
		},
	)
	je.flags.ignore_permissions = True
	je.insert()
	je.submit()
	return je.name


@one_at_a_time
def fetch_remittances() -> int:
	"""Every enabled switch's remittances of the last 90 days, each payment posted once."""
	posted = 0
	since = str(add_to_date(getdate(today()), days=-90))
	for name in frappe.get_all("Switch Configuration", filters={"enabled": 1}, pluck="name"):
		try:
			remittances = switch_client.fetch_remittances(_switch(name), since)
		except Exception:
			frappe.log_error(title=_("Remittances of {0} could not be fetched").format(name))
			continue
		for remittance in remittances:
			for payment in claims.read_reconciliation(remittance):
				try:
					posted += _post_remitted(payment)
					frappe.db.commit()  # nosemgrep: a scheduler job, one payment at a time
				except Exception:
					frappe.db.rollback()
					frappe.log_error(
						title=_("Remittance for {0} could not be posted").format(payment.claim_key)
					)
	return posted


def _post_remitted(payment: claims.Payment) -> int:
	number, _sep, version = payment.claim_key.rpartition("-")
	if not number or not version.isdigit():
		return 0
	name = frappe.db.get_value(CLAIM, {"claim_number": number, "version": int(version)})
	if not name:
		return 0
	with system_scope():
		frappe.db.get_value(CLAIM, name, "status", for_update=True)
		doc = frappe.get_doc(CLAIM, name)
		if doc.payment_entry or doc.status not in (claims.SENT, claims.ACCEPTED, claims.PARTLY_PAID):
			return 0
		post_payment(doc, payment.amount, payment.on, payment.reference)
	return 1


# --- corrected and sent again ------------------------------------------------------------------


def resubmit(name: str):
	"""A rejected claim, as a new draft version to correct (the rejected one is superseded)."""
	old = frappe.get_doc(CLAIM, name)
	if not claims.can_go(old.status, claims.SUPERSEDED):
		frappe.throw(_("Only a rejected claim can be corrected and sent again."), ClaimStateError)
	new = frappe.copy_doc(old)
	new.update(
		{
			"status": claims.DRAFT,
			"claim_number": old.claim_number,
			"version": (old.version or 1) + 1,
			"previous_claim": old.name,
		}
	)
	for line in new.lines:
		line.line_status = line.reason = None
		line.paid_amount = 0
	new.flags.ignore_permissions = True
	new.flags.medic_plus_claim_update = True
	new.insert()
	old.status = claims.SUPERSEDED
	_save(old)
	frappe.db.set_value("Sales Invoice", old.sales_invoice, "custom_claim", new.name, update_modified=False)
	return new


def bill_patient_instead(name: str) -> str:
	"""A rejected claim given up: what its invoice still owes moves to the patient's account
	(a Journal Entry, as a shortfall does), and the claim is cancelled. The entry's name."""
	doc = frappe.get_doc(CLAIM, name)
	if doc.status != claims.REJECTED:
		frappe.throw(_("Only a rejected claim can be billed to the patient instead."), ClaimStateError)
	invoice = frappe.get_doc("Sales Invoice", doc.sales_invoice)
	owing = flt(invoice.outstanding_amount)
	if invoice.docstatus != 1 or owing <= 0:
		frappe.throw(_("Invoice {0} owes nothing.").format(invoice.name), ClaimStateError)
	doc.shortfall_entry = _move_to_patient(invoice, owing, getdate(today()), doc.name)
	doc.patient_portion = owing
	doc.status = claims.CANCELLED
	_save(doc)
	doc.add_comment("Comment", _("Billed to the patient instead: {0}").format(doc.shortfall_entry))
	return doc.shortfall_entry
