"""The ICD-10 readers and the picker's search words."""

from pathlib import Path

import pytest

from medic_plus.core import codes

SHIPPED = Path(__file__).resolve().parents[2] / "medic_plus" / "data" / "icd10_primary_care.csv"

CLAML = b"""<?xml version="1.0" encoding="UTF-8"?>
<ClaML version="2.0.0">
  <Title name="ICD-10" version="2019">ICD-10</Title>
  <Class code="X" kind="chapter"><Rubric kind="preferred"><Label xml:lang="en">Diseases of the respiratory system</Label></Rubric></Class>
  <Class code="J00-J06" kind="block"><Rubric kind="preferred"><Label xml:lang="en">Acute upper respiratory infections</Label></Rubric></Class>
  <Class code="J06" kind="category">
    <SuperClass code="J00-J06"/>
    <Rubric kind="preferred"><Label xml:lang="en">Acute upper respiratory infections of multiple and unspecified sites</Label></Rubric>
    <Rubric kind="inclusion"><Label xml:lang="en">not the title</Label></Rubric>
  </Class>
  <Class code="J06.9" kind="category">
    <Rubric kind="preferred"><Label xml:lang="en">Acute upper respiratory infection, <Fragment>unspecified</Fragment></Label></Rubric>
  </Class>
</ClaML>
"""


def test_claml_reads_categories_with_their_preferred_title():
	got = list(codes.read("icd10.xml", CLAML))
	assert got == [
		codes.Code("J06", "Acute upper respiratory infections of multiple and unspecified sites", 1),
		codes.Code("J06.9", "Acute upper respiratory infection, unspecified", 2),
	]


def test_claml_that_is_not_xml_is_refused_with_a_reason():
	with pytest.raises(codes.CodeFileError, match="well-formed"):
		list(codes.read("x.xml", b"<?xml version='1.0'?><ClaML><Class"))


@pytest.mark.parametrize(
	"text",
	[
		"code,title\nJ06.9,Acute upper respiratory infection\n",
		"Code;Description\nJ069;Acute upper respiratory infection\n",
		"\ufeffICD10\tTitle\nj06.9\tAcute upper respiratory infection\n",
		"title,code\nAcute upper respiratory infection,J06.9\n\n",
	],
)
def test_csv_in_its_common_shapes(text):
	assert list(codes.read("c.csv", text.encode())) == [
		codes.Code("J06.9", "Acute upper respiratory infection", 2)
	]


@pytest.mark.parametrize(
	"text, message",
	[
		("", "empty"),
		("a,b\nJ06,x\n", "must name a code column"),
		("code,title\nhello,x\n", "line 2: 'hello' is not an ICD-10 code"),
		("code,title\nJ06,\n", "line 2: code J06 has no title"),
		("code,title\nJ06\n", "line 2: expected at least 2 columns"),
	],
)
def test_bad_csv_is_refused_with_the_line(text, message):
	with pytest.raises(codes.CodeFileError, match=message):
		list(codes.read("c.csv", text.encode()))


def test_binary_that_is_not_utf8_is_refused():
	with pytest.raises(codes.CodeFileError, match="neither UTF-8"):
		list(codes.read("c.bin", b"\xff\xfe\x00code"))


@pytest.mark.parametrize(
	"raw, code",
	[("j069", "J06.9"), (" J06.9 ", "J06.9"), ("I10", "I10"), ("A15.0+", "A15.0"), ("J06.", "J06")],
)
def test_codes_are_normalised(raw, code):
	assert codes.normalise_code(raw) == code


def test_the_shipped_subset_is_valid_and_unique():
	rows = list(codes.read(SHIPPED.name, SHIPPED.read_bytes()))
	assert len(rows) >= 80
	assert len(codes.unique(rows)) == len(rows)
	assert {"I10", "J06.9", "E11.9", "J45.9"} <= {r.code for r in rows}


def test_unique_keeps_the_last_title():
	rows = [codes.Code("I10", "a", 1), codes.Code("J00", "b", 1), codes.Code("I10", "c", 1)]
	assert list(codes.unique(rows).values()) == [codes.Code("I10", "c", 1), codes.Code("J00", "b", 1)]


@pytest.mark.parametrize(
	"text, prefix, words",
	[
		("j06", "J06", ()),
		("J06.", "J06.", ()),
		("j069", "J06.9", ()),
		("upper resp", None, ("upper", "resp")),
		("J06 Acute", "J06", ("acute",)),
		("  ", None, ()),
		("asthma", None, ("asthma",)),
	],
)
def test_picker_search(text, prefix, words):
	assert codes.parse_search(text) == codes.Search(prefix, words)
