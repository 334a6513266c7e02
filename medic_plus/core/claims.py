"""Medical-aid claims: what a claim must carry before it leaves, how a visit's amount splits
between the scheme and the patient, the claim's states, when a failed send is tried again,
and the FHIR R4 ``Claim`` it travels as and the ``ClaimResponse`` / ``PaymentReconciliation``
that come back.

Pure: no Frappe import. The particulars follow the General Regulations under the Medical
Schemes Act (GN R1262 of 1999, regulation 5): the member's and the patient's names, the
scheme and membership number, the practice number (BHF PCNS, seven digits), the treating
practitioner's registration number (HPCSA, e.g. ``MP0123456``), the ICD-10 and tariff codes
and the date of each service, and each medicine's NAPPI code and quantity. The FHIR models
are R4B (4.3.0), the release of FHIR R4 that fhir.resources ships.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from fhir.resources.R4B.claim import Claim as FHIRClaim
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.paymentreconciliation import PaymentReconciliation

from medic_plus.core.codes import ICD10_CODE, normalise_code

SYSTEM = "urn:medic-plus"
CLAIM_SYSTEM = f"{SYSTEM}/claim"
TARIFF_SYSTEM = f"{SYSTEM}/tariff-code"
NAPPI_SYSTEM = f"{SYSTEM}/nappi"
PRACTICE_NUMBER_SYSTEM = f"{SYSTEM}/bhf-practice-number"
REGISTRATION_SYSTEM = f"{SYSTEM}/hpcsa-registration"
SCHEME_SYSTEM = f"{SYSTEM}/scheme-code"
MEMBER_SYSTEM = f"{SYSTEM}/member-number"
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"

PRACTICE_NUMBER = re.compile(r"^[0-9]{7}$")
REGISTRATION = re.compile(r"^[A-Z]{2}[0-9]{7}$")  # the register's letters, then seven digits
DEPENDANT_CODE = re.compile(r"^[0-9]{2}$")
MEMBER_NUMBER = re.compile(r"^[A-Z0-9]{3,20}$")
TARIFF_CODE = re.compile(r"^[0-9]{4,6}$")
NAPPI_CODE = re.compile(r"^[0-9]{6}([0-9]{3})?$")  # the product, then its pack
MODIFIER = re.compile(r"^[0-9]{4}$")
KINDS = ("Consultation", "Procedure", "Medicine", "Material")
CENT = Decimal("0.01")

# the states of a claim, and where each may go
DRAFT, QUEUED, SENT, ACCEPTED, REJECTED = "Draft", "Queued", "Sent", "Accepted", "Rejected"
PARTLY_PAID, PAID, FAILED, SUPERSEDED, CANCELLED = "Partly Paid", "Paid", "Failed", "Superseded", "Cancelled"
TRANSITIONS: dict[str, frozenset[str]] = {
	DRAFT: frozenset({QUEUED, CANCELLED}),
	QUEUED: frozenset({SENT, ACCEPTED, REJECTED, PARTLY_PAID, PAID, FAILED, CANCELLED}),
	SENT: frozenset({ACCEPTED, REJECTED, PARTLY_PAID, PAID, QUEUED}),
	ACCEPTED: frozenset({PARTLY_PAID, PAID, REJECTED}),
	PARTLY_PAID: frozenset({PAID}),
	# corrected as a new version, or given up: the patient pays instead
	REJECTED: frozenset({SUPERSEDED, CANCELLED}),
	FAILED: frozenset({QUEUED, CANCELLED}),
	PAID: frozenset(),
	SUPERSEDED: frozenset(),
	CANCELLED: frozenset(),
}
MAX_TRIES = 8


class ClaimError(ValueError):
	"""A claim that cannot leave: ``problems`` names each reason."""

	def __init__(self, problems: Sequence[Problem]):
		self.problems = list(problems)
		super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Problem:
	field: str
	reason: str

	def __str__(self) -> str:
		return f"{self.field}: {self.reason}"


@dataclass(frozen=True)
class Line:
	tariff_code: str
	description: str
	quantity: Decimal
	amount: Decimal  # what the line costs in all (quantity x unit price)
	kind: str = "Consultation"
	icd10: tuple[str, ...] = ()  # the first is the line's primary diagnosis
	modifiers: tuple[str, ...] = ()
	nappi_code: str | None = None
	service_date: date | None = None


@dataclass(frozen=True)
class Claim:
	identifier: str  # the practice's claim number: the switch's idempotency key (with version)
	version: int
	service_date: date
	practice_number: str
	practice_name: str
	provider_registration: str
	provider_name: str
	scheme_code: str
	scheme_name: str
	option: str | None
	member_number: str
	dependant_code: str
	member_surname: str
	member_initials: str
	patient_first_name: str
	patient_surname: str
	patient_birth_date: date | None
	patient_gender: str | None
	lines: tuple[Line, ...]
	currency: str = "ZAR"
	invoice: str | None = None

	@property
	def key(self) -> str:
		"""What the switch sees as the claim's identity: the same key is never paid twice."""
		return f"{self.identifier}-{self.version}"

	@property
	def total(self) -> Decimal:
		return sum((line.amount for line in self.lines), Decimal(0))

	@property
	def diagnoses(self) -> tuple[str, ...]:
		"""Every ICD-10 code of the claim, once each, in the order first used."""
		seen: dict[str, None] = {}
		for line in self.lines:
			for code in line.icd10:
				seen.setdefault(code, None)
		return tuple(seen)


