from datetime import date

from medic_plus.core.clinical import inclusive_days, sick_note_errors

MON, FRI = date(2026, 11, 23), date(2026, 11, 27)


def test_days_are_counted_inclusively():
	assert inclusive_days(MON, FRI) == 5
	assert inclusive_days(MON, MON) == 1


def test_valid_dates_have_no_errors():
	assert sick_note_errors(MON, MON, FRI, 3) == []


def test_end_before_start_is_refused():
	assert sick_note_errors(MON, FRI, MON, 3) == ["The sick note cannot end before it starts."]


def test_back_dating_within_the_limit_is_allowed():
	assert sick_note_errors(FRI, MON, FRI, 4) == []


def test_back_dating_beyond_the_limit_is_refused():
	assert sick_note_errors(FRI, MON, FRI, 3) == ["The sick note starts too long before its issue date."]
	assert sick_note_errors(FRI, date(2026, 11, 26), FRI, 0) == [
		"The sick note starts too long before its issue date."
	]
