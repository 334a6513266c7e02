"""A minimal iCalendar (RFC 5545) event for booking confirmations. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def _escape(text: str) -> str:
	return (
		(text or "")
		.replace("\\", "\\\\")
		.replace(";", "\\;")
		.replace(",", "\\,")
		.replace("\r\n", "\\n")
		.replace("\n", "\\n")
	)


def _fold(line: str) -> str:
	"""Lines longer than 75 octets are folded (RFC 5545 3.1)."""
	raw = line.encode()
	if len(raw) <= 75:
		return line
	parts, current = [], b""
	for ch in line:
		b = ch.encode()
		if len(current) + len(b) > (75 if not parts else 74):
			parts.append(current.decode())
			current = b""
		current += b
	parts.append(current.decode())
	return "\r\n ".join(parts)


def event(
	uid: str,
	start_local: datetime,
	duration_minutes: int,
	tz: str,
	summary: str,
	location: str = "",
	description: str = "",
	stamp_utc: datetime | None = None,
	cancelled: bool = False,
	url: str = "",
) -> str:
	"""An VCALENDAR with one VEVENT, times in UTC."""
	start = start_local.replace(tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))
	end = start + timedelta(minutes=duration_minutes)
	stamp = (stamp_utc or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo("UTC"))
	fmt = "%Y%m%dT%H%M%SZ"
	lines = [
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//medic_plus//booking//EN",
		"CALSCALE:GREGORIAN",
		"METHOD:" + ("CANCEL" if cancelled else "PUBLISH"),
		"BEGIN:VEVENT",
		f"UID:{_escape(uid)}",
		f"DTSTAMP:{stamp.strftime(fmt)}",
		f"DTSTART:{start.strftime(fmt)}",
		f"DTEND:{end.strftime(fmt)}",
		f"SUMMARY:{_escape(summary)}",
	]
	if location:
		lines.append(f"LOCATION:{_escape(location)}")
	if description:
		lines.append(f"DESCRIPTION:{_escape(description)}")
	if url:  # a video visit's join page (RFC 5545 3.8.4.6: a URI, not escaped as text)
		lines.append(f"URL:{url}")
	lines += ["STATUS:" + ("CANCELLED" if cancelled else "CONFIRMED"), "END:VEVENT", "END:VCALENDAR"]
	return "\r\n".join(_fold(line) for line in lines) + "\r\n"
