import pytest

from medic_plus.core import rules


@pytest.mark.parametrize("slug", ["abc", "my-clinic", "a1-b2-c3", "x" * 63, "123"])
def test_valid_slugs_pass(slug):
	assert rules.slug_error(slug) is None


@pytest.mark.parametrize(
	"slug",
	["", None, "ab", "x" * 64, "My-Clinic", "-abc", "abc-", "a--b", "ab_c", "ab c", "émile", "a.b.c"],
)
def test_malformed_slugs_are_refused(slug):
	assert rules.slug_error(slug)


@pytest.mark.parametrize("slug", ["app", "api", "admin", "login", "book", "assets", "files"])
def test_reserved_slugs_are_refused(slug):
	assert rules.slug_error(slug) == "This slug is reserved"


def test_slugify_suggests_a_valid_slug():
	assert rules.slugify("  Dr. Müller's Clinic ") == "dr-m-ller-s-clinic"
	assert rules.slug_error(rules.slugify("Harbour Family Practice")) is None


def test_normalise_slug_trims_and_lowercases():
	assert rules.normalise_slug("  My-Clinic ") == "my-clinic"
	assert rules.normalise_slug(None) == ""


@pytest.mark.parametrize("code", ["ABC", "ABC01", "A1B2C3D4"])
def test_valid_short_codes_pass(code):
	assert rules.short_code_error(code) is None


@pytest.mark.parametrize("code", ["", None, "AB", "ABCDEFGHI", "abc01", "AB-01", "AB 01"])
def test_malformed_short_codes_are_refused(code):
	assert rules.short_code_error(code)


@pytest.mark.parametrize("color", [None, "", "#1F6FEB", "#abcdef"])
def test_brand_colour_accepts_hex_or_nothing(color):
	assert rules.brand_color_error(color) is None


@pytest.mark.parametrize("color", ["1F6FEB", "#1F6FE", "#1F6FEBFF", "red", "#GGGGGG"])
def test_brand_colour_refuses_anything_else(color):
	assert rules.brand_color_error(color)


def test_booking_settings_within_bounds_have_no_errors():
	assert rules.booking_settings_errors(15, 0, 60, 60) == []


def test_booking_settings_out_of_bounds_name_the_field():
	errors = rules.booking_settings_errors(0, -1, 60, 1000)
	assert [e[0] for e in errors] == ["default_duration", "buffer_minutes", "max_days_ahead"]


def test_missing_booking_setting_is_an_error():
	assert [e[0] for e in rules.booking_settings_errors(None, 0, 0, 1)] == ["default_duration"]


def test_timezone_rule():
	known = frozenset({"Europe/Berlin", "UTC"})
	assert rules.timezone_error("Europe/Berlin", known) is None
	assert rules.timezone_error(None, known) is None
	assert rules.timezone_error("Mars/Olympus", known)


def test_same_person_ignores_case_accents_and_spacing():
	from medic_plus.core.booking_rules import same_person

	assert same_person("José", "Müller-Lüdenscheidt", " jose ", "MULLER ludenscheidt")
	assert not same_person("Anna", "Schmidt", "Jonas", "Schmidt")  # a family sharing a phone
	assert not same_person("Anna", "Schmidt", "Anna", "Schmitt")
	assert not same_person("", "", "", "")