def money(value) -> Decimal:
	return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- identifiers ------------------------------------------------------------------------


VAT_NUMBER = re.compile(r"^4[0-9]{9}$")
BANK_ACCOUNT = re.compile(r"^[0-9]{6,16}$")
BRANCH_CODE = re.compile(r"^[0-9]{6}$")


def _cleaned(value: str | None, pattern: re.Pattern, reason: str) -> str:
	"""``value`` without spaces and dashes, in capitals, if ``pattern`` matches; else
	ValueError(``reason``)."""
	cleaned = re.sub(r"[\s-]", "", value or "").upper()
	if not pattern.match(cleaned):
		raise ValueError(reason)
	return cleaned


def clean_practice_number(value: str | None) -> str:
	"""The BHF practice number: seven digits (spaces and dashes dropped)."""
	return _cleaned(value, PRACTICE_NUMBER, "A practice number has seven digits (the BHF's PCNS number).")


def clean_vat_number(value: str | None) -> str:
	"""A South African VAT number: ten digits, the first a 4."""
	return _cleaned(value, VAT_NUMBER, "A VAT number has ten digits and starts with 4.")


def clean_vat_rate(value) -> Decimal:
	"""The VAT rate a practice charges, in percent: more than 0 and less than 100."""
	try:
		rate = Decimal(str(value if value is not None else "")).quantize(CENT)
	except ArithmeticError:
		rate = Decimal(0)
	if not rate.is_finite() or not Decimal(0) < rate < Decimal(100):
		raise ValueError("A VAT rate is a percentage above 0 and below 100, such as 15.")
	return rate


def clean_bank_account(value: str | None) -> str:
	return _cleaned(value, BANK_ACCOUNT, "A bank account number has 6 to 16 digits.")


def clean_branch_code(value: str | None) -> str:
	return _cleaned(value, BRANCH_CODE, "A branch code has six digits.")


def clean_registration(value: str | None) -> str:
	"""The HPCSA registration number: the register's two letters and seven digits."""
	return _cleaned(
		value, REGISTRATION, "A registration number is two letters and seven digits, such as MP0123456."
	)


def clean_dependant_code(value: str | int | None) -> str:
	code = str(value if value is not None else "").strip()
	if code.isdigit() and len(code) == 1:
		code = f"0{code}"
	if not DEPENDANT_CODE.match(code):
		raise ValueError("A dependant code is two digits, 00 for the principal member.")
	return code


def clean_member_number(value: str | None) -> str:
	return _cleaned(value, MEMBER_NUMBER, "A membership number is 3 to 20 letters and digits.")


