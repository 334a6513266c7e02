from datetime import date, datetime

from medic_plus.core.jobs import approval_expired, day_window, no_show_due, rate, reminder_due, status_on

NOW = datetime(2026, 11, 23, 12, 0)


def test_reminder_window():
	assert reminder_due(datetime(2026, 11, 24, 11, 0), NOW, 24)
	assert reminder_due(datetime(2026, 11, 24, 12, 0), NOW, 24)
	assert not reminder_due(datetime(2026, 11, 24, 12, 1), NOW, 24)
	assert not reminder_due(datetime(2026, 11, 23, 11, 59), NOW, 24)  # already started


def test_no_show_after_end_and_grace():
	start = datetime(2026, 11, 23, 11, 0)
	assert not no_show_due(start, 30, NOW, 30)  # ends 11:30, grace until 12:00
	assert no_show_due(start, 30, datetime(2026, 11, 23, 12, 1), 30)
	assert no_show_due(start, 0, datetime(2026, 11, 23, 11, 1), 0)


def test_approval_expires_at_the_start():
	assert approval_expired(NOW, NOW)
	assert not approval_expired(datetime(2026, 11, 23, 12, 1), NOW)


def test_day_window_spans_midnight():
	assert [d.isoformat() for d in day_window(datetime(2026, 11, 23, 20), 24)] == ["2026-11-23", "2026-11-24"]


def test_rate():
	assert rate(1, 3) == 33.3
	assert rate(0, 0) == 0.0


TODAY = date(2026, 12, 6)
TOMORROW = date(2026, 12, 7)
YESTERDAY = date(2026, 12, 5)


def test_status_follows_the_practice_calendar():
	for status in (None, "", "Open", "Scheduled"):
		assert status_on(status, TOMORROW, TODAY) == "Scheduled"
		assert status_on(status, TODAY, TODAY) == "Open"
		assert status_on(status, YESTERDAY, TODAY) == "No Show"


def test_what_happened_is_never_undone_by_the_calendar():
	for status in ("Checked In", "Checked Out", "Closed", "Cancelled"):
		for day in (YESTERDAY, TODAY, TOMORROW):
			assert status_on(status, day, TODAY) == status
	for day in (YESTERDAY, TODAY, TOMORROW):
		assert status_on("Confirmed", day, TODAY) == "Confirmed"
	assert status_on("No Show", TODAY, TODAY) == "No Show"
	assert status_on("No Show", YESTERDAY, TODAY) == "No Show"
	# a missed visit moved to a later day is booked again
	assert status_on("No Show", TOMORROW, TODAY) == "Scheduled"
