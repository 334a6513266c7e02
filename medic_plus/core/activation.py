"""The activation link a new practice's doctor gets: a random key sent once, kept only as
its hash, good for one use within ACTIVATION_TTL. Pure: no Frappe import."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

ACTIVATION_TTL = timedelta(hours=12)

INVALID, USED, EXPIRED = "invalid", "used", "expired"


def new_key() -> str:
	"""A key of 256 random bits, URL-safe."""
	return secrets.token_urlsafe(32)


def digest(key: str) -> str:
	"""What is stored of a key: its SHA-256."""
	return hashlib.sha256((key or "").encode()).hexdigest()


def refusal(found: bool, used_on: datetime | None, expires_on: datetime | None, now: datetime) -> str | None:
	"""Why a key (looked up by its digest) does not activate, or None when it does."""
	if not found:
		return INVALID
	if used_on:
		return USED
	if not expires_on or now > expires_on:
		return EXPIRED
	return None
