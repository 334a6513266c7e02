"""The setup checklist ticks itself from the practice's state."""

from medic_plus.core.setup_checklist import Facts, checklist, finished


def test_a_new_practice_has_its_week_and_page_but_no_branding_or_staff():
	items = checklist(Facts(has_logo=False, has_colour=True, has_schedule=True, bookable=True, members=1))
	assert [(i.key, i.done) for i in items] == [
		("branding", False),
		("schedule", True),
		("booking_page", True),
		("staff", False),
	]
	assert not finished(items)


def test_everything_done():
	assert finished(checklist(Facts(True, True, True, True, 3)))
