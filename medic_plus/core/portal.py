"""The patient portal's identity rule, pure: who a signed-in person is, and which
Patient records are theirs.

A person signs in with an e-mail address or a mobile number that a practice holds for
them, and their name; the code sent there proves they hold the address. Their records
are the Patient records, at any practice, whose field of that kind holds the verified
value *and* whose name is theirs (the booking's rule: a family e-mail shared by a
mother and her son finds the one who signed in, never both). A practice links a child
to a parent through Healthcare's Patient Relation on the child's record (the parent as
*Father* or *Mother*): the parent then sees the child's record too, marked as such."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from medic_plus.core.booking_rules import name_key, same_person
from medic_plus.core.otp import POLICY, normalise_email, normalise_mobile

# the role of a portal session (a Website User): no Desk, the portal's class of methods
ROLE = "Medic Plus Patient"
# the portal's codes for the whole site an hour (OTPPolicy.sends_per_practice, the portal
# being one scope): no more new accounts than that
NEW_ACCOUNTS_AN_HOUR = POLICY.sends_per_practice
EMAIL = "email"
MOBILE = "mobile"
# the relations on a child's record that show it to the patient named there
PARENT_RELATIONS = frozenset({"Father", "Mother"})
# a record in this state holds no personal data any more
ERASED = "Erased"


class IdentifierError(ValueError):
	"""Neither an e-mail address nor a mobile number in international form."""


def identify(value: str | None) -> tuple[str, str]:
	"""(kind, normalised value) of what a person typed to sign in."""
	text = (value or "").strip()
	if "@" in text:
		if email := normalise_email(text):
			return EMAIL, email
		raise IdentifierError("Please enter a valid e-mail address.")
	mobile = normalise_mobile(text)
	if mobile and mobile.startswith("00"):
		mobile = "+" + mobile[2:]
	if mobile and mobile.startswith("+"):  # as a practice keeps it (E.164)
		return MOBILE, mobile
	raise IdentifierError("Please enter your e-mail address or your mobile number, e.g. +27821234567.")


def account_key(kind: str, identifier: str, first_name: str, last_name: str) -> str:
	"""The one account of a person signing in with this identifier and this name."""
	raw = f"{kind}:{identifier}:{name_key(first_name, last_name)}"
	return hashlib.sha256(raw.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Record:
	"""A Patient record the person may see: their own, or a child's the practice linked."""

	patient: str
	practice: str
	own: bool
	# for a child's record: the person's own record at that practice that is linked to it
	via: str | None = None
	full_name: str | None = None


def own_records(rows: Iterable, first_name: str, last_name: str) -> list[Record]:
	"""Of the records that hold the verified identifier (``rows``: name, first_name,
	last_name, practice, status), those with the person's name and personal data."""
	return [
		Record(row["name"], row["practice"], own=True, full_name=row.get("full_name"))
		for row in rows
		if row.get("status") != ERASED
		and same_person(row["first_name"], row["last_name"], first_name, last_name)
	]


def children(own: list[Record], relations: Iterable) -> list[Record]:
	"""The records linked to the person's own as their child (``relations``: rows of the
	child's Patient Relation: child, child_practice, child_status, parent, relation),
	each at the practice of the parent's record that names it."""
	mine = {r.patient: r.practice for r in own}
	out: dict[str, Record] = {}
	for row in relations:
		parent_practice = mine.get(row["parent"])
		if (
			parent_practice
			and row["relation"] in PARENT_RELATIONS
			and row["child_practice"] == parent_practice
			and row.get("child_status") != ERASED
			and row["child"] not in mine
		):
			out.setdefault(
				row["child"],
				Record(
					row["child"],
					parent_practice,
					own=False,
					via=row["parent"],
					full_name=row.get("child_name"),
				),
			)
	return sorted(out.values(), key=lambda r: r.patient)
