"""The patient portal's identity rule (core/portal.py)."""

import pytest

from medic_plus.core import portal


def test_an_email_or_an_international_mobile_identifies():
	assert portal.identify(" Anna@Example.COM ") == ("email", "anna@example.com")
	assert portal.identify("+27 82 123 4567") == ("mobile", "+27821234567")
	assert portal.identify("0027 82 123 4567") == ("mobile", "+27821234567")
	for bad in ("", None, "anna@", "0821234567", "hello"):
		with pytest.raises(portal.IdentifierError):
			portal.identify(bad)


def test_one_account_per_identifier_and_name_whatever_the_spelling():
	key = portal.account_key("email", "anna@example.com", "Anna", "Müller")
	assert key == portal.account_key("email", "anna@example.com", " anna ", "MULLER")
	assert key != portal.account_key("email", "anna@example.com", "Ben", "Müller")
	assert key != portal.account_key("mobile", "anna@example.com", "Anna", "Müller")
	assert len(key) == 20


ROWS = [
	{"name": "P1", "first_name": "Anna", "last_name": "Muller", "practice": "A", "status": "Active"},
	{"name": "P2", "first_name": "Ben", "last_name": "Muller", "practice": "A", "status": "Active"},
	{"name": "P3", "first_name": "Anna", "last_name": "Müller", "practice": "B", "status": "Restricted"},
	{"name": "P4", "first_name": "Anna", "last_name": "Muller", "practice": "C", "status": "Erased"},
]


def test_a_shared_family_address_finds_only_the_person_who_signed_in():
	own = portal.own_records(ROWS, "anna", "MÜLLER")
	assert [(r.patient, r.practice, r.own) for r in own] == [("P1", "A", True), ("P3", "B", True)]
	assert [r.patient for r in portal.own_records(ROWS, "Ben", "Muller")] == ["P2"]
	assert portal.own_records(ROWS, "Carla", "Muller") == []


def test_a_parent_sees_a_child_the_practice_linked_at_that_practice_only():
	own = portal.own_records(ROWS, "Anna", "Muller")
	relations = [
		# the child's record names Anna's record at A as its mother
		{
			"child": "K1",
			"child_practice": "A",
			"child_status": "Active",
			"parent": "P1",
			"relation": "Mother",
		},
		# a spouse is not a child
		{
			"child": "S1",
			"child_practice": "A",
			"child_status": "Active",
			"parent": "P1",
			"relation": "Spouse",
		},
		# a link across practices is not the practice's link
		{
			"child": "K2",
			"child_practice": "C",
			"child_status": "Active",
			"parent": "P1",
			"relation": "Mother",
		},
		# someone else's child
		{
			"child": "K3",
			"child_practice": "A",
			"child_status": "Active",
			"parent": "P2",
			"relation": "Father",
		},
		# an erased child
		{
			"child": "K4",
			"child_practice": "B",
			"child_status": "Erased",
			"parent": "P3",
			"relation": "Mother",
		},
		# her own record, named twice, stays her own
		{
			"child": "P3",
			"child_practice": "B",
			"child_status": "Active",
			"parent": "P3",
			"relation": "Mother",
		},
	]
	kids = portal.children(own, relations)
	assert [(r.patient, r.practice, r.own, r.via) for r in kids] == [("K1", "A", False, "P1")]
