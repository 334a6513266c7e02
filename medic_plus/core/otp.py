"""One-time codes for guest booking: issue, verify, and the budgets around them.

Pure: the codes come from ``secrets``; state lives in a small key-value store passed in
(Redis through Frappe's cache on a site, a dict in the unit tests).

- 6 digits, stored only as a keyed hash (HMAC-SHA256 with the site secret), with a TTL;
- compared in constant time, single use, dead after ``max_attempts`` wrong tries;
- send budgets per identifier (e-mail or mobile) and per IP address.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Protocol

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
MOBILE_RE = re.compile(r"^\+?[0-9]{7,15}$")


class Store(Protocol):
	def get(self, key: str) -> dict | None: ...
	def set(self, key: str, value: dict, ttl: int) -> None: ...
	def delete(self, key: str) -> None: ...
	def incr(self, key: str, ttl: int) -> int: ...


@dataclass(frozen=True)
class OTPPolicy:
	digits: int = 6
	ttl: int = 600  # seconds a code lives
	max_attempts: int = 5  # wrong tries before the code dies
	sends_per_identifier: int = 3  # codes sent to one address ...
	sends_per_ip: int = 10  # ... and from one IP address ...
	send_window: int = 3600  # ... per this many seconds


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


def _key(scope: str, identifier: str) -> str:
	return "medic_plus:otp:" + hashlib.sha256(f"{scope}:{identifier}".encode()).hexdigest()


def issue(
	store: Store, secret: str, scope: str, identifier: str, ip: str | None, policy: OTPPolicy = POLICY
) -> str:
	"""A new code for ``identifier`` within ``scope`` (e.g. the practice); replaces any
	earlier one. Raises SendBudgetExceeded when the identifier or the IP asked too often."""
	id_count = store.incr(_key(scope, identifier) + ":sends", policy.send_window)
	ip_count = store.incr(
		"medic_plus:otp-ip:" + hashlib.sha256((ip or "-").encode()).hexdigest(), policy.send_window
	)
	if id_count > policy.sends_per_identifier or ip_count > policy.sends_per_ip:
		raise SendBudgetExceeded()
	code = f"{secrets.randbelow(10**policy.digits):0{policy.digits}d}"
	store.set(_key(scope, identifier), {"hash": _digest(secret, scope, code), "attempts": 0}, policy.ttl)
	return code


def verify(
	store: Store, secret: str, scope: str, identifier: str, code: str, policy: OTPPolicy = POLICY
) -> None:
	"""Accept ``code`` once; raise InvalidCode otherwise. Each wrong try counts; at
	``max_attempts`` the code is dead even for the right digits."""
	key = _key(scope, identifier)
	record = store.get(key)
	code = (code or "").strip()
	if not record:
		raise InvalidCode()
	if record.get("attempts", 0) >= policy.max_attempts:
		store.delete(key)
		raise InvalidCode()
	expected = record["hash"]
	if not (
		len(code) == policy.digits
		and code.isdigit()
		and hmac.compare_digest(expected, _digest(secret, scope, code))
	):
		record["attempts"] = record.get("attempts", 0) + 1
		if record["attempts"] >= policy.max_attempts:
			store.delete(key)
		else:
			store.set(key, record, policy.ttl)
		raise InvalidCode()
	store.delete(key)


class MemoryStore:
	"""A dict-backed Store with a clock, for tests and single-process use."""

	def __init__(self, clock=None):
		import time

		self._clock = clock or time.monotonic
		self._data: dict[str, tuple[object, float]] = {}

	def _live(self, key):
		item = self._data.get(key)
		if item and item[1] > self._clock():
			return item[0]
		self._data.pop(key, None)
		return None

	def get(self, key):
		value = self._live(key)
		return dict(value) if isinstance(value, dict) else None

	def set(self, key, value, ttl):
		self._data[key] = (dict(value), self._clock() + ttl)

	def delete(self, key):
		self._data.pop(key, None)

	def incr(self, key, ttl):
		value = self._live(key)
		count = (value or 0) + 1
		expires = self._data[key][1] if value else self._clock() + ttl
		self._data[key] = (count, expires)
		return count
