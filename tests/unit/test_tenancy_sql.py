import pytest

from medic_plus.core import tenancy_sql


def quote(value: str) -> str:
	# the shape of frappe.db.escape: single quotes, backslash and quote escaped
	return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def test_own_field_lists_the_practices_sorted_and_unique():
	sql = tenancy_sql.own_field("Patient", "custom_practice", ["b", "a", "b"], quote)
	assert sql == "`tabPatient`.`custom_practice` in ('a', 'b')"


def test_no_practice_means_no_row():
	assert tenancy_sql.own_field("Patient", "custom_practice", [], quote) == tenancy_sql.DENY_ALL


def test_values_go_through_quote():
	sql = tenancy_sql.own_field("Patient", "custom_practice", ["x') or ('1'='1"], quote)
	assert sql == "`tabPatient`.`custom_practice` in ('x\\') or (\\'1\\'=\\'1')"


@pytest.mark.parametrize("bad", ["Patient`; drop table x; --", "a.b", "", "x)"])
def test_identifiers_are_checked(bad):
	with pytest.raises(ValueError):
		tenancy_sql.own_field(bad, "custom_practice", ["a"], quote)
	with pytest.raises(ValueError):
		tenancy_sql.own_field("Patient", bad, ["a"], quote)


def test_via_parent_keeps_rows_of_unscoped_parents_and_filters_scoped_ones():
	sql = tenancy_sql.via_parent(
		"Drug Prescription",
		{"Patient Encounter": "`tabPatient Encounter`.`custom_practice` in ('a')"},
	)
	assert sql == (
		"(`tabDrug Prescription`.`parenttype` is null or "
		"`tabDrug Prescription`.`parenttype` not in ('Patient Encounter') or "
		"(`tabDrug Prescription`.`parenttype` = 'Patient Encounter' and `tabDrug Prescription`.`parent` in "
		"(select `name` from `tabPatient Encounter` where `tabPatient Encounter`.`custom_practice` in ('a'))))"
	)


def test_via_parent_with_a_denied_parent_keeps_only_other_parents():
	sql = tenancy_sql.via_parent("Drug Prescription", {"Patient Encounter": tenancy_sql.DENY_ALL})
	assert sql == (
		"(`tabDrug Prescription`.`parenttype` is null or "
		"`tabDrug Prescription`.`parenttype` not in ('Patient Encounter'))"
	)


def test_via_reference_for_attachments():
	sql = tenancy_sql.via_reference(
		"File", "attached_to_doctype", "attached_to_name", {"Patient": "x", "Sick Note": "1=0"}
	)
	assert "`tabFile`.`attached_to_doctype` not in ('Patient', 'Sick Note')" in sql
	assert (
		"(`tabFile`.`attached_to_doctype` = 'Patient' and `tabFile`.`attached_to_name` in (select `name` from `tabPatient` where x))"
		in sql
	)
	assert "Sick Note' and" not in sql
	assert tenancy_sql.via_reference("File", "a", "b", {}) == ""


def test_via_link():
	assert tenancy_sql.via_link("Vital Signs", "patient", "Patient", "1=0") == "1=0"
	assert tenancy_sql.via_link("Vital Signs", "patient", "Patient", "x") == (
		"`tabVital Signs`.`patient` in (select `name` from `tabPatient` where x)"
	)


def test_member_practitioners():
	sql = tenancy_sql.member_practitioners("Healthcare Practitioner", ["a"], quote)
	assert sql == (
		"`tabHealthcare Practitioner`.`name` in (select `practitioner` from `tabPractice Member` "
		"where `is_active` = 1 and `practice` in ('a'))"
	)
	assert tenancy_sql.member_practitioners("Healthcare Practitioner", [], quote) == "1=0"
	with_owner = tenancy_sql.member_practitioners("Healthcare Practitioner", ["a"], quote, owner="u@x")
	assert with_owner.endswith("or `tabHealthcare Practitioner`.`owner` = 'u@x')")


