"""The claims switch client: a claim out as a FHIR R4 ``Claim``, its ``ClaimResponse``
back, and remittances (``PaymentReconciliation``) read, over ``requests``.

No Frappe import: the caller passes the switch's settings and keeps what each exchange
says (``Exchange``) on the claim. Every claim goes with its key in an ``Idempotency-Key``
header (the claim's number and version): a switch that sees a key again answers what it
answered the first time and never pays twice, so a claim whose answer was lost (a timeout,
a dropped connection) is simply sent again. What an answer means for the claim:

- ``answered``: the switch took the claim and said what it makes of it (the ``ClaimResponse``);
- ``retry``: the switch could not be reached, timed out, was busy or failed (408, 409, 425,
  429, 5xx): send again later, after ``retry_after`` seconds where it said so;
- ``refused``: the switch will not take the claim as it is (another 4xx, with its
  ``OperationOutcome``): a person corrects it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import requests

FHIR_JSON = "application/fhir+json"
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Switch:
	endpoint: str  # the FHIR base URL, without a trailing slash
	username: str | None = None
	password: str | None = None
	timeout: float = 20.0


@dataclass
class Exchange:
	"""One request to the switch and what came of it, as kept on the claim."""

	outcome: str  # answered, retry, refused
	request: str
	status: int | None = None
	answer: str | None = None
	error: str | None = None
	seconds: float = 0.0
	retry_after: int | None = None
	body: dict | None = field(default=None, repr=False)


def _session(switch: Switch) -> requests.Session:
	session = requests.Session()
	if switch.username:
		session.auth = (switch.username, switch.password or "")
	session.headers.update({"Accept": FHIR_JSON, "Content-Type": FHIR_JSON})
	return session


def _retry_after(response: requests.Response) -> int | None:
	value = response.headers.get("Retry-After", "")
	return int(value) if value.isdigit() else None


def _reason(body: Mapping | None, response: requests.Response) -> str:
	"""What an OperationOutcome says (its issues' text), else the HTTP status."""
	issues = (body or {}).get("issue") or []
	texts = [
		i.get("diagnostics") or (i.get("details") or {}).get("text") or i.get("code") or "" for i in issues
	]
	return "; ".join(t for t in texts if t) or f"HTTP {response.status_code} {response.reason}"


def send_claim(switch: Switch, claim: Mapping, key: str) -> Exchange:
	"""POST the claim (FHIR JSON) to ``<endpoint>/Claim`` with its idempotency key."""
	sent = json.dumps(claim, separators=(",", ":"))
	started = time.monotonic()
	try:
		response = _session(switch).post(
			f"{switch.endpoint}/Claim",
			data=sent.encode(),
			headers={"Idempotency-Key": key},
			timeout=switch.timeout,
		)
	except requests.Timeout:
		return Exchange("retry", sent, error=f"no answer within {switch.timeout:g} s", seconds=switch.timeout)
	except requests.RequestException as e:
		return Exchange("retry", sent, error=f"{type(e).__name__}: {e}", seconds=time.monotonic() - started)
	seconds = time.monotonic() - started
	try:
		body = response.json()
	except ValueError:
		body = None
	exchange = Exchange(
		"answered", sent, response.status_code, response.text[:100_000], seconds=seconds, body=body
	)
	if response.status_code in RETRY_STATUSES:
		exchange.outcome, exchange.error = "retry", _reason(body, response)
		exchange.retry_after = _retry_after(response)
	elif response.status_code >= 400:
		exchange.outcome, exchange.error = "refused", _reason(body, response)
	elif not body or body.get("resourceType") != "ClaimResponse":
		exchange.outcome, exchange.error = "retry", "the switch's answer is not a ClaimResponse"
	return exchange


def fetch_remittances(switch: Switch, since: str) -> list[dict]:
	"""The ``PaymentReconciliation`` resources the switch made since ``since`` (a FHIR
	date), following the search bundle's ``next`` links. Raises ``requests`` errors."""
	session = _session(switch)
	url = f"{switch.endpoint}/PaymentReconciliation"
	params: dict | None = {"created": f"ge{since}"}
	found = []
	while url:
		response = session.get(url, params=params, timeout=switch.timeout)
		response.raise_for_status()
		bundle = response.json()
		found += [
			e["resource"]
			for e in bundle.get("entry") or []
			if (e.get("resource") or {}).get("resourceType") == "PaymentReconciliation"
		]
		url = next((link["url"] for link in bundle.get("link") or [] if link.get("relation") == "next"), None)
		params = None
	return found
