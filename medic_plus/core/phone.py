"""Mobile numbers a practice may text. Pure (``phonenumbers``, which Frappe ships).

A code or reminder goes only to a number that can receive it and costs what a normal
text costs: a valid mobile number of one of the practice's countries. North American
numbers are never plainly ``MOBILE`` (the plan does not tell), so ``FIXED_LINE_OR_MOBILE``
counts as mobile; premium-rate, shared-cost, UAN, VoIP, pager, personal and toll-free
numbers are refused.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

ACCEPTED = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


class PhoneError(ValueError):
	"""``reason`` is a short English sentence for the user (format with ``countries``)."""

	def __init__(self, reason: str):
		super().__init__(reason)
		self.reason = reason


NOT_A_NUMBER = "Please enter a valid mobile number, e.g. +4915112345678."
NOT_MOBILE = "Please enter a mobile number that can receive text messages."
WRONG_COUNTRY = "Please enter a mobile number from {countries}."


def regions(values) -> list[str]:
	"""ISO 3166 country codes (``DE``, ``za``) as ``phonenumbers`` knows them."""
	if isinstance(values, str):
		values = values.replace(";", ",").replace("\n", ",").split(",")
	known = phonenumbers.SUPPORTED_REGIONS
	out = []
	for value in values or ():
		code = str(value).strip().upper()
		if code in known and code not in out:
			out.append(code)
	return out


def check_mobile(value: str | None, allowed: list[str]) -> str:
	"""The number in E.164 (``+4915112345678``), or PhoneError. A number written without
	its country code is read as one of the first allowed country's."""
	text = (value or "").strip()
	if not text or len(text) > 32:
		raise PhoneError(NOT_A_NUMBER)
	try:
		number = phonenumbers.parse(text, allowed[0] if allowed else None)
	except NumberParseException:
		raise PhoneError(NOT_A_NUMBER) from None
	if not phonenumbers.is_valid_number(number):
		raise PhoneError(NOT_A_NUMBER)
	if phonenumbers.number_type(number) not in ACCEPTED:
		raise PhoneError(NOT_MOBILE)
	if allowed and phonenumbers.region_code_for_number(number) not in allowed:
		raise PhoneError(WRONG_COUNTRY)
	return phonenumbers.format_number(number, PhoneNumberFormat.E164)