def _owned_rows(practices: list[str]) -> list[str]:
	"""Run ``owned_by_none_or`` against a small SQLite copy of Letter Head and Practice."""
	import sqlite3

	db = sqlite3.connect(":memory:")
	db.execute("create table `tabLetter Head` (`name` text)")
	db.execute("create table `tabPractice` (`name` text, `letter_head` text)")
	db.executemany("insert into `tabLetter Head` values (?)", [("site",), ("lh-a",), ("lh-b",), ("shared",)])
	db.executemany(
		"insert into `tabPractice` values (?, ?)",
		[("A", "lh-a"), ("B", "lh-b"), ("C", "shared"), ("D", "shared"), ("E", None), ("F", "")],
	)
	cond = tenancy_sql.owned_by_none_or("Letter Head", "Practice", "letter_head", practices, quote)
	rows = db.execute(f"select `name` from `tabLetter Head` where {cond} order by `name`").fetchall()
	return [row[0] for row in rows]


def test_owned_rows_are_seen_by_their_practices_only():
	assert _owned_rows(["A"]) == ["lh-a", "site"]
	assert _owned_rows(["A", "B"]) == ["lh-a", "lh-b", "site"]


def test_a_row_several_practices_own_is_seen_by_each_of_them():
	assert _owned_rows(["C"]) == ["shared", "site"]
	assert _owned_rows(["D"]) == ["shared", "site"]


def test_with_no_practice_only_unowned_rows_are_seen():
	assert _owned_rows([]) == ["site"]
	assert _owned_rows(["E"]) == ["site"]


def test_a_shared_row_is_seen_by_every_practice():
	import sqlite3

	db = sqlite3.connect(":memory:")
	db.execute("create table `tabCompany` (`name` text)")
	db.execute("create table `tabPractice` (`name` text, `company` text)")
	db.executemany("insert into `tabCompany` values (?)", [("platform",), ("own-b",)])
	db.executemany("insert into `tabPractice` values (?, ?)", [("B", "own-b"), ("C", "platform")])
	cond = tenancy_sql.owned_by_none_or("Company", "Practice", "company", ["A"], quote, shared=["platform"])
	assert [r[0] for r in db.execute(f"select `name` from `tabCompany` where {cond}")] == ["platform"]


def test_a_practice_user_lists_themselves_and_their_colleagues_only():
	from medic_plus.core.tenancy_sql import colleagues

	def quote(v):
		return "'" + v.replace("'", "''") + "'"

	assert colleagues("a@x.org", [], quote) == "`tabUser`.`name` = 'a@x.org'"
	cond = colleagues("a@x.org", ["p2", "p1"], quote)
	assert cond.startswith("(`tabUser`.`name` = 'a@x.org' or `tabUser`.`name` in (select `user`")
	assert "`practice` in ('p1', 'p2')" in cond and "`is_active` = 1" in cond
	assert "o''brien" in colleagues("o'brien@x.org", [], quote)
	# a child table of User, by its parent
	assert colleagues("a@x.org", [], quote, "Has Role", "parent") == "`tabHas Role`.`parent` = 'a@x.org'"


def test_a_practices_books_are_found_through_its_company():
	sql = tenancy_sql.in_books("Sales Invoice", "company", ["p2", "p1"], quote)
	assert sql == (
		"`tabSales Invoice`.`company` in (select `company` from `tabPractice` "
		"where `name` in ('p1', 'p2') and ifnull(`company`, '') != '')"
	)


def test_no_books_means_no_row_unless_the_platforms_rows_are_shared():
	assert tenancy_sql.in_books("Sales Invoice", "company", [], quote) == tenancy_sql.DENY_ALL
	assert tenancy_sql.in_books("Price List", "custom_company", [], quote, or_unset=True) == (
		"ifnull(`tabPrice List`.`custom_company`, '') = ''"
	)
	shared = tenancy_sql.in_books("Price List", "custom_company", ["p1"], quote, or_unset=True)
	assert shared.startswith("(`tabPrice List`.`custom_company` in (select")
	assert shared.endswith(" or ifnull(`tabPrice List`.`custom_company`, '') = '')")
