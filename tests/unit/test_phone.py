import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from medic_plus.core.phone import NOT_A_NUMBER, NOT_MOBILE, WRONG_COUNTRY, PhoneError, check_mobile, regions


def example(region: str, kind) -> str:
	number = phonenumbers.example_number_for_type(region, kind)
	assert number is not None, (region, kind)
	return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def test_a_mobile_number_of_an_allowed_country_is_accepted_in_e164():
	assert check_mobile("0151 12345678", ["DE"]) == "+4915112345678"
	assert check_mobile("+49 151 1234 5678", ["DE", "AT"]) == "+4915112345678"


def test_north_american_numbers_are_fixed_line_or_mobile_and_accepted():
	number = example("US", PhoneNumberType.FIXED_LINE_OR_MOBILE)
	assert check_mobile(number, ["US"]) == number


@pytest.mark.parametrize(
	"kind",
	[
		PhoneNumberType.PREMIUM_RATE,
		PhoneNumberType.SHARED_COST,
		PhoneNumberType.UAN,
		PhoneNumberType.VOIP,
		PhoneNumberType.FIXED_LINE,
		PhoneNumberType.TOLL_FREE,
		PhoneNumberType.PAGER,
		PhoneNumberType.PERSONAL_NUMBER,
	],
)
def test_numbers_that_cost_more_or_cannot_text_are_refused(kind):
	region = next(r for r in ("GB", "DE", "US") if phonenumbers.example_number_for_type(r, kind))
	with pytest.raises(PhoneError) as refused:
		check_mobile(example(region, kind), [region])
	assert refused.value.reason == NOT_MOBILE


def test_a_mobile_of_another_country_is_refused():
	with pytest.raises(PhoneError) as refused:
		check_mobile(example("FR", PhoneNumberType.MOBILE), ["DE"])
	assert refused.value.reason == WRONG_COUNTRY


@pytest.mark.parametrize("value", ["", None, "12", "abc", "+49 151", "+" + "9" * 40])
def test_garbage_is_not_a_number(value):
	with pytest.raises(PhoneError) as refused:
		check_mobile(value, ["DE"])
	assert refused.value.reason == NOT_A_NUMBER


def test_regions():
	assert regions("de, za;XX\nAT") == ["DE", "ZA", "AT"]
	assert regions(["gb", "GB"]) == ["GB"]
	assert regions(None) == []
