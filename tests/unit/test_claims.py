"""Medical-aid claims: identifiers, the checks before a claim leaves (each with its reason),
the split between scheme and patient, states and retries, and the FHIR R4 round trip."""

from datetime import date
from decimal import Decimal

import pytest

from medic_plus.core import claims
from medic_plus.core.claims import Claim, ClaimError, Line

TODAY = date(2026, 12, 5)


def line(**values) -> Line:
	base = {
		"tariff_code": "0190",
		"description": "GP consultation",
		"quantity": Decimal(1),
		"amount": Decimal("520.00"),
		"icd10": ("J06.9",),
	}
	return Line(**{**base, **values})


def claim(**values) -> Claim:
	base = {
		"identifier": "HFP-CLM-00001",
		"version": 1,
		"service_date": date(2026, 12, 1),
		"practice_number": "0123456",
		"practice_name": "Harbour Family Practice",
		"provider_registration": "MP0123456",
		"provider_name": "Dr A. Naidoo",
		"scheme_code": "DISC",
		"scheme_name": "Discovery Health Medical Scheme",
		"option": "Classic Saver",
		"member_number": "123456789",
		"dependant_code": "01",
		"member_surname": "Dlamini",
		"member_initials": "T",
		"patient_first_name": "Lerato",
		"patient_surname": "Dlamini",
		"patient_birth_date": date(2012, 3, 4),
		"patient_gender": "female",
		"lines": (
			line(),
			line(
				tariff_code="0201",
				description="Paracetamol 500 mg, 20 tablets",
				kind="Medicine",
				nappi_code="700123001",
				quantity=Decimal(20),
				amount=Decimal("45.60"),
				icd10=("J06.9", "R50.9"),
			),
		),
	}
	return Claim(**{**base, **values})


def reasons(c: Claim, known=None) -> dict[str, str]:
	return {p.field: p.reason for p in claims.problems(c, TODAY, known)}


def test_a_complete_claim_has_no_problem():
	assert claims.problems(claim(), TODAY) == []
	claims.validate(claim(), TODAY)


@pytest.mark.parametrize(
	"values, fieldname, reason",
	[
		({"practice_number": "12345"}, "practice_number", "not seven digits (BHF practice number)"),
		({"practice_number": ""}, "practice_number", "missing"),
		(
			{"provider_registration": "0123456"},
			"provider_registration",
			"not a registration number such as MP0123456",
		),
		({"member_number": ""}, "member_number", "missing"),
		({"dependant_code": "1"}, "dependant_code", "not two digits"),
		({"scheme_code": ""}, "scheme", "missing"),
		({"member_initials": " "}, "member_initials", "missing"),
		({"service_date": date(2026, 12, 6)}, "service_date", "in the future"),
		({"lines": ()}, "lines", "a claim needs at least one line"),
	],
)
def test_each_missing_or_malformed_particular_is_named(values, fieldname, reason):
	found = reasons(claim(**values))
	assert found[fieldname] == reason
	with pytest.raises(ClaimError) as caught:
		claims.validate(claim(**values), TODAY)
	assert f"{fieldname}: {reason}" in str(caught.value)


def test_line_checks_name_the_line():
	bad = claim(
		lines=(
			line(tariff_code="19"),
			line(kind="Medicine", nappi_code=None),
			line(quantity=Decimal(0)),
			line(icd10=()),
			line(icd10=("J6",)),
			line(modifiers=("A1",)),
		)
	)
	found = reasons(bad)
	assert found["line 1 tariff_code"] == "19: not a tariff code of 4 to 6 digits"
	assert found["line 2 nappi_code"] == "a medicine needs its NAPPI code (6 or 9 digits)"
	assert found["line 3 quantity"] == "must be more than nothing"
	assert found["line 4 icd10"] == "each line needs an ICD-10 code"
	assert found["line 5 icd10"] == "J6: not an ICD-10 code"
	assert found["line 6 modifier"] == "A1: not a modifier of 4 digits"


def test_an_external_cause_is_never_the_primary_code():
	assert reasons(claim(lines=(line(icd10=("W19", "S52.5")),)))["icd10"] == (
		"W19 is an external cause and cannot be the primary code"
	)


