"""The claims switch client against a real HTTP switch on a loopback port: a claim
answered, a switch that is down, slow, drops the connection or loses its answer, a claim
refused with its reason, the same claim never adjudicated twice, and remittances read."""

from datetime import date
from decimal import Decimal

import pytest

from medic_plus.billing.switch_client import Switch, fetch_remittances, send_claim
from medic_plus.core import claims
from medic_plus.tests.claims_switch import ClaimsSwitch, Rules
from tests.unit.test_claims import claim as make_claim

TODAY = date(2026, 12, 5)


@pytest.fixture
def switch():
	with ClaimsSwitch(Rules(rates={"0190": Decimal("430.50")})) as running:
		yield running


def fhir(c=None) -> dict:
	return claims.to_fhir(c or make_claim(), TODAY).model_dump(mode="json", exclude_none=True)


def client(switch, timeout=5.0) -> Switch:
	return Switch(switch.url, "practice", "s3cret", timeout)


def test_a_claim_is_answered_line_by_line(switch):
	c = make_claim()
	exchange = send_claim(client(switch), fhir(c), c.key)
	assert (exchange.outcome, exchange.status) == ("answered", 200)
	answer = claims.read_response(exchange.body, c)
	assert [(r.status, r.paid) for r in answer.lines] == [
		("Partly Paid", Decimal("430.50")),
		("Paid", Decimal("45.60")),
	]
	assert answer.lines[0].reason == "paid at the scheme's rate"
	assert '"identifier":[{"system":"urn:medic-plus/claim","value":"HFP-CLM-00001-1"}]' in exchange.request


def test_a_switch_that_is_down_is_tried_again_after_it_says(switch):
	switch.down = True
	exchange = send_claim(client(switch), fhir(), "K-1")
	assert (exchange.outcome, exchange.status, exchange.retry_after) == ("retry", 503, 1)
	assert "down for maintenance" in exchange.error
	switch.down = False
	assert send_claim(client(switch), fhir(), "K-1").outcome == "answered"
	assert switch.adjudicated == 1


def test_a_slow_switch_times_out_and_the_claim_waits(switch):
	switch.slow = 1.0
	exchange = send_claim(client(switch, timeout=0.2), fhir(), "K-2")
	assert exchange.outcome == "retry"
	assert "no answer within 0.2 s" in exchange.error


def test_a_lost_answer_is_asked_for_again_and_the_claim_adjudicated_once(switch):
	switch.lose_next_answer = True
	first = send_claim(client(switch), fhir(), "K-3")
	assert first.outcome == "retry"
	second = send_claim(client(switch), fhir(), "K-3")
	third = send_claim(client(switch), fhir(), "K-3")
	assert second.outcome == third.outcome == "answered"
	assert second.body == third.body
	assert switch.adjudicated == 1


def test_a_dropped_connection_is_a_retry(switch):
	switch.drop_every = 1
	assert send_claim(client(switch), fhir(), "K-4").outcome == "retry"


def test_a_claim_the_switch_will_not_take_is_refused_with_its_reason(switch):
	exchange = send_claim(client(switch), {"resourceType": "Claim"}, "K-5")
	assert (exchange.outcome, exchange.status) == ("refused", 400)
	assert exchange.error == "not a Claim with items"


def test_an_unknown_member_is_a_rejected_claim(switch):
	switch.rules.unknown_members.add("123456789")
	c = make_claim()
	answer = claims.read_response(send_claim(client(switch), fhir(c), c.key).body, c)
	assert (answer.state, answer.reasons) == ("Rejected", ("Member not found",))


def test_no_switch_there_is_a_retry():
	exchange = send_claim(Switch("http://127.0.0.1:9/fhir", timeout=1), fhir(), "K-6")
	assert exchange.outcome == "retry"
	assert "ConnectionError" in exchange.error


def test_remittances_are_read(switch):
	switch.remit([("HFP-CLM-00001-1", Decimal("476.10"))], "EFT-1")
	found = fetch_remittances(client(switch), "2026-12-01")
	payments = [p for r in found for p in claims.read_reconciliation(r)]
	assert [(p.claim_key, p.amount, p.reference) for p in payments] == [
		("HFP-CLM-00001-1", Decimal("476.10"), "EFT-1")
	]
