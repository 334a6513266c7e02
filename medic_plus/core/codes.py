"""Code systems read from the files they are published in: the WHO ICD-10 tabular list as
ClaML (the XML WHO distributes) or as a CSV with a header (a code column and a title
column), and the search words of the diagnosis picker.

Pure: no Frappe import. Readers yield :class:`Code` rows; they never hold the whole
file in memory (ClaML is parsed as a stream).
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

ICD10 = "ICD-10"
ICD10_URI = "http://hl7.org/fhir/sid/icd-10"
# a category of the tabular list: a letter, two digits, optionally a dot and one or two more
ICD10_CODE = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?$")
CODE_HEADERS = ("code", "code_value", "icd10", "icd-10", "icd_10", "icd10code", "icd code")
TITLE_HEADERS = ("title", "display", "description", "name", "label", "preferred", "term")
MAX_TITLE = 1000


class CodeFileError(ValueError):
	"""The file is not one this reader understands; the message says why, for the user."""


@dataclass(frozen=True)
class Code:
	code: str
	title: str
	level: int  # 1 for a three-character category (J06), 2 for a subcategory (J06.9)


def normalise_code(value: str) -> str:
	"""``j069`` / ``J06.9`` / `` J06.9 `` -> ``J06.9`` (ICD-10 writes the dot after 3)."""
	code = "".join((value or "").split()).upper().rstrip("*+†").rstrip(".")
	if len(code) > 3 and "." not in code and re.match(r"^[A-Z][0-9]{2}[0-9A-Z]+$", code):
		code = f"{code[:3]}.{code[3:]}"
	return code


def level(code: str) -> int:
	return 1 if "." not in code else 2


def _code(raw_code: str, raw_title: str, where: str) -> Code | None:
	code = normalise_code(raw_code)
	title = " ".join((raw_title or "").split())[:MAX_TITLE]
	if not code and not title:
		return None
	if not ICD10_CODE.match(code):
		raise CodeFileError(f"{where}: {raw_code!r} is not an ICD-10 code (such as J06 or J06.9)")
	if not title:
		raise CodeFileError(f"{where}: code {code} has no title")
	return Code(code, title, level(code))


def read_csv(text: str) -> Iterator[Code]:
	"""Rows of a CSV (comma, semicolon or tab separated) whose header names a code column
	(code, icd10, ...) and a title column (title, description, display, ...)."""
	sample = text[:4096]
	try:
		dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
	except csv.Error:
		dialect = csv.excel
	reader = csv.reader(io.StringIO(text), dialect)
	header = next(reader, None)
	if not header:
		raise CodeFileError("The file is empty.")
	names = [h.strip().lstrip("\ufeff").casefold() for h in header]
	code_col = next((names.index(h) for h in CODE_HEADERS if h in names), None)
	title_col = next((names.index(h) for h in TITLE_HEADERS if h in names), None)
	if code_col is None or title_col is None:
		raise CodeFileError(
			"The first line must name a code column (code) and a title column (title or description); "
			f"it reads: {', '.join(header)}"
		)
	for number, row in enumerate(reader, start=2):
		if not any(cell.strip() for cell in row):
			continue
		if len(row) <= max(code_col, title_col):
			raise CodeFileError(f"line {number}: expected at least {max(code_col, title_col) + 1} columns")
		if code := _code(row[code_col], row[title_col], f"line {number}"):
			yield code


def read_claml(stream) -> Iterator[Code]:
	"""The categories of a ClaML file (``<Class kind="category">`` with its preferred
	rubric), read as a stream. Chapters and blocks are not codes one diagnoses with."""
	try:
		for _event, element in ET.iterparse(stream, events=("end",)):
			if _local(element.tag) != "Class":
				continue
			if element.get("kind") == "category":
				title = _preferred_label(element)
				if code := _code(element.get("code", ""), title, f"Class {element.get('code')!r}"):
					yield code
			element.clear()
	except ET.ParseError as e:
		raise CodeFileError(f"The file is not well-formed XML: {e}") from None


def _local(tag: str) -> str:
	return tag.rsplit("}", 1)[-1]


def _preferred_label(element) -> str:
	for rubric in element:
		if _local(rubric.tag) == "Rubric" and rubric.get("kind") == "preferred":
			for label in rubric:
				if _local(label.tag) == "Label":
					return "".join(label.itertext())
	return ""


def read(name: str, data: bytes) -> Iterator[Code]:
	"""The codes of a file, by its content: ClaML when it is XML, else CSV."""
	head = data.lstrip()[:200].lower()
	if head.startswith(b"<?xml") or head.startswith(b"<claml"):
		return read_claml(io.BytesIO(data))
	try:
		text = data.decode("utf-8-sig")
	except UnicodeDecodeError:
		raise CodeFileError(f"{name} is neither UTF-8 text nor XML.") from None
	return read_csv(text)


def unique(codes: Iterable[Code]) -> dict[str, Code]:
	"""The codes by code, the last title winning; in the order first seen."""
	out: dict[str, Code] = {}
	for code in codes:
		out[code.code] = code
	return out


# --- the picker ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
	code_prefix: str | None  # the text looks like a code: match codes starting with it
	words: tuple[str, ...]  # every word must be in the title


def parse_search(text: str, max_words: int = 6) -> Search:
	"""What the picker searches for: ``j06`` is a code prefix, ``upper resp`` two words
	(each must occur in the title), ``J06 acute`` both."""
	words = [w for w in re.split(r"\s+", (text or "").strip()) if w]
	prefix = None
	if words and re.match(r"^[A-Za-z][0-9]{1,2}(\.?[0-9][0-9A-Za-z]?|\.)?$", words[0]):
		prefix = normalise_code(words.pop(0))
		if len(prefix) == 3 and text.strip().endswith("."):
			prefix += "."
	words = [w.casefold() for w in words if len(w) > 1 or w.isalnum()][:max_words]
	return Search(prefix, tuple(words))