def test_a_claim_takes_the_most_specific_known_code():
	known = {"J06": True, "J06.9": False, "R50.9": False}
	assert reasons(claim(), known) == {}
	found = reasons(claim(lines=(line(icd10=("J06",)), line(icd10=("Z99.9",)))), known)
	assert found["line 1 icd10"] == "J06: not specific enough (use a code below it, such as J06.9)"
	assert found["line 2 icd10"] == "Z99.9: not in the ICD-10 list"


def test_the_scheme_pays_up_to_its_rate_less_the_copayment_and_the_patient_the_rest():
	assert claims.split("520", "430.50") == claims.Portion(Decimal("430.50"), Decimal("89.50"))
	assert claims.split("520", None) == claims.Portion(Decimal("520.00"), Decimal("0.00"))
	assert claims.split("520", "600") == claims.Portion(Decimal("520.00"), Decimal("0.00"))
	assert claims.split("520", "430.50", copayment="50") == claims.Portion(
		Decimal("380.50"), Decimal("139.50")
	)
	assert claims.split("40", "430", copayment="50") == claims.Portion(Decimal("0.00"), Decimal("40.00"))


def test_states_and_retries():
	assert claims.can_go("Draft", "Queued")
	assert claims.can_go("Rejected", "Superseded")
	assert not claims.can_go("Paid", "Queued")
	assert not claims.can_go("Rejected", "Queued")  # a rejected claim goes again as a new version
	assert claims.can_go("Rejected", "Cancelled")  # the patient pays instead
	assert [claims.retry_in(n) for n in (1, 2, 3, 7, 20)] == [60, 120, 240, 3600, 3600]


def test_the_last_day_to_claim_is_the_end_of_the_fourth_month_after_service():
	assert claims.submit_by(date(2026, 1, 15)) == date(2026, 5, 31)
	assert claims.submit_by(date(2026, 10, 31)) == date(2027, 2, 28)
	assert claims.submit_by(date(2026, 12, 1)) == date(2027, 4, 30)


def test_the_fhir_claim_carries_every_particular():
	resource = claims.to_fhir(claim(), TODAY)
	data = resource.model_dump(mode="json", exclude_none=True)
	assert data["identifier"][0]["value"] == "HFP-CLM-00001-1"
	contained = {r["resourceType"]: r for r in data["contained"]}
	assert contained["Organization"]["identifier"][0]["value"] == "0123456"
	assert contained["Practitioner"]["identifier"][0]["value"] == "MP0123456"
	assert contained["Coverage"]["subscriberId"] == "123456789"
	assert contained["Coverage"]["dependent"] == "01"
	assert [d["diagnosisCodeableConcept"]["coding"][0]["code"] for d in data["diagnosis"]] == [
		"J06.9",
		"R50.9",
	]
	assert data["item"][0]["productOrService"]["coding"][0]["code"] == "0190"
	assert data["item"][1]["productOrService"]["coding"][0]["code"] == "700123001"
	assert data["item"][1]["diagnosisSequence"] == [1, 2]
	assert data["item"][1]["unitPrice"]["value"] == 2.28
	assert data["total"] == {"value": 565.6, "currency": "ZAR"}


def response(items, outcome="complete", payment=None, errors=None, notes=None) -> dict:
	data = {
		"resourceType": "ClaimResponse",
		"status": "active",
		"type": {"coding": [{"code": "professional"}]},
		"use": "claim",
		"patient": {"display": "Lerato Dlamini"},
		"created": "2026-12-05",
		"insurer": {"display": "Discovery Health"},
		"outcome": outcome,
		"request": {"identifier": {"value": "HFP-CLM-00001-1"}},
		"item": [
			{
				"itemSequence": n,
				"adjudication": [
					{
						"category": {"coding": [{"code": "submitted"}]},
						"amount": {"value": claimed, "currency": "ZAR"},
					},
					{
						"category": {"coding": [{"code": "benefit"}]},
						"amount": {"value": paid, "currency": "ZAR"},
						**({"reason": {"text": reason}} if reason else {}),
					},
				],
			}
			for n, claimed, paid, reason in items
		],
	}
	if payment:
		data["payment"] = {
			"type": {"coding": [{"code": "complete"}]},
			"amount": {"value": payment, "currency": "ZAR"},
			"date": "2026-12-20",
			"identifier": {"value": "EFT-991"},
		}
	if errors:
		data["error"] = errors
	if notes:
		data["processNote"] = notes
	return data


