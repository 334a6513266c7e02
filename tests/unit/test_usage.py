"""The months the usage job meters."""

from datetime import date

from medic_plus.core.usage import month_bounds, months_to_meter, next_month


def test_the_month_before_and_this_one():
	assert months_to_meter(date(2027, 1, 31)) == [date(2026, 12, 1), date(2027, 1, 1)]
	assert months_to_meter(date(2027, 3, 1)) == [date(2027, 2, 1), date(2027, 3, 1)]


def test_month_bounds():
	assert month_bounds(date(2028, 2, 17)) == (date(2028, 2, 1), date(2028, 2, 29))
	assert month_bounds(date(2026, 12, 5)) == (date(2026, 12, 1), date(2026, 12, 31))
	assert next_month(date(2026, 12, 31)) == date(2027, 1, 1)


def test_a_visit_is_a_completed_appointment_or_an_encounter_without_one():
	from medic_plus.core.usage import visits

	assert visits(12, 3) == 15
	assert visits(0, 0) == 0
	assert visits(-1, 2) == 2
