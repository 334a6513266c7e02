"""One-time codes for guest booking: issue, reserve, burn or release, and the budgets
around them.

Pure: the codes come from ``secrets``; state lives in a small store passed in (Redis
through Lua scripts on a site, a dict behind a lock in the unit tests). Every step that
reads and writes the store is one atomic call of the store, so parallel requests cannot
race it:

- 6 digits, stored only as a keyed hash (HMAC-SHA256 with the site secret), with a TTL;
- each try is counted before it is judged: at most ``max_attempts`` tries are ever
  evaluated, and the code is dead after them, even for the right digits;
- the right code is *reserved*, not spent: the booking burns it when it commits, and
  releases it (with its remaining tries) when it fails; a hold lapses after
  ``hold_seconds`` (its booking's worker died before either), and the code is usable again;
- send budgets per identifier across all practices, per practice, per IP address and
  per site for SMS; they are taken all or nothing, so a refused request uses up nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
MOBILE_RE = re.compile(r"^\+?[0-9]{7,15}$")


class Outcome(str, Enum):
	RESERVED = "reserved"  # the right code: now held for one booking
	WRONG = "wrong"  # a counted wrong try
	DEAD = "dead"  # no tries left: the code is gone
	MISSING = "missing"  # no code (never sent, expired, spent)
	BUSY = "busy"  # held by a booking in progress


@dataclass(frozen=True)
class Budget:
	key: str
	limit: int
	window: int  # seconds


class Store(Protocol):
	def take(self, budgets: Sequence[Budget]) -> bool:
		"""If every budget's count is below its limit, count one more on each (a new
		counter expires after its window) and answer True; otherwise change nothing."""

	def put_code(self, key: str, digest: str, ttl: int) -> None:
		"""Store a new code (replacing any earlier one) with no tries used."""

	def try_code(self, key: str, digest: str, max_attempts: int, hold_seconds: int) -> Outcome:
		"""Count one try, then judge it; the right code is reserved for ``hold_seconds``
		(a hold older than that lapses: released, its try refunded)."""

	def burn(self, key: str) -> None:
		"""Spend a reserved code."""

	def release(self, key: str) -> None:
		"""Give a reserved code back, with the try that reserved it refunded."""


@dataclass(frozen=True)
class OTPPolicy:
	digits: int = 6
	ttl: int = 600  # seconds a code lives
	max_attempts: int = 5  # tries evaluated before the code dies
	# a held code lapses after this: longer than any booking may run (a web worker is
	# killed by gunicorn after 120 s), so only the hold of a dead worker lapses
	hold_seconds: int = 150
	sends_per_identifier: int = 3  # codes sent to one address or number, all practices together ...
	sends_per_ip: int = 10  # ... from one IP address ...
	sends_per_practice: int = 300  # ... for one practice ...
	send_window: int = 3600  # ... per this many seconds
	sms_per_site: int = 500  # text messages of the whole site ...
	sms_window: int = 86400  # ... per this many seconds


POLICY = OTPPolicy()


class OTPError(Exception):
	"""Base of the OTP errors; ``reason`` is a short English sentence for the user."""

	reason = "The code is not valid."


class SendBudgetExceeded(OTPError):
	reason = "Too many codes were requested. Please wait a while and try again."


class InvalidCode(OTPError):
	reason = "The code is not valid or has expired. Please request a new one."


def normalise_email(value: str | None) -> str | None:
	value = (value or "").strip().lower()
	return value if value and len(value) <= 140 and EMAIL_RE.match(value) else None


def normalise_mobile(value: str | None) -> str | None:
	value = re.sub(r"[\s().-]", "", value or "")
	return value if MOBILE_RE.match(value) else None


def _digest(secret: str, scope: str, code: str) -> str:
	return hmac.new(secret.encode(), f"{scope}:{code}".encode(), hashlib.sha256).hexdigest()


def _hash(*parts: str) -> str:
	return hashlib.sha256(":".join(parts).encode()).hexdigest()


def code_key(scope: str, identifier: str) -> str:
	return "medic_plus:otp:" + _hash(scope, identifier)


def send_budgets(
	scope: str, identifier: str, ip: str | None, sms: bool = False, policy: OTPPolicy = POLICY
) -> list[Budget]:
	"""What one code costs: the identifier's budget is the person's, whatever practice asks."""
	budgets = [
		Budget("medic_plus:otp-to:" + _hash(identifier), policy.sends_per_identifier, policy.send_window),
		Budget("medic_plus:otp-ip:" + _hash(ip or "-"), policy.sends_per_ip, policy.send_window),
		Budget("medic_plus:otp-practice:" + _hash(scope), policy.sends_per_practice, policy.send_window),
	]
	if sms:
		budgets.append(Budget("medic_plus:otp-sms-site", policy.sms_per_site, policy.sms_window))
	return budgets


def issue(
	store: Store,
	secret: str,
	scope: str,
	identifier: str,
	ip: str | None,
	policy: OTPPolicy = POLICY,
	sms: bool = False,
) -> str:
	"""A new code for ``identifier`` within ``scope`` (the practice); replaces any earlier
	one. Raises SendBudgetExceeded, having taken nothing, when any budget is spent."""
	if not store.take(send_budgets(scope, identifier, ip, sms, policy)):
		raise SendBudgetExceeded()
	code = f"{secrets.randbelow(10**policy.digits):0{policy.digits}d}"
	store.put_code(code_key(scope, identifier), _digest(secret, scope, code), policy.ttl)
	return code


def reserve(
	store: Store, secret: str, scope: str, identifier: str, code: str, policy: OTPPolicy = POLICY
) -> str:
	"""Hold the right ``code`` for one booking and return its key (for ``burn`` or
	``release``); raise InvalidCode otherwise. Every call counts as one try."""
	code = (code or "").strip()[:32]
	outcome = store.try_code(
		code_key(scope, identifier), _digest(secret, scope, code), policy.max_attempts, policy.hold_seconds
	)
	if outcome is not Outcome.RESERVED:
		raise InvalidCode()
	return code_key(scope, identifier)


def verify(
	store: Store, secret: str, scope: str, identifier: str, code: str, policy: OTPPolicy = POLICY
) -> None:
	"""Accept ``code`` once and spend it; raise InvalidCode otherwise."""
	store.burn(reserve(store, secret, scope, identifier, code, policy))


class MemoryStore:
	"""A dict-backed Store with a clock and a lock, for tests and single-process use."""

	def __init__(self, clock=None):
		import time

		self._clock = clock or time.monotonic
		self._lock = threading.Lock()
		self._data: dict[str, tuple[object, float]] = {}

	def _live(self, key):
		item = self._data.get(key)
		if item and item[1] > self._clock():
			return item[0]
		self._data.pop(key, None)
		return None

	def take(self, budgets):
		with self._lock:
			if any((self._live(b.key) or 0) >= b.limit for b in budgets):
				return False
			for b in budgets:
				count = self._live(b.key)
				expires = self._data[b.key][1] if count else self._clock() + b.window
				self._data[b.key] = ((count or 0) + 1, expires)
			return True

	def put_code(self, key, digest, ttl):
		with self._lock:
			self._data[key] = ({"hash": digest, "attempts": 0, "held": 0}, self._clock() + ttl)

	def try_code(self, key, digest, max_attempts, hold_seconds):
		with self._lock:
			record = self._live(key)
			if not record:
				return Outcome.MISSING
			if record["held"] > self._clock():
				return Outcome.BUSY
			if record["held"]:  # a lapsed hold: given back
				record["held"] = 0
				record["attempts"] -= 1
			record["attempts"] += 1
			if record["attempts"] > max_attempts:
				self._data.pop(key, None)
				return Outcome.DEAD
			if hmac.compare_digest(record["hash"], digest):
				record["held"] = self._clock() + hold_seconds
				return Outcome.RESERVED
			if record["attempts"] >= max_attempts:
				self._data.pop(key, None)
			return Outcome.WRONG

	def burn(self, key):
		with self._lock:
			self._data.pop(key, None)

	def release(self, key):
		with self._lock:
			if (record := self._live(key)) and record["held"]:
				record["held"] = 0
				record["attempts"] -= 1
