"""Validation rules for practices: pure functions, no Frappe import.

Each rule returns an error key (a short English sentence, translated by the caller)
or ``None`` when the value is acceptable, so the same rules serve the Practice
controller, the booking API and the unit tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
SHORT_CODE_RE = re.compile(r"^[A-Z0-9]{3,8}$")
BRAND_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")

SLUG_MIN, SLUG_MAX = 3, 63

# Words that collide with Frappe routes, website pages or the app's own paths.
RESERVED_SLUGS = frozenset(
	{
		"admin",
		"api",
		"app",
		"assets",
		"book",
		"desk",
		"files",
		"fhir",
		"login",
		"logout",
		"me",
		"private",
		"public",
		"socket.io",
		"update-password",
		"www",
		"website",
		"manage",
		"static",
		"medic-plus",
		"new",
		"test",
	}
)


def normalise_slug(value: str | None) -> str:
	"""Trim and lowercase a slug typed by a person ("  My-Clinic " -> "my-clinic")."""
	return (value or "").strip().lower()


def slug_error(slug: str | None) -> str | None:
	"""Why ``slug`` is not an acceptable practice slug, or None."""
	if not slug:
		return "Slug is required"
	if not SLUG_MIN <= len(slug) <= SLUG_MAX:
		return "Slug must be 3 to 63 characters long"
	if not SLUG_RE.match(slug):
		return "Slug may contain only lowercase letters a-z, digits and hyphens, and must start and end with a letter or digit"
	if "--" in slug:
		return "Slug must not contain two hyphens in a row"
	if slug in RESERVED_SLUGS:
		return "This slug is reserved"
	return None


def slugify(text: str | None) -> str:
	"""A slug suggestion from a practice name ("Dr. Müller's Clinic" -> "dr-m-ller-s-clinic")."""
	slug = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
	return slug[:SLUG_MAX].strip("-")


def short_code_error(code: str | None) -> str | None:
	if not code:
		return "Short code is required"
	if not SHORT_CODE_RE.match(code):
		return "Short code must be 3 to 8 uppercase letters or digits, e.g. ABC01"
	return None


def brand_color_error(color: str | None) -> str | None:
	if not color:
		return None
	if not BRAND_COLOR_RE.match(color):
		return "Brand colour must be a hex colour like #1F6FEB"
	return None


@dataclass(frozen=True)
class BookingLimits:
	"""Bounds for a practice's booking settings (minutes and days)."""

	duration: tuple[int, int] = (5, 480)
	buffer: tuple[int, int] = (0, 240)
	notice: tuple[int, int] = (0, 60 * 24 * 30)
	days_ahead: tuple[int, int] = (1, 365)
	cancel_cutoff: tuple[int, int] = (0, 60 * 24 * 14)


BOOKING_LIMITS = BookingLimits()


def booking_settings_errors(
	default_duration: int | None,
	buffer_minutes: int | None,
	min_notice_minutes: int | None,
	max_days_ahead: int | None,
	cancel_cutoff_minutes: int | None = 0,
	limits: BookingLimits = BOOKING_LIMITS,
) -> list[tuple[str, str, int, int]]:
	"""A list of (field, label, low, high) for every booking setting out of bounds."""
	checks = (
		("default_duration", "Default Duration (minutes)", default_duration, limits.duration),
		("buffer_minutes", "Buffer (minutes)", buffer_minutes, limits.buffer),
		("min_notice_minutes", "Minimum Notice (minutes)", min_notice_minutes, limits.notice),
		("max_days_ahead", "Book up to (days ahead)", max_days_ahead, limits.days_ahead),
		(
			"cancel_cutoff_minutes",
			"Online Cancellation Cut-off (minutes)",
			cancel_cutoff_minutes,
			limits.cancel_cutoff,
		),
	)
	errors = []
	for field, label, value, (low, high) in checks:
		if value is None or not low <= int(value) <= high:
			errors.append((field, label, low, high))
	return errors


def timezone_error(tz: str | None, known: set[str] | frozenset[str]) -> str | None:
	if not tz:
		return None
	if tz not in known:
		return "Unknown time zone"
	return None
