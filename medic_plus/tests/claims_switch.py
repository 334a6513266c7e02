"""A small FHIR R4 claims switch for the tests and the benchmark: a real HTTP server on a
loopback port that adjudicates claims by rules, and can be down, slow, drop requests or
lose an answer after it has adjudicated.

No Frappe import (the unit tests use it too). It keeps every claim it adjudicated by its
``Idempotency-Key``: the same key again gets the same answer, adjudicated once.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler

from medic_plus.tests.loopback import LoopbackServer


@dataclass
class Rules:
	rates: dict[str, Decimal] = field(default_factory=dict)  # tariff (or NAPPI) code -> scheme rate a unit
	rejected_codes: dict[str, str] = field(default_factory=dict)  # code -> reason
	unknown_members: set[str] = field(default_factory=set)
	pay_at_once: bool = False  # a payment in the ClaimResponse itself


class ClaimsSwitch(LoopbackServer):
	def __init__(self, rules: Rules | None = None):
		self.rules = rules or Rules()
		self.down = False
		self.slow = 0.0  # seconds before each answer
		self.drop_every = 0  # drop (close without an answer) every n-th claim request
		self.lose_next_answer = False  # adjudicate, then close without answering, once
		self.answers: dict[str, dict] = {}  # idempotency key -> ClaimResponse
		self.remittances: list[dict] = []
		self.adjudicated = 0
		self.requests = 0
		self.in_flight = 0  # requests being answered (a slow answer goes on after its client left)
		self._lock = threading.Lock()
		super().__init__(self._handler())

	@property
	def url(self) -> str:
		return f"http://127.0.0.1:{self.port}/fhir"

	def settle(self, timeout: float = 10.0) -> None:
		"""Wait until every request taken has been answered (or dropped)."""
		deadline = time.monotonic() + timeout
		while self.in_flight and time.monotonic() < deadline:
			time.sleep(0.05)

	# --- adjudication -------------------------------------------------------------------

	def adjudicate(self, claim: dict, key: str) -> dict:
		coverage = next((c for c in claim.get("contained", []) if c.get("resourceType") == "Coverage"), {})
		response = {
			"resourceType": "ClaimResponse",
			"id": f"cr-{len(self.answers) + 1}",
			"status": "active",
			"type": claim.get("type") or {"coding": [{"code": "professional"}]},
			"use": "claim",
			"patient": {"display": "the patient"},
			"created": time.strftime("%Y-%m-%d"),
			"insurer": claim.get("insurer") or {"display": "scheme"},
			"request": {"identifier": {"value": key}},
			"outcome": "complete",
		}
		if coverage.get("subscriberId") in self.rules.unknown_members:
			response["outcome"] = "error"
			response["error"] = [{"code": {"text": "Member not found"}}]
			return response
		items, paid_total = [], Decimal(0)
		for item in claim.get("item", []):
			code = item["productOrService"]["coding"][0]["code"]
			net = Decimal(str(item["net"]["value"]))
			quantity = Decimal(str(item.get("quantity", {}).get("value", 1)))
			reason = self.rules.rejected_codes.get(code)
			if reason:
				paid = Decimal(0)
			elif code in self.rules.rates:
				paid = min(net, self.rules.rates[code] * quantity)
				reason = "paid at the scheme's rate" if paid < net else None
			else:
				paid = net
			paid_total += paid
			benefit = {
				"category": {"coding": [{"code": "benefit"}]},
				"amount": {"value": float(paid), "currency": "ZAR"},
			}
			if reason:
				benefit["reason"] = {"text": reason}
			items.append(
				{
					"itemSequence": item["sequence"],
					"adjudication": [
						{
							"category": {"coding": [{"code": "submitted"}]},
							"amount": {"value": float(net), "currency": "ZAR"},
						},
						benefit,
					],
				}
			)
		response["item"] = items
		if self.rules.pay_at_once and paid_total > 0:
			response["payment"] = {
				"type": {"coding": [{"code": "complete"}]},
				"amount": {"value": float(paid_total), "currency": "ZAR"},
				"date": time.strftime("%Y-%m-%d"),
				"identifier": {"value": f"EFT-{key}"},
			}
		return response

	def remit(self, payments: list[tuple[str, Decimal]], reference: str) -> dict:
		"""A remittance (PaymentReconciliation) of ``payments`` (claim key, amount)."""
		remittance = {
			"resourceType": "PaymentReconciliation",
			"id": f"pr-{len(self.remittances) + 1}",
			"status": "active",
			"created": time.strftime("%Y-%m-%d"),
			"paymentDate": time.strftime("%Y-%m-%d"),
			"paymentAmount": {"value": float(sum(a for _k, a in payments)), "currency": "ZAR"},
			"paymentIdentifier": {"value": reference},
			"detail": [
				{
					"type": {"text": "payment"},
					"request": {"identifier": {"value": k}},
					"amount": {"value": float(a)},
				}
				for k, a in payments
			],
		}
		self.remittances.append(remittance)
		return remittance

	# --- HTTP ---------------------------------------------------------------------------

	def _handler(self):
		switch = self

		class Handler(BaseHTTPRequestHandler):
			def log_message(self, *args):
				pass

			def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
				data = json.dumps(body).encode()
				self.send_response(status)
				self.send_header("Content-Type", "application/fhir+json")
				self.send_header("Content-Length", str(len(data)))
				for k, v in (headers or {}).items():
					self.send_header(k, v)
				self.end_headers()
				self.wfile.write(data)

			def _outcome(self, status: int, text: str, headers: dict | None = None) -> None:
				self._send(
					status,
					{
						"resourceType": "OperationOutcome",
						"issue": [{"severity": "error", "code": "processing", "diagnostics": text}],
					},
					headers,
				)

			def _drop(self) -> None:
				self.close_connection = True
				self.connection.close()

			def do_POST(self):
				with switch._lock:
					switch.in_flight += 1
				try:
					self._post()
				finally:
					with switch._lock:
						switch.in_flight -= 1

			def _post(self):
				claim = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
				with switch._lock:
					switch.requests += 1
					n = switch.requests
				if switch.down:
					return self._outcome(503, "the switch is down for maintenance", {"Retry-After": "1"})
				if switch.drop_every and n % switch.drop_every == 0:
					return self._drop()
				if switch.slow:
					time.sleep(switch.slow)
				key = self.headers.get("Idempotency-Key")
				if not self.path.endswith("/Claim") or not key:
					return self._outcome(400, "a claim goes to /Claim with an Idempotency-Key")
				if claim.get("resourceType") != "Claim" or not claim.get("item"):
					return self._outcome(400, "not a Claim with items")
				with switch._lock:
					answer = switch.answers.get(key)
					if answer is None:
						answer = switch.answers[key] = switch.adjudicate(claim, key)
						switch.adjudicated += 1
					lose = switch.lose_next_answer
					switch.lose_next_answer = False
				if lose:
					return self._drop()
				self._send(200, answer)

			def do_GET(self):
				if switch.down:
					return self._outcome(503, "the switch is down for maintenance", {"Retry-After": "1"})
				if "/PaymentReconciliation" not in self.path:
					return self._outcome(404, "unknown")
				self._send(
					200,
					{
						"resourceType": "Bundle",
						"type": "searchset",
						"entry": [{"resource": r} for r in switch.remittances],
					},
				)

		return Handler