def luhn_ok(digits: str) -> bool:
	total = 0
	for n, ch in enumerate(reversed(digits)):
		d = int(ch)
		if n % 2:
			d = d * 2 - 9 if d > 4 else d * 2
		total += d
	return total % 10 == 0


def clean_id_number(value: str | None) -> str:
	"""A South African ID number (13 digits: date of birth, sequence, citizenship, and a
	Luhn check digit) or a passport number (6 to 20 letters and digits)."""
	number = re.sub(r"[\s-]", "", value or "").upper()
	if number.isdigit() and len(number) == 13:
		month, day = int(number[2:4]), int(number[4:6])
		if not (1 <= month <= 12 and 1 <= day <= 31) or number[10] not in "01" or not luhn_ok(number):
			raise ValueError("This is not a valid South African ID number.")
		return number
	if not re.match(r"^[A-Z0-9]{6,20}$", number) or number.isdigit():
		raise ValueError("Enter a South African ID number (13 digits) or a passport number.")
	return number


# --- validation ----------------------------------------------------------------------------


def problems(
	claim: Claim,
	today: date,
	known_codes: Mapping[str, bool] | None = None,
) -> list[Problem]:
	"""Every reason the claim cannot leave, in the order a person would fix them.
	``known_codes``: ICD-10 code -> whether it has subcategories (a claim takes the most
	specific code); None when the site's code list is not loaded (the pattern is checked)."""
	out: list[Problem] = []

	def check(fieldname: str, value, pattern: re.Pattern, reason: str) -> None:
		if not value:
			out.append(Problem(fieldname, "missing"))
		elif not pattern.match(str(value)):
			out.append(Problem(fieldname, reason))

	check("practice_number", claim.practice_number, PRACTICE_NUMBER, "not seven digits (BHF practice number)")
	check(
		"provider_registration",
		claim.provider_registration,
		REGISTRATION,
		"not a registration number such as MP0123456",
	)
	if not claim.scheme_code:
		out.append(Problem("scheme", "missing"))
	check("member_number", claim.member_number, MEMBER_NUMBER, "not 3 to 20 letters and digits")
	check("dependant_code", claim.dependant_code, DEPENDANT_CODE, "not two digits")
	for fieldname in ("member_surname", "member_initials", "patient_first_name", "patient_surname"):
		if not (getattr(claim, fieldname) or "").strip():
			out.append(Problem(fieldname, "missing"))
	if claim.service_date > today:
		out.append(Problem("service_date", "in the future"))
	if claim.patient_birth_date and claim.patient_birth_date > claim.service_date:
		out.append(Problem("patient_birth_date", "after the date of service"))
	if not claim.lines:
		out.append(Problem("lines", "a claim needs at least one line"))
	if not claim.diagnoses:
		out.append(Problem("icd10", "a claim needs a primary ICD-10 code"))
	elif claim.diagnoses[0][0] in "VWXY":
		out.append(
			Problem("icd10", f"{claim.diagnoses[0]} is an external cause and cannot be the primary code")
		)
	for n, line in enumerate(claim.lines, 1):
		out += _line_problems(n, line, claim, today, known_codes)
	return out


