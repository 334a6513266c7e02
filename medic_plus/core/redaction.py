"""The assistant's redactor: before any text leaves the platform, every identifier of the
patient and of the people around them becomes a placeholder; the answer is put back
together with the real values only on the way to the doctor's screen.

Pure: no Frappe import. What is replaced:

- the names the platform knows (the patient, relatives, staff, the practice), in any
  case and order, with initials and with or without diacritics;
- dates, turned relative to the visit ("[12 days before]");
- South African ID numbers (13 digits whose last is their Luhn check), and the ID,
  passport, medical aid and member numbers and record names the platform knows;
- record names of this platform's series (``ABC01-P00042``, ``HLC-ENC-2026-00012``);
- phone numbers in any format (``phonenumbers``), e-mail addresses and street addresses.

``leaks`` says which known identifiers a text still holds: a request that has any is not
sent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import phonenumbers

MONTHS = {
	m: i
	for i, names in enumerate(
		(
			("jan", "january"),
			("feb", "february"),
			("mar", "march"),
			("apr", "april"),
			("may",),
			("jun", "june"),
			("jul", "july"),
			("aug", "august"),
			("sep", "sept", "september"),
			("oct", "october"),
			("nov", "november"),
			("dec", "december"),
		),
		start=1,
	)
	for m in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATES = re.compile(
	rf"\b(?:(?P<y1>\d{{4}})-(?P<m1>\d{{1,2}})-(?P<d1>\d{{1,2}})"
	rf"|(?P<d2>\d{{1,2}})[/.](?P<m2>\d{{1,2}})[/.](?P<y2>\d{{4}})"
	rf"|(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mn3>{_MONTH})\.?,?\s+(?P<y3>\d{{4}})"
	rf"|(?P<mn4>{_MONTH})\.?\s+(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y4>\d{{4}}))\b",
	re.IGNORECASE,
)
PLACEHOLDER = re.compile(r"\[[A-Z_]+(?:_\d+)?(?::[^\]]*)?\]")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
SA_ID = re.compile(r"(?<!\d)\d{6}\s?\d{4}\s?\d{3}(?!\d)")
PASSPORT = re.compile(r"\b[A-Z]{1,2}\d{6,9}\b")
RECORD = re.compile(r"\b[A-Z]{2,5}\d{0,3}-[A-Z]{1,3}\d{4,6}\b|\b[A-Z]{2,5}-[A-Z]{2,5}-\d{4}-\d{4,6}\b")
STREET = re.compile(
	r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][\w'-]*\s+){1,3}"
	r"(?:Street|St|Road|Rd|Avenue|Ave|Drive|Dr|Lane|Ln|Way|Crescent|Close|Boulevard|Blvd|Place|Pl)\b\.?"
)


@dataclass(frozen=True)
class Person:
	"""Someone the text may name: ``label`` is their placeholder's word (PATIENT, MOTHER,
	DOCTOR, PRACTICE...)."""

	label: str
	names: tuple[str, ...]  # given names then the family name, as the record holds them


@dataclass
class Known:
	"""What the platform knows about the record and the people around it."""

	people: list[Person] = field(default_factory=list)
	identifiers: list[str] = field(default_factory=list)  # ID, passport, medical aid, member, record names
	phones: list[str] = field(default_factory=list)
	emails: list[str] = field(default_factory=list)
	addresses: list[str] = field(default_factory=list)
	dates: list[date] = field(default_factory=list)  # a birth date and the like
	on: date = field(default_factory=date.today)  # the day dates are told relative to


@dataclass
class Redacted:
	text: str
	values: dict[str, str]  # placeholder -> the value it stands for (its first spelling)


def fold(text: str) -> tuple[str, list[int]]:
	"""``text`` lower-cased without diacritics, and for each folded character the index of
	the character it came from."""
	out, where = [], []
	for i, char in enumerate(text):
		for part in unicodedata.normalize("NFKD", char):
			if unicodedata.combining(part):
				continue
			for lower in part.lower():
				out.append(lower)
				where.append(i)
	return "".join(out), where


def luhn(digits: str) -> bool:
	total = 0
	for i, d in enumerate(reversed(digits)):
		n = int(d)
		if i % 2:
			n *= 2
			if n > 9:
				n -= 9
		total += n
	return total % 10 == 0


def _name_pattern(person: Person) -> re.Pattern | None:
	"""The person's names (folded) in any order, each whole or as an initial once another
	name of theirs stands beside it; a name alone when it is long enough to mean them."""
	parts = [fold(n)[0] for name in person.names for n in name.split() if n.strip()]
	parts = [p for p in dict.fromkeys(parts) if p]
	if not parts:
		return None
	whole = "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
	initial = "|".join(sorted({re.escape(p[0]) for p in parts}))
	token = rf"(?:{whole}|(?:{initial})\.?)"
	several = rf"(?<![\w])(?:{token})(?:[\s,]+(?:{token}))+(?![\w])"
	alone = [re.escape(p) for p in parts if len(p) >= 3]
	single = rf"(?<![\w])(?:{'|'.join(alone)})(?![\w])" if alone else None
	return re.compile(f"{several}|{single}" if single else several)


class Redactor:
	def __init__(self, known: Known, region: str = "ZA"):
		self.known, self.region = known, region
		# one placeholder a person, whatever spelling the text uses: it gives back their name
		self.patterns = []
		seen: dict[str, int] = {}
		for person in known.people:
			seen[person.label] = seen.get(person.label, 0) + 1
			placeholder = (
				f"[{person.label}]" if seen[person.label] == 1 else f"[{person.label}_{seen[person.label]}]"
			)
			self.patterns.append((placeholder, " ".join(person.names), _name_pattern(person)))
		self.identifiers = sorted({i for i in known.identifiers if i and len(i) >= 4}, key=len, reverse=True)

	def people(self) -> dict[str, str]:
		"""Each known person's placeholder and full name: what an answer that names someone
		the text did not (a letter's "Dear [PATIENT]") is given back."""
		return {placeholder: name for placeholder, name, _pattern in self.patterns}

	def redact(self, text: str) -> Redacted:
		values: dict[str, str] = {}
		counters: dict[str, int] = {}

		def holder(kind: str, value: str) -> str:
			for placeholder, seen in values.items():
				if placeholder.startswith(f"[{kind}") and _same(seen, value):
					return placeholder
			counters[kind] = counters.get(kind, 0) + 1
			placeholder = f"[{kind}]" if counters[kind] == 1 else f"[{kind}_{counters[kind]}]"
			values[placeholder] = value
			return placeholder

		# the known identifiers first (an ID number is digits a phone matcher could take)
		for value in self.identifiers:
			text = _replace_literal(text, value, lambda v: holder("IDENTIFIER", v))
		for value in [*self.known.emails, *self.known.phones, *self.known.addresses]:
			if value and len(value) >= 4:
				text = _replace_literal(text, value, lambda v: holder("CONTACT", v))
		text = EMAIL.sub(lambda m: holder("EMAIL", m.group(0)), text)
		text = RECORD.sub(lambda m: holder("RECORD", m.group(0)), text)
		text = SA_ID.sub(
			lambda m: holder("ID_NUMBER", m.group(0)) if luhn(re.sub(r"\s", "", m.group(0))) else m.group(0),
			text,
		)
		text = PASSPORT.sub(lambda m: holder("DOCUMENT_NUMBER", m.group(0)), text)
		text = self._dates(text, holder)
		text = self._phones(text, holder)
		text = STREET.sub(lambda m: holder("ADDRESS", m.group(0)), text)
		for placeholder, name, pattern in self.patterns:
			if pattern is not None:
				replaced = _replace_folded(text, pattern, lambda _v, placeholder=placeholder: placeholder)
				if replaced != text:
					values[placeholder] = name
				text = replaced
		return Redacted(text, values)

	def _dates(self, text: str, holder) -> str:
		def relative(match: re.Match) -> str:
			day = _date_of(match)
			if day is None:
				return match.group(0)
			delta = (day - self.known.on).days
			if delta == 0:
				words = "the day of the visit"
			elif abs(delta) >= 365:
				years = abs(delta) // 365
				words = f"{years} year{'s' if years > 1 else ''} {'before' if delta < 0 else 'after'}"
			else:
				words = (
					f"{abs(delta)} day{'s' if abs(delta) > 1 else ''} {'before' if delta < 0 else 'after'}"
				)
			return holder(f"DATE: {words}", match.group(0))

		return DATES.sub(relative, text)

	def _phones(self, text: str, holder) -> str:
		out, last = [], 0
		for match in phonenumbers.PhoneNumberMatcher(
			text, self.region, leniency=phonenumbers.Leniency.POSSIBLE
		):
			out += [text[last : match.start], holder("PHONE", match.raw_string)]
			last = match.end
		out.append(text[last:])
		return "".join(out)

	def leaks(self, text: str) -> list[str]:
		"""The known identifiers (names of two parts and more, numbers, contacts, dates of
		birth) that ``text`` still holds."""
		found = []
		text = PLACEHOLDER.sub(" ", text)
		folded = fold(text)[0]
		digits = re.sub(r"\D", "", text)
		for value in [*self.identifiers, *self.known.emails, *self.known.addresses]:
			if value and fold(value)[0] in folded:
				found.append(value)
		for phone in self.known.phones:
			number = re.sub(r"\D", "", phone)
			if len(number) >= 7 and number[-9:] in digits:
				found.append(phone)
		for person in self.known.people:
			names = [fold(n)[0] for name in person.names for n in name.split() if len(n) >= 3]
			if any(re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", folded) for n in names):
				found.append(" ".join(person.names))
		for day in self.known.dates:
			if day.isoformat() in text or day.strftime("%d/%m/%Y") in text:
				found.append(day.isoformat())
		return found


def restore(text: str, values: dict[str, str]) -> str:
	"""The answer with each placeholder given back its value (longest first)."""
	for placeholder in sorted(values, key=len, reverse=True):
		text = text.replace(placeholder, values[placeholder])
	return text


def _same(a: str, b: str) -> bool:
	return fold(a)[0].split() == fold(b)[0].split()


def _replace_literal(text: str, value: str, make) -> str:
	"""Each occurrence of ``value`` (folded, its spaces and dashes free) replaced."""
	parts = [re.escape(p) for p in re.split(r"[\s\-]+", fold(value)[0]) if p]
	if not parts:
		return text
	return _replace_folded(text, re.compile(r"[\s\-]*".join(parts)), make)


def _replace_folded(text: str, pattern: re.Pattern, make) -> str:
	"""Each match of ``pattern`` in the folded text replaced, except inside a placeholder an
	earlier pass put there (a patient named "Phone" leaves "[PHONE]" as it is)."""
	folded, where = fold(text)
	placed = [m.span() for m in PLACEHOLDER.finditer(text)]
	spans = [
		(where[m.start()], where[m.end() - 1] + 1) for m in pattern.finditer(folded) if m.end() > m.start()
	]
	spans = [(s, e) for s, e in spans if not any(s < p_end and p_start < e for p_start, p_end in placed)]
	for start, end in reversed(spans):
		text = text[:start] + make(text[start:end]) + text[end:]
	return text


def _date_of(match: re.Match) -> date | None:
	groups = match.groupdict()
	try:
		if groups["y1"]:
			return date(int(groups["y1"]), int(groups["m1"]), int(groups["d1"]))
		if groups["y2"]:
			return date(int(groups["y2"]), int(groups["m2"]), int(groups["d2"]))
		if groups["y3"]:
			return date(int(groups["y3"]), MONTHS[groups["mn3"].lower()], int(groups["d3"]))
		if groups["y4"]:
			return date(int(groups["y4"]), MONTHS[groups["mn4"].lower()], int(groups["d4"]))
	except (ValueError, KeyError):
		return None
	return None


def known_dates(values: Iterable[date | datetime | str | None]) -> list[date]:
	out = []
	for value in values:
		if isinstance(value, datetime):
			out.append(value.date())
		elif isinstance(value, date):
			out.append(value)
		elif value:
			try:
				out.append(date.fromisoformat(str(value)[:10]))
			except ValueError:
				pass
	return out
