"""Checks on what a guest sends to the booking API. Pure."""

from __future__ import annotations

import re
from datetime import date, datetime, time

NAME_MAX = 80
NOTES_MAX = 1000
NAME_RE = re.compile(r"^[^\x00-\x1f<>{}\[\]\\/@#$%^*=+|~`\"]+$")
GENDERS = ("Male", "Female", "Other", "Prefer not to say")


class BookingInputError(ValueError):
	"""``field`` names the offending input; the message is a short English sentence."""

	def __init__(self, field: str, message: str):
		super().__init__(message)
		self.field = field


def parse_date(value: str | date | None, field: str = "appointment_date") -> date:
	if isinstance(value, date) and not isinstance(value, datetime):
		return value
	try:
		return date.fromisoformat(str(value or "").strip())
	except ValueError:
		raise BookingInputError(field, "Dates must look like 2026-12-31.") from None


def parse_time(value: str | time | None, field: str = "appointment_time") -> time:
	if isinstance(value, time):
		return value.replace(second=0, microsecond=0)
	text = str(value or "").strip()
	if not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text):
		raise BookingInputError(field, "Times must look like 09:30.")
	try:
		parsed = time.fromisoformat(text if len(text) > 4 else "0" + text)
	except ValueError:
		raise BookingInputError(field, "Times must look like 09:30.") from None
	if parsed.second:
		raise BookingInputError(field, "Times must look like 09:30.")
	return parsed


def clean_name(value: str | None, field: str) -> str:
	text = " ".join((value or "").split())
	if not text:
		raise BookingInputError(field, "This field is required.")
	if len(text) > NAME_MAX:
		raise BookingInputError(field, f"At most {NAME_MAX} characters, please.")
	if not NAME_RE.match(text):
		raise BookingInputError(field, "Please use letters only.")
	return text


def clean_notes(value: str | None) -> str:
	text = (value or "").strip()
	if len(text) > NOTES_MAX:
		raise BookingInputError("notes", f"At most {NOTES_MAX} characters, please.")
	# plain text only: no markup survives into Desk
	return re.sub(r"<[^>]*>", "", text).replace("<", "").replace(">", "")


def clean_gender(value: str | None) -> str | None:
	if not value:
		return None
	if value not in GENDERS:
		raise BookingInputError("gender", "Unknown gender.")
	return value


def reference_series(short_code: str) -> str:
	"""The naming series of a practice's appointment references: ABC01-A00042."""
	return f"{short_code}-A.#####"


def name_key(first_name: str | None, last_name: str | None) -> str:
	"""A person's name as compared when a booking looks for its patient: case, accents,
	punctuation and spacing do not count ("José  Müller-Lüdenscheidt" is "jose muller
	ludenscheidt")."""
	import unicodedata

	text = f"{first_name or ''} {last_name or ''}"
	text = unicodedata.normalize("NFKD", text)
	text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
	text = re.sub(r"[^\w\s]|_", " ", text)
	return " ".join(text.split())


def same_person(first_a, last_a, first_b, last_b) -> bool:
	"""Whether two first and last names are the same person's (both names must match)."""
	a, b = name_key(first_a, last_a), name_key(first_b, last_b)
	return bool(a) and a == b and bool(name_key(first_a, None)) and bool(name_key(None, last_a))