def _line_problems(n: int, line: Line, claim: Claim, today: date, known: Mapping[str, bool] | None):
	where = f"line {n}"
	out = []
	if not TARIFF_CODE.match(line.tariff_code or ""):
		out.append(
			Problem(
				f"{where} tariff_code", f"{line.tariff_code or 'missing'}: not a tariff code of 4 to 6 digits"
			)
		)
	if line.kind not in KINDS:
		out.append(Problem(f"{where} kind", f"{line.kind}: not one of {', '.join(KINDS)}"))
	if line.kind == "Medicine" and not NAPPI_CODE.match(line.nappi_code or ""):
		out.append(Problem(f"{where} nappi_code", "a medicine needs its NAPPI code (6 or 9 digits)"))
	if line.quantity <= 0:
		out.append(Problem(f"{where} quantity", "must be more than nothing"))
	if line.amount < 0:
		out.append(Problem(f"{where} amount", "cannot be negative"))
	for modifier in line.modifiers:
		if not MODIFIER.match(modifier):
			out.append(Problem(f"{where} modifier", f"{modifier}: not a modifier of 4 digits"))
	if line.service_date and line.service_date > today:
		out.append(Problem(f"{where} service_date", "in the future"))
	if not line.icd10:
		out.append(Problem(f"{where} icd10", "each line needs an ICD-10 code"))
	for code in line.icd10:
		if not ICD10_CODE.match(code):
			out.append(Problem(f"{where} icd10", f"{code}: not an ICD-10 code"))
		elif known is not None and code not in known:
			out.append(Problem(f"{where} icd10", f"{code}: not in the ICD-10 list"))
		elif known is not None and known[code]:
			out.append(
				Problem(
					f"{where} icd10", f"{code}: not specific enough (use a code below it, such as {code}.9)"
				)
			)
	return out


def validate(claim: Claim, today: date, known_codes: Mapping[str, bool] | None = None) -> None:
	if found := problems(claim, today, known_codes):
		raise ClaimError(found)


def submit_by(service_date: date) -> date:
	"""The last day a scheme must take the claim: the end of the fourth month after the
	month of service (regulation 6)."""
	year, month = divmod(service_date.month - 1 + 5, 12)
	first_after = date(service_date.year + year, month + 1, 1)
	return date.fromordinal(first_after.toordinal() - 1)


def normalise_codes(codes: Iterable[str]) -> tuple[str, ...]:
	seen: dict[str, None] = {}
	for code in codes:
		if code := normalise_code(code):
			seen.setdefault(code, None)
	return tuple(seen)


# --- who pays what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Portion:
	scheme: Decimal
	patient: Decimal


def split(amount, scheme_amount=None, copayment=0) -> Portion:
	"""A line of ``amount`` billed to a scheme that pays ``scheme_amount`` for it (its own
	rate; None: what is charged): the scheme's portion is at most its rate, less the
	patient's co-payment; the rest is the patient's."""
	amount = money(amount)
	covered = amount if scheme_amount is None else min(amount, money(scheme_amount))
	covered = max(Decimal(0), covered - money(copayment))
	return Portion(covered, amount - covered)


def can_go(state: str, to: str) -> bool:
	return to in TRANSITIONS.get(state, frozenset())


def retry_in(tries: int) -> int:
	"""Seconds before the next try after ``tries`` failed ones: 1, 2, 4 ... minutes, at most
	an hour; after MAX_TRIES the claim waits for a person."""
	return min(60 * 2 ** max(tries - 1, 0), 3600)


# --- FHIR ---------------------------------------------------------------------------------


def _money(value: Decimal, currency: str) -> dict:
	return {"value": float(money(value)), "currency": currency}


def _concept(system: str, code: str, display: str | None = None) -> dict:
	coding = {"system": system, "code": code}
	if display:
		coding["display"] = display
	return {"coding": [coding], **({"text": display} if display else {})}


