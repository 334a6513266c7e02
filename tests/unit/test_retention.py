"""The retention rule over a table of patients."""

from datetime import date

import pytest

from medic_plus.core.retention import Rule, may_delete, retention_end


@pytest.mark.parametrize(
	"last, dob, end",
	[
		(date(2020, 3, 1), date(1980, 1, 1), date(2026, 3, 1)),  # an adult: six years
		(date(2020, 3, 1), None, date(2026, 3, 1)),  # no birth date: six years
		(date(2020, 3, 1), date(2010, 6, 1), date(2031, 6, 1)),  # 9 at the entry: until 21
		(date(2020, 3, 1), date(2003, 1, 1), date(2026, 3, 1)),  # 17, but 21 comes earlier
		(date(2020, 2, 29), date(1980, 1, 1), date(2026, 2, 28)),  # a leap day
		(date(2020, 3, 1), date(2002, 3, 2), date(2026, 3, 1)),  # 17 the day before turning 18
	],
)
def test_retention_end(last, dob, end):
	assert retention_end(last, dob) == end


def test_a_platform_may_keep_longer():
	assert retention_end(date(2020, 3, 1), None, Rule(years=10)) == date(2030, 3, 1)


def test_may_delete_only_after_the_end():
	assert not may_delete(date(2020, 3, 1), None, date(2026, 3, 1))
	assert may_delete(date(2020, 3, 1), None, date(2026, 3, 2))
	assert may_delete(None, None, date(2026, 3, 2))