def test_a_response_is_read_per_line_with_the_reason_for_a_shortfall():
	answer = claims.read_response(
		response([(1, 520, 430.5, "scheme rate"), (2, 45.6, 45.6, None)], payment=476.1), claim()
	)
	assert answer.claim_key == "HFP-CLM-00001-1"
	assert [(r.status, r.paid, r.reason) for r in answer.lines] == [
		("Partly Paid", Decimal("430.50"), "scheme rate"),
		("Paid", Decimal("45.60"), None),
	]
	assert answer.payment == claims.Payment(
		"HFP-CLM-00001-1", Decimal("476.10"), date(2026, 12, 20), "EFT-991"
	)
	assert answer.state == "Partly Paid"


def test_a_rejection_and_an_acknowledgement():
	rejected = claims.read_response(
		response([], outcome="error", errors=[{"code": {"text": "Member not found"}}]), claim()
	)
	assert (rejected.state, rejected.reasons) == ("Rejected", ("Member not found",))
	line_rejected = claims.read_response(
		response([(1, 520, 0, None), (2, 45.6, 0, None)], notes=[{"number": 1, "text": "x"}]), claim()
	)
	assert line_rejected.state == "Rejected"
	assert claims.read_response(response([], outcome="queued"), claim()).state == "Sent"
	accepted = claims.read_response(response([(1, 520, 520, None), (2, 45.6, 45.6, None)]), claim())
	assert accepted.state == "Accepted"  # adjudicated, not paid yet


def test_a_remittance_names_each_claim_paid():
	paid = claims.read_reconciliation(
		{
			"resourceType": "PaymentReconciliation",
			"status": "active",
			"created": "2026-12-20",
			"paymentDate": "2026-12-20",
			"paymentAmount": {"value": 951.1, "currency": "ZAR"},
			"paymentIdentifier": {"value": "EFT-991"},
			"detail": [
				{
					"type": {"text": "payment"},
					"request": {"identifier": {"value": "A-1"}},
					"amount": {"value": 476.1},
				},
				{
					"type": {"text": "payment"},
					"request": {"identifier": {"value": "B-2"}},
					"amount": {"value": 475},
				},
			],
		}
	)
	assert [(p.claim_key, p.amount, p.reference) for p in paid] == [
		("A-1", Decimal("476.10"), "EFT-991"),
		("B-2", Decimal("475.00"), "EFT-991"),
	]


def test_an_id_number_is_checked_or_taken_as_a_passport():
	assert claims.clean_id_number("8001015009087") == "8001015009087"
	assert claims.clean_id_number("800101 5009 087") == "8001015009087"
	assert claims.clean_id_number("a1234567") == "A1234567"
	for bad in ("8001015009088", "8013015009087", "12345", "8001015009", ""):
		with pytest.raises(ValueError):
			claims.clean_id_number(bad)


@pytest.mark.parametrize(
	"clean, value, expected",
	[
		(claims.clean_practice_number, " 012-3456 ", "0123456"),
		(claims.clean_registration, "mp 0123456", "MP0123456"),
		(claims.clean_dependant_code, 1, "01"),
		(claims.clean_dependant_code, "00", "00"),
		(claims.clean_member_number, "123 456-789", "123456789"),
		(claims.clean_vat_number, "4123 456 789", "4123456789"),
		(claims.clean_bank_account, "62-1234-5678", "6212345678"),
		(claims.clean_branch_code, "250 655", "250655"),
		(claims.clean_vat_rate, "15", Decimal("15.00")),
		(claims.clean_vat_rate, 99.99, Decimal("99.99")),
	],
)
def test_an_identifier_is_cleaned(clean, value, expected):
	assert clean(value) == expected


@pytest.mark.parametrize(
	"clean, value",
	[
		(claims.clean_practice_number, "12345678"),
		(claims.clean_registration, "M0123456"),
		(claims.clean_dependant_code, "100"),
		(claims.clean_member_number, "1"),
		(claims.clean_vat_number, "5123456789"),
		(claims.clean_vat_number, "412345678"),
		(claims.clean_bank_account, "12345"),
		(claims.clean_branch_code, "25065"),
		*((claims.clean_vat_rate, bad) for bad in (0, "0", -1, 100, "", None, "abc", "NaN", "Infinity")),
	],
)
def test_a_malformed_identifier_is_refused(clean, value):
	with pytest.raises(ValueError):
		clean(value)