def to_fhir(claim: Claim, created: date) -> FHIRClaim:
	"""The claim as a FHIR R4 ``Claim``, with the patient, their cover, the practitioner and
	the practice contained in it: one resource carries every particular."""
	diagnoses = claim.diagnoses
	contained = [
		{
			"resourceType": "Patient",
			"id": "patient",
			"name": [{"family": claim.patient_surname, "given": [claim.patient_first_name]}],
			**({"birthDate": claim.patient_birth_date.isoformat()} if claim.patient_birth_date else {}),
			**({"gender": claim.patient_gender} if claim.patient_gender else {}),
		},
		{
			"resourceType": "Coverage",
			"id": "coverage",
			"status": "active",
			"beneficiary": {"reference": "#patient"},
			"subscriberId": claim.member_number,
			"dependent": claim.dependant_code,
			"subscriber": {"display": f"{claim.member_initials} {claim.member_surname}"},
			"payor": [
				{
					"identifier": {"system": SCHEME_SYSTEM, "value": claim.scheme_code},
					"display": claim.scheme_name,
				}
			],
			**(
				{
					"class": [
						{"type": _concept(f"{TERMINOLOGY}/coverage-class", "plan"), "value": claim.option}
					]
				}
				if claim.option
				else {}
			),
		},
		{
			"resourceType": "Practitioner",
			"id": "provider",
			"identifier": [{"system": REGISTRATION_SYSTEM, "value": claim.provider_registration}],
			"name": [{"text": claim.provider_name}],
		},
		{
			"resourceType": "Organization",
			"id": "practice",
			"identifier": [{"system": PRACTICE_NUMBER_SYSTEM, "value": claim.practice_number}],
			"name": claim.practice_name,
		},
	]
	items = []
	for n, line in enumerate(claim.lines, 1):
		product = (
			_concept(NAPPI_SYSTEM, line.nappi_code, line.description)
			if line.kind == "Medicine" and line.nappi_code
			else _concept(TARIFF_SYSTEM, line.tariff_code, line.description)
		)
		unit = money(line.amount / line.quantity) if line.quantity else money(line.amount)
		items.append(
			{
				"sequence": n,
				"diagnosisSequence": [diagnoses.index(code) + 1 for code in line.icd10],
				"productOrService": product,
				**(
					{"modifier": [_concept(f"{TARIFF_SYSTEM}/modifier", m) for m in line.modifiers]}
					if line.modifiers
					else {}
				),
				"servicedDate": (line.service_date or claim.service_date).isoformat(),
				"quantity": {"value": float(line.quantity)},
				"unitPrice": _money(unit, claim.currency),
				"net": _money(line.amount, claim.currency),
				**(
					{
						"detail": [
							{"sequence": 1, "productOrService": _concept(TARIFF_SYSTEM, line.tariff_code)}
						]
					}
					if line.kind == "Medicine"
					else {}
				),
			}
		)
	return FHIRClaim.model_validate(
		{
			"resourceType": "Claim",
			"contained": contained,
			"identifier": [{"system": CLAIM_SYSTEM, "value": claim.key}],
			"status": "active",
			"type": _concept(f"{TERMINOLOGY}/claim-type", "professional"),
			"use": "claim",
			"patient": {"reference": "#patient"},
			"billablePeriod": {
				"start": claim.service_date.isoformat(),
				"end": claim.service_date.isoformat(),
			},
			"created": created.isoformat(),
			"provider": {"reference": "#practice"},
			"careTeam": [{"sequence": 1, "provider": {"reference": "#provider"}, "responsible": True}],
			"priority": _concept(f"{TERMINOLOGY}/processpriority", "normal"),
			"insurer": {
				"identifier": {"system": SCHEME_SYSTEM, "value": claim.scheme_code},
				"display": claim.scheme_name,
			},
			"insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "#coverage"}}],
			"diagnosis": [
				{
					"sequence": n,
					"diagnosisCodeableConcept": _concept(ICD10_SYSTEM, code),
					**(
						{"type": [_concept(f"{TERMINOLOGY}/ex-diagnosistype", "principal")]} if n == 1 else {}
					),
				}
				for n, code in enumerate(diagnoses, 1)
			],
			"item": items,
			"total": _money(claim.total, claim.currency),
		}
	)


@dataclass(frozen=True)
class LineResult:
	sequence: int
	claimed: Decimal
	paid: Decimal
	reason: str | None

	@property
	def status(self) -> str:
		if self.paid <= 0:
			return "Rejected"
		return "Paid" if self.paid >= self.claimed else "Partly Paid"


@dataclass(frozen=True)
class Payment:
	claim_key: str
	amount: Decimal
	on: date | None
	reference: str | None


