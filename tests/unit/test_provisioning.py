"""Provisioning rules: the plans' steps, short codes and when a failed run goes again."""

from datetime import datetime, timedelta

import pytest

from medic_plus.core.provisioning import (
	FAILED,
	PLANS,
	PROVISIONING,
	STEPS,
	retry_due,
	short_code,
	steps_for,
)


def test_every_plan_starts_with_its_own_company():
	assert all(steps_for(plan) == STEPS and STEPS[0] == "company" for plan in PLANS.values())
	assert steps_for(PLANS["Professional"]).index("practice") < steps_for(PLANS["Professional"]).index(
		"membership"
	)


@pytest.mark.parametrize(
	"name, expected",
	[
		("Green Valley Family Practice", "GVFP"),
		("Dr. Müller's Clinic", "DMLSC"),  # ü is no letter of a code: "M", "LLER"
		("Sunrise", "SUN"),
		("A B", "ABB"),  # too few initials: filled up from the words
		("Medical Centre of the Greater Johannesburg Area", "MCOTG"),
		("!!!", "PRA"),
	],
)
def test_short_code_from_the_name(name, expected):
	assert short_code(name, lambda code: False) == expected


def test_a_taken_short_code_gets_a_number():
	taken = {"GVFP", "GVFP2"}
	assert short_code("Green Valley Family Practice", taken.__contains__) == "GVFP3"
	long_taken = {"MCOTG"}
	code = short_code("Medical Centre of the Greater Johannesburg Area", long_taken.__contains__)
	assert code == "MCOTG2" and len(code) <= 8


NOW = datetime(2027, 1, 31, 12, 0)


@pytest.mark.parametrize(
	"status, attempts, ago, due",
	[
		(FAILED, 1, timedelta(minutes=6), True),
		(FAILED, 1, timedelta(minutes=4), False),  # too recent
		(FAILED, 3, timedelta(hours=1), False),  # three runs in all
		(PROVISIONING, 1, timedelta(minutes=20), True),  # its worker died
		(PROVISIONING, 1, timedelta(minutes=5), False),  # still running
		("Active", 1, timedelta(hours=1), False),
		("Approved", 0, timedelta(hours=1), False),
	],
)
def test_retry_due(status, attempts, ago, due):
	assert retry_due(status, attempts, NOW - ago, NOW) is due


def test_never_run_is_not_retried():
	assert not retry_due(FAILED, 0, None, NOW)


def test_the_plan_caps_the_practitioners():
	from medic_plus.core.provisioning import practitioners_allowed

	assert practitioners_allowed(PLANS["Basic"], 2)
	assert not practitioners_allowed(PLANS["Basic"], 3)
	assert not practitioners_allowed(PLANS["Professional"], 10)
	assert practitioners_allowed(PLANS["Enterprise"], 500)  # no limit


def test_the_settings_row_sets_a_plan_and_the_defaults_fill_the_rest():
	from medic_plus.core.provisioning import plan_from

	assert plan_from("Basic", None) == PLANS["Basic"]
	assert plan_from("Gold", {"fhir": 1}) is None
	plan = plan_from(
		"Basic", {"fhir": 0, "max_practitioners": "5", "visit_price": "2.5", "online_booking": None}
	)
	assert (plan.fhir, plan.max_practitioners, plan.visit_price) == (False, 5, 2.5)
	assert plan.online_booking  # not in the row: the default


@pytest.mark.parametrize(
	("included", "price", "visits", "billed"),
	[
		(0, 0.0, 40, None),  # the plan does not bill use
		(20, 1.5, 20, None),  # all included
		(20, 1.5, 21, 1),
		(20, 1.5, 45, 25),
		(0, 2.0, 3, 3),
		(-5, 2.0, 3, 3),  # a negative number included counts as none
	],
)
def test_a_month_bills_the_visits_beyond_those_included(included, price, visits, billed):
	from dataclasses import replace

	from medic_plus.core.provisioning import usage_charge

	charge = usage_charge(replace(PLANS["Basic"], included_visits=included, visit_price=price), visits)
	if billed is None:
		assert charge is None
	else:
		assert (charge.billed, charge.rate, charge.amount, charge.visits) == (
			billed,
			price,
			billed * price,
			visits,
		)
