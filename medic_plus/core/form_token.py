"""A cheap check that a human filled the public booking form, with no third party. Pure.

The page carries a signed token with the time it was served; a request is refused when
it comes sooner than ``min_seconds`` after that (no person fills the form that fast),
when the token is older than ``max_seconds``, forged or already used, or when the
hidden honeypot field was filled. Every refusal is the same ``NotAccepted``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

VERSION = "v1"
MIN_SECONDS = 3
MAX_SECONDS = 2 * 3600


class NotAccepted(ValueError):
	reason = "Please reload the page and try again."


def _sign(secret: str, payload: str) -> str:
	return hmac.new(secret.encode(), f"form:{payload}".encode(), hashlib.sha256).hexdigest()[:32]


def make(secret: str, now: float, nonce: str | None = None) -> str:
	payload = f"{VERSION}.{int(now)}.{nonce or secrets.token_urlsafe(12)}"
	return f"{payload}.{_sign(secret, payload)}"


def check(
	secret: str,
	token: str | None,
	now: float,
	honeypot: str | None = None,
	min_seconds: int = MIN_SECONDS,
	max_seconds: int = MAX_SECONDS,
) -> str:
	"""The token's nonce (to be marked used by the caller), or NotAccepted."""
	if honeypot:
		raise NotAccepted()
	parts = (token or "").split(".")
	if len(parts) != 4 or parts[0] != VERSION or len(token) > 128:
		raise NotAccepted()
	payload, signature = ".".join(parts[:3]), parts[3]
	if not hmac.compare_digest(signature, _sign(secret, payload)):
		raise NotAccepted()
	try:
		issued = int(parts[1])
	except ValueError:
		raise NotAccepted() from None
	if not (min_seconds <= now - issued <= max_seconds):
		raise NotAccepted()
	return parts[2]
