"""A patient's record after the practice restricts, archives or erases it. Pure.

A record is *Active*, *Restricted* (the patient asked that it be kept but not used: no
new entries, no edits, no messages), *Archived* (past its retention end, put away by the
practice) or *Erased* (past its retention end, or never holding a clinical entry: the
personal data is gone, the anonymised rows stay for the practice's statistics).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

ACTIVE, RESTRICTED, ARCHIVED, ERASED = "Active", "Restricted", "Archived", "Erased"
STATUSES = (ACTIVE, RESTRICTED, ARCHIVED, ERASED)

# (status now, action) -> status after; an action that is not here is refused
TRANSITIONS: dict[tuple[str, str], str] = {
	(ACTIVE, "restrict"): RESTRICTED,
	(RESTRICTED, "restore"): ACTIVE,
	(ACTIVE, "archive"): ARCHIVED,
	(RESTRICTED, "archive"): ARCHIVED,
	(ARCHIVED, "restore"): ACTIVE,
	(ACTIVE, "erase"): ERASED,
	(RESTRICTED, "erase"): ERASED,
	(ARCHIVED, "erase"): ERASED,
}
# actions allowed only once the record is past its retention end
AFTER_RETENTION = frozenset({"archive", "erase"})


class TransitionError(ValueError):
	pass


def status_of(value: str | None) -> str:
	"""A record saved before statuses existed is Active."""
	return value if value in STATUSES else ACTIVE


def next_status(current: str | None, action: str, past_retention: bool) -> str:
	"""The status after ``action``, or ``TransitionError`` saying why not."""
	current = status_of(current)
	if (current, action) not in TRANSITIONS:
		raise TransitionError(f"{action} is not possible for a record that is {current}")
	if action in AFTER_RETENTION and not past_retention:
		raise TransitionError(f"{action} is possible only after the retention end")
	return TRANSITIONS[(current, action)]


def is_open(status: str | None) -> bool:
	"""Whether the record may be used: new entries, edits, bookings, messages."""
	return status_of(status) == ACTIVE


# --- erasure: what each record keeps ----------------------------------------------------


@dataclass(frozen=True)
class Field:
	fieldname: str
	fieldtype: str
	options: str = ""
	fetch_from: str = ""


# free text may say anything about the person; files and signatures are theirs
FREE_TEXT = frozenset(
	{
		"Small Text",
		"Text",
		"Long Text",
		"Text Editor",
		"Markdown Editor",
		"HTML Editor",
		"Code",
		"JSON",
		"Signature",
		"Attach",
		"Attach Image",
		"Phone",
		"Geolocation",
	}
)
# a Data field that holds a way to reach or name someone
IDENTIFYING_DATA = frozenset({"Email", "Phone", "Name", "URL", "IBAN"})
# the patient's name copied into another record
NAME_FIELDS = frozenset({"patient_name", "customer_name", "title"})
NO_VALUE = frozenset({"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Heading", "Fold"})
TABLES = frozenset({"Table", "Table MultiSelect"})
NUMBERS = frozenset({"Int", "Float", "Currency", "Percent", "Rating", "Duration"})
# the patient keeps what the practice's statistics count: sex, year of birth, practice
PATIENT_KEEPS = frozenset(
	{
		"naming_series",
		"sex",
		"status",
		"customer",
		"customer_group",
		"territory",
		"default_currency",
		"default_price_list",
		"language",
		"inpatient_record",
		"inpatient_status",
		"custom_practice",
		"custom_retention_review",
		"custom_record_status",
		"custom_record_status_on",
		"custom_record_status_by",
	}
)


def erased_patient(fields: Iterable[Field], dob: date | None, first: str, last: str) -> dict:
	"""The Patient's new values: named ``first last``, born on 1 January of the birth
	year, every other field that could identify the person empty."""
	out: dict[str, object] = {}
	for f in fields:
		if f.fieldtype in NO_VALUE or f.fieldtype in TABLES or f.fieldname in PATIENT_KEEPS:
			continue
		if f.fieldname == "dob":
			out["dob"] = date(dob.year, 1, 1) if dob else None
		elif f.fieldtype == "Check" or f.fieldtype in NUMBERS:
			out[f.fieldname] = 0
		else:
			out[f.fieldname] = None
	out.update(first_name=first, middle_name=None, last_name=last, patient_name=f"{first} {last}")
	return out


def erased_record(fields: Iterable[Field], patient_links: Iterable[str], patient: Mapping) -> dict:
	"""A record about the patient (its ``patient_links`` fields name them): its copies of
	the patient's fields take the erased patient's values, its free text and contact
	details go; codes, dates, numbers and links stay for the statistics."""
	links = set(patient_links)
	out: dict[str, object] = {}
	for f in fields:
		source = f.fetch_from.split(".", 1) if f.fetch_from else None
		if source and len(source) == 2 and source[0] in links:
			out[f.fieldname] = patient.get(source[1])
		elif f.fieldname in NAME_FIELDS and f.fieldtype in ("Data", "Small Text", "Text"):
			out[f.fieldname] = patient.get("patient_name")
		elif f.fieldtype in FREE_TEXT or (f.fieldtype == "Data" and f.options in IDENTIFYING_DATA):
			out[f.fieldname] = None
	return out
