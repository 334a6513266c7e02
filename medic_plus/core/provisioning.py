"""Provisioning a practice from a registration: the plans, the steps, the short code and
when a failed run is tried again. Pure: no Frappe import.

A registration goes Pending -> Verified (the e-mail code) -> Approved (by the platform
owner, or at once where provisioning is automatic) -> Provisioning -> Active, or Failed
with what went wrong; a failed one is tried again after RETRY_AFTER, at most
MAX_ATTEMPTS runs in all. Each step finds what an earlier run made before it makes
anything, so a run that died half-way is completed by the next and nothing is doubled.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

PENDING, VERIFIED, APPROVED, PROVISIONING, ACTIVE, FAILED = (
	"Pending",
	"Verified",
	"Approved",
	"Provisioning",
	"Active",
	"Failed",
)
STATUSES = (PENDING, VERIFIED, APPROVED, PROVISIONING, ACTIVE, FAILED)
# the platform owner provisions from Desk whatever is not running or done
PROVISIONABLE = frozenset({PENDING, VERIFIED, APPROVED, FAILED})

MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=5)
# a run that has not finished after this long died with its worker
STUCK_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Plan:
	name: str
	max_practitioners: int  # 0: no limit
	online_booking: bool
	fhir: bool
	monthly_price: float = 0.0
	included_visits: int = 0  # visits a month the monthly price covers
	visit_price: float = 0.0  # each visit beyond them; 0: use is not billed


# the plans as a new site has them; the platform owner sets prices and limits in Medic
# Plus Settings (one row a plan, with these names and fields)
PLANS: dict[str, Plan] = {
	"Basic": Plan("Basic", max_practitioners=3, online_booking=True, fhir=True),
	"Professional": Plan("Professional", max_practitioners=10, online_booking=True, fhir=True),
	"Enterprise": Plan("Enterprise", max_practitioners=0, online_booking=True, fhir=True),
}
PLAN_FIELDS = tuple(f for f in Plan.__dataclass_fields__ if f != "name")


def plan_from(name: str, row: Mapping | None) -> Plan | None:
	"""Plan ``name`` as the settings row ``row`` sets it (its defaults where there is no
	row); None for a plan that does not exist."""
	default = PLANS.get(name)
	if default is None:
		return None
	if not row:
		return default
	kinds = {"max_practitioners": int, "included_visits": int, "online_booking": bool, "fhir": bool}
	kinds |= {"monthly_price": float, "visit_price": float}
	values = {f: kinds[f](row[f] or 0) for f in PLAN_FIELDS if row.get(f) is not None}
	return replace(default, **values)


@dataclass(frozen=True)
class UsageCharge:
	visits: int
	included: int
	billed: int  # visits beyond those included
	rate: float

	@property
	def amount(self) -> float:
		return self.billed * self.rate


def usage_charge(plan: Plan, visits: int) -> UsageCharge | None:
	"""What a month's ``visits`` add to the plan's invoice: the visits beyond those the
	plan includes at its price a visit; None where the plan does not bill use or nothing is
	beyond."""
	billed = max(0, visits - max(0, plan.included_visits))
	if plan.visit_price <= 0 or not billed:
		return None
	return UsageCharge(visits, plan.included_visits, billed, plan.visit_price)


STEPS = (
	"company",
	"practice",
	"letter_head",
	"user",
	"practitioner",
	"membership",
	"service_unit",
	"schedule",
	"appointment_type",
	"billing",
)


def steps_for(plan: Plan) -> tuple[str, ...]:
	"""The steps of a run, in order: every practice keeps its own books, so every plan's
	run starts with its company."""
	return STEPS


def short_code(name: str, taken: Callable[[str], bool], length: int = 5) -> str:
	"""A practice's short code from its name ("Green Valley Family Practice" -> "GVFP"):
	the initials, filled up with the first word's letters to at least three, then a number
	where the code is taken ("GVFP2")."""
	words = [w for w in re.split(r"[^A-Za-z0-9]+", name.upper()) if w]
	if not words:
		words = ["PRACTICE"]
	base = "".join(w[0] for w in words)[:length]
	filler = iter("".join(words)[1:])
	while len(base) < 3:
		base += next(filler, "X")
	if not taken(base):
		return base
	for n in range(2, 10**3):
		candidate = f"{base[: 8 - len(str(n))]}{n}"
		if not taken(candidate):
			return candidate
	raise ValueError("no free short code")


def retry_due(status: str, attempts: int, last_attempt: datetime | None, now: datetime) -> bool:
	"""Whether the retry job runs this registration again: failed (or stuck running) long
	enough ago, with runs left."""
	if attempts >= MAX_ATTEMPTS or last_attempt is None:
		return False
	if status == FAILED:
		return now - last_attempt >= RETRY_AFTER
	if status == PROVISIONING:
		return now - last_attempt >= STUCK_AFTER
	return False


def practitioners_allowed(plan: Plan, others: int) -> bool:
	"""Whether one more member who sees patients fits the plan, with ``others`` already."""
	return not plan.max_practitioners or others + 1 <= plan.max_practitioners