@dataclass(frozen=True)
class Answer:
	"""What the switch answered: the claim's outcome, each line, and a payment if any."""

	claim_key: str | None
	outcome: str  # queued, complete, error, partial
	lines: tuple[LineResult, ...] = ()
	reasons: tuple[str, ...] = ()  # the claim's own errors (not of a line)
	payment: Payment | None = None
	disposition: str | None = None

	@property
	def state(self) -> str:
		"""The claim's state after this answer."""
		if self.outcome == "queued":
			return SENT
		if self.outcome == "error" or (self.lines and all(r.status == "Rejected" for r in self.lines)):
			return REJECTED
		if not self.lines:
			return REJECTED if self.reasons else ACCEPTED
		if self.payment is None:
			return ACCEPTED
		paid = sum((r.paid for r in self.lines), Decimal(0))
		claimed = sum((r.claimed for r in self.lines), Decimal(0))
		return PAID if paid >= claimed else PARTLY_PAID


def _text(concept) -> str | None:
	if not concept:
		return None
	if concept.text:
		return concept.text
	for coding in concept.coding or []:
		if coding.display or coding.code:
			return coding.display or coding.code
	return None


def _identifier_of(reference) -> str | None:
	if reference is None:
		return None
	if reference.identifier and reference.identifier.value:
		return reference.identifier.value
	return None


def read_response(data: Mapping, claim: Claim) -> Answer:
	"""A ``ClaimResponse`` (as JSON) about ``claim``: per line, what was claimed and what the
	scheme pays (its ``benefit`` adjudication), with the reason for any shortfall."""
	response = ClaimResponse.model_validate(data)
	key = _identifier_of(response.request)
	notes = {note.number: note.text for note in response.processNote or [] if note.number}
	results = []
	by_sequence = {n: line for n, line in enumerate(claim.lines, 1)}
	for item in response.item or []:
		claimed = (
			money(by_sequence[item.itemSequence].amount) if item.itemSequence in by_sequence else Decimal(0)
		)
		paid, reason = Decimal(0), None
		for adjudication in item.adjudication or []:
			category = _text(adjudication.category) or ""
			if category in ("benefit", "eligible") and adjudication.amount is not None:
				if category == "benefit" or paid == 0:
					paid = money(adjudication.amount.value)
			if adjudication.reason:
				reason = _text(adjudication.reason)
		reason = reason or "; ".join(notes[n] for n in item.noteNumber or [] if n in notes) or None
		results.append(LineResult(item.itemSequence, claimed, paid, reason))
	reasons = tuple(_text(error.code) or "" for error in response.error or [] if error.itemSequence is None)
	line_errors: dict[int, str] = {}
	for error in response.error or []:
		if error.itemSequence is not None:
			line_errors[error.itemSequence] = _text(error.code) or "rejected"
	if line_errors:
		results = [
			LineResult(r.sequence, r.claimed, Decimal(0), line_errors[r.sequence])
			if r.sequence in line_errors
			else r
			for r in results
		]
		for sequence, reason in line_errors.items():
			if sequence not in {r.sequence for r in results} and sequence in by_sequence:
				results.append(LineResult(sequence, money(by_sequence[sequence].amount), Decimal(0), reason))
	payment = None
	if response.payment and response.payment.amount is not None:
		payment = Payment(
			key or claim.key,
			money(response.payment.amount.value),
			response.payment.date,
			response.payment.identifier.value if response.payment.identifier else None,
		)
	return Answer(
		claim_key=key,
		outcome=response.outcome or "complete",
		lines=tuple(sorted(results, key=lambda r: r.sequence)),
		reasons=reasons,
		payment=payment,
		disposition=response.disposition,
	)


def read_reconciliation(data: Mapping) -> list[Payment]:
	"""A ``PaymentReconciliation`` (remittance advice, as JSON): one payment per claim."""
	remittance = PaymentReconciliation.model_validate(data)
	reference = remittance.paymentIdentifier.value if remittance.paymentIdentifier else None
	out = []
	for detail in remittance.detail or []:
		key = _identifier_of(detail.request)
		if key and detail.amount is not None:
			out.append(
				Payment(key, money(detail.amount.value), detail.date or remittance.paymentDate, reference)
			)
	return out
