"""Video visits on a Jitsi Meet server: a visit's room, when its door is open, and the
short-lived token a participant joins a self-hosted Jitsi (JWT authentication) with.

Pure: no Frappe import; the token is an HS256 JSON Web Token built with the standard
library, in the claims Jitsi's token module reads (``aud``, ``iss``, ``sub``, ``room``,
``context.user``, ``moderator``, ``nbf``, ``exp``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

EARLY = timedelta(minutes=10)  # the door opens this long before the start
GRACE = timedelta(minutes=30)  # and closes this long after the planned end
TOKEN_LIFE = timedelta(hours=2)
# the appointment statuses in which a video visit can still take place
LIVE = ("Scheduled", "Confirmed", "Open", "Checked In")


def room_name(secret: str, appointment: str, start: datetime) -> str:
	"""The visit's room: unguessable without the site's secret, the same for the patient and
	the doctor, nothing of the appointment readable in it, and another room once the visit
	moves to another time (the old room's address leads nowhere)."""
	key = f"video-room|{appointment}|{start.replace(tzinfo=None).isoformat(timespec='minutes')}"
	digest = hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()
	return f"mp-{digest[:32]}"


def closes_at(start: datetime, minutes: int) -> datetime:
	"""When the visit's door closes."""
	return start + timedelta(minutes=minutes or 0) + GRACE


def token_life(start: datetime, minutes: int, now: datetime) -> timedelta:
	"""How long a token issued ``now`` lives: TOKEN_LIFE, and never past the door's closing."""
	return max(timedelta(0), min(TOKEN_LIFE, closes_at(start, minutes) - now))


def clean_server(url: str | None) -> str | None:
	"""A Jitsi server's address as the app uses it (``https://host[/path]`` without the
	trailing slash), None for none; ValueError for anything that is not an https address
	(plain http only on this machine's own loopback, for a test server)."""
	from urllib.parse import urlsplit

	url = (url or "").strip()
	if not url:
		return None
	parts = urlsplit(url)
	local = parts.hostname in ("localhost", "127.0.0.1", "::1")
	if parts.scheme not in ("https", "http") or not parts.hostname or (parts.scheme == "http" and not local):
		raise ValueError("not an https address")
	if parts.query or parts.fragment or parts.username or parts.password:
		raise ValueError("not a plain server address")
	if not re.fullmatch(r"[a-z0-9.-]+|[0-9a-f:.]+", parts.hostname or "") or not re.fullmatch(
		r"[\w./%~-]*", parts.path
	):
		raise ValueError("not a host name")
	return url.rstrip("/")


def door(start: datetime, minutes: int, now: datetime) -> str:
	"""'early' (come back at start - EARLY), 'open', or 'closed' (the visit is over)."""
	if now < start - EARLY:
		return "early"
	if now > closes_at(start, minutes):
		return "closed"
	return "open"


def link_alive(status: str | None, start: datetime, minutes: int, now: datetime) -> bool:
	"""Whether the visit's join link works: not cancelled, moved away (the caller checks the
	time it was issued for), finished, or past."""
	return status in LIVE and door(start, minutes, now) != "closed"


def _b64(data: bytes) -> str:
	return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(
	app_id: str,
	secret: str,
	domain: str,
	room: str,
	name: str,
	email: str | None,
	moderator: bool,
	now: datetime,
	life: timedelta = TOKEN_LIFE,
) -> str:
	"""A participant's token for one room, valid from a minute ago for ``life``."""
	moment = int(now.astimezone(timezone.utc).timestamp()) if now.tzinfo else int(now.timestamp())
	claims = {
		"aud": "jitsi",
		"iss": app_id,
		"sub": domain,
		"room": room,
		"nbf": moment - 60,
		"exp": moment + int(life.total_seconds()),
		"moderator": moderator,
		"context": {"user": {k: v for k, v in {"name": name, "email": email}.items() if v}},
	}
	header = {"alg": "HS256", "typ": "JWT"}
	signing = f"{_b64(json.dumps(header, separators=(',', ':')).encode())}.{_b64(json.dumps(claims, separators=(',', ':')).encode())}"
	signature = hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest()
	return f"{signing}.{_b64(signature)}"


def claims_of(value: str, secret: str, now: datetime) -> dict | None:
	"""The claims of a token this module signed with ``secret`` and still valid at ``now``,
	else None."""
	try:
		signing, _dot, signature = value.rpartition(".")
		expected = _b64(hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest())
		if not hmac.compare_digest(expected, signature):
			return None
		payload = signing.split(".")[1]
		claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
	except (ValueError, IndexError):
		return None
	moment = int(now.astimezone(timezone.utc).timestamp()) if now.tzinfo else int(now.timestamp())
	return claims if claims.get("nbf", 0) <= moment < claims.get("exp", 0) else None


def join_url(server: str, room: str, jwt: str | None = None) -> str:
	"""The address a participant opens: the server's room, with the token where the server
	wants one."""
	url = f"{server.rstrip('/')}/{quote(room)}"
	return f"{url}?jwt={jwt}" if jwt else url
