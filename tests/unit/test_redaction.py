from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from medic_plus.core import redaction as r

ON = date(2026, 3, 4)


def known(**more) -> r.Known:
	return r.Known(
		people=[
			r.Person("PATIENT", ("Zoë", "Mary", "van der Merwe")),
			r.Person("MOTHER", ("Thandiwe", "Nkosi")),
			r.Person("DOCTOR", ("Pieter", "Botha")),
			r.Person("PRACTICE", ("Sunrise Family Practice",)),
		],
		identifiers=["ABC01-P00042", "MED-774411", "A12345678"],
		phones=["+27 82 123 4567"],
		emails=["zoe.vdm@example.org"],
		addresses=["12 Kloof Street, Gardens"],
		dates=[date(1990, 5, 17)],
		on=ON,
		**more,
	)


def test_names_in_any_case_order_with_initials_and_without_diacritics():
	redactor = r.Redactor(known())
	text = (
		"Zoe van der Merwe (ZOË), seen with her mother T. Nkosi. VAN DER MERWE, Zoë M. says "
		"Dr Botha P. advised rest. Referred by Sunrise Family Practice."
	)
	out = redactor.redact(text)
	for name in ("Zoe", "Zoë", "ZOË", "Merwe", "Nkosi", "Botha", "Sunrise", "Thandiwe"):
		assert name.lower() not in out.text.lower(), (name, out.text)
	assert "[PATIENT]" in out.text and "[MOTHER]" in out.text and "[DOCTOR]" in out.text
	assert redactor.leaks(out.text) == []
	assert out.text.startswith("[PATIENT] ([PATIENT])")  # one person, one placeholder
	assert r.restore(out.text, out.values).startswith("Zoë Mary van der Merwe (Zoë Mary van der Merwe)")


def test_numbers_contacts_records_addresses_and_dates():
	redactor = r.Redactor(known())
	text = (
		"ID 9005175800085, passport A12345678, medical aid MED-774411, record ABC01-P00042 and "
		"encounter HLC-ENC-2026-00012. Call 082 123 4567 or +27 21 555 0199, mail zoe.vdm@example.org "
		"or z.other@mail.co.za. Lives at 12 Kloof Street, Gardens; works at 5 Long Road. "
		"Born 17/05/1990, last seen 2026-02-20, next visit 10 March 2026."
	)
	out = redactor.redact(text)
	for secret in (
		"9005175800085",
		"A12345678",
		"MED-774411",
		"ABC01-P00042",
		"HLC-ENC-2026-00012",
		"123 4567",
		"555 0199",
		"zoe.vdm@example.org",
		"z.other@mail.co.za",
		"Kloof",
		"5 Long Road",
		"17/05/1990",
		"2026-02-20",
		"10 March 2026",
	):
		assert secret not in out.text, (secret, out.text)
	assert "[DATE: 12 days before]" in out.text and "[DATE: 6 days after]" in out.text
	assert "[DATE: 35 years before]" in out.text
	assert redactor.leaks(out.text) == []
	assert r.restore(out.text, out.values) == text


def test_an_id_number_is_one_only_with_its_check_digit():
	assert r.luhn("9005175800085")
	assert not r.luhn("9005175800087")
	out = r.Redactor(r.Known(on=ON)).redact("numbers 9005175800087 and 9005175800085")
	assert "9005175800087" in out.text and "9005175800085" not in out.text


def test_leaks_name_what_is_still_there():
	redactor = r.Redactor(known())
	assert "Zoë Mary van der Merwe" in redactor.leaks("Patient Merwe said")
	assert "+27 82 123 4567" in redactor.leaks("call 0821234567")
	assert "1990-05-17" in redactor.leaks("born 1990-05-17")


NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéöüñ", min_size=3, max_size=10).map(str.capitalize)


@settings(max_examples=150, deadline=None)
@given(
	first=NAMES,
	last=NAMES,
	day=st.dates(min_value=date(1920, 1, 1), max_value=date(2030, 12, 31)),
	phone=st.integers(min_value=600000000, max_value=849999999),
	upper=st.booleans(),
	swap=st.booleans(),
)
def test_generated_notes_keep_nothing_of_the_patient(first, last, day, phone, upper, swap):
	name = f"{last}, {first}" if swap else f"{first} {last}"
	if upper:
		name = name.upper()
	mobile = f"0{phone}"
	text = (
		f"{name} came in on {day.isoformat()} ({day.strftime('%d/%m/%Y')}). Reachable on "
		f"{mobile[:3]} {mobile[3:6]} {mobile[6:]}. Plan discussed with {first}."
	)
	redactor = r.Redactor(
		r.Known(people=[r.Person("PATIENT", (first, last))], phones=[mobile], dates=[day], on=ON)
	)
	out = redactor.redact(text)
	assert redactor.leaks(out.text) == [], out.text
	# outside the placeholders (a name may be a part of their own words: "Hon" in "[PHONE]")
	outside = r.PLACEHOLDER.sub(" ", out.text).lower()
	assert first.lower() not in outside and last.lower() not in outside, out.text
	assert day.isoformat() not in out.text and mobile[3:6] not in out.text
	restored = r.restore(out.text, out.values)
	assert "[" not in restored and f"{first} {last}" in restored and day.isoformat() in restored


def test_a_name_that_is_a_placeholders_word_leaves_the_placeholder_whole():
	# a patient named "Phone": the [PHONE] placeholder is not renamed [[PATIENT]]
	redactor = r.Redactor(
		r.Known(people=[r.Person("PATIENT", ("Aaa", "Phone"))], phones=["0600000000"], on=ON)
	)
	out = redactor.redact("Aaa Phone, reachable on 060 000 0000, years before.")
	assert out.text == "[PATIENT], reachable on [PHONE], years before."
	assert r.restore(out.text, out.values) == "Aaa Phone, reachable on 060 000 0000, years before."
	redactor = r.Redactor(
		r.Known(people=[r.Person("PATIENT", ("Ann", "Years"))], dates=[date(2000, 1, 1)], on=ON)
	)
	out = redactor.redact("Ann Years, seen 2000-01-01.")
	assert "[PATIENT]" in out.text and "years before]" in out.text
	assert r.restore(out.text, out.values) == "Ann Years, seen 2000-01-01."


def test_every_known_person_has_a_placeholder_to_be_given_back():
	redactor = r.Redactor(
		r.Known(
			people=[
				r.Person("PATIENT", ("Thandiwe", "Nkosi")),
				r.Person("STAFF", ("Ann", "Lee")),
				r.Person("STAFF", ("Bo", "Kim")),
			]
		)
	)
	assert redactor.people() == {"[PATIENT]": "Thandiwe Nkosi", "[STAFF]": "Ann Lee", "[STAFF_2]": "Bo Kim"}
	answer = "Dear [PATIENT], ... [STAFF_2]"
	assert r.restore(answer, redactor.people()) == "Dear Thandiwe Nkosi, ... Bo Kim"
