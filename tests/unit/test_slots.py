from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medic_plus.core.slots import (
	Blocked,
	Booking,
	Rules,
	ScheduleRow,
	date_range,
	free_slots,
	local_now,
)

MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 22, 12, 0)  # Sunday noon


def rows_every(minutes: int, start="09:00", end="12:00", day="Monday", **kw):
	t = datetime.combine(MONDAY, time.fromisoformat(start))
	stop = datetime.combine(MONDAY, time.fromisoformat(end))
	out = []
	while t + timedelta(minutes=minutes) <= stop:
		out.append(ScheduleRow(day, t.time(), (t + timedelta(minutes=minutes)).time(), **kw))
		t += timedelta(minutes=minutes)
	return out


def times(avail, day=MONDAY):
	return [s.time for s in avail.days.get(day, [])]


def test_each_schedule_row_is_one_slot():
	avail = free_slots(rows_every(30), [], Rules(), NOW, MONDAY)
	assert times(avail) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
	assert {s.duration for s in avail.days[MONDAY]} == {30}


def test_other_weekdays_have_no_slots():
	avail = free_slots(rows_every(30), [], Rules(), NOW, MONDAY + timedelta(days=1))
	assert avail.days == {}


def test_booked_slot_is_gone_and_longer_bookings_take_several():
	bookings = [
		Booking(datetime.combine(MONDAY, time(9, 0)), 30),
		Booking(datetime.combine(MONDAY, time(10, 0)), 60),
	]
	avail = free_slots(rows_every(30), bookings, Rules(), NOW, MONDAY)
	assert times(avail) == ["09:30", "11:00", "11:30"]


def test_booking_off_the_grid_blocks_what_it_overlaps():
	avail = free_slots(
		rows_every(30), [Booking(datetime.combine(MONDAY, time(9, 45)), 20)], Rules(), NOW, MONDAY
	)
	assert times(avail) == ["09:00", "10:30", "11:00", "11:30"]


def test_zero_length_booking_still_takes_its_slot():
	avail = free_slots(
		rows_every(30), [Booking(datetime.combine(MONDAY, time(9, 10)), 0)], Rules(), NOW, MONDAY
	)
	assert "09:00" not in times(avail)


def test_buffer_keeps_time_free_after_each_appointment():
	bookings = [Booking(datetime.combine(MONDAY, time(9, 0)), 30)]
	avail = free_slots(rows_every(30), bookings, Rules(buffer=10), NOW, MONDAY)
	assert times(avail) == ["10:00", "10:30", "11:00", "11:30"]


def test_buffer_also_protects_the_appointment_after():
	bookings = [Booking(datetime.combine(MONDAY, time(10, 0)), 30)]
	avail = free_slots(rows_every(30), bookings, Rules(buffer=10), NOW, MONDAY)
	assert "09:30" not in times(avail)


def test_capacity_counts_parallel_bookings():
	bookings = [Booking(datetime.combine(MONDAY, time(9, 0)), 30)] * 2
	avail = free_slots(rows_every(30, capacity=3), bookings, Rules(), NOW, MONDAY)
	first = avail.days[MONDAY][0]
	assert (first.time, first.capacity, first.capacity_left) == ("09:00", 3, 1)
	full = free_slots(rows_every(30, capacity=2), bookings, Rules(), NOW, MONDAY)
	assert "09:00" not in times(full)


def test_block_row_takes_maximum_appointments():
	row = ScheduleRow("Monday", time(9), time(12), maximum_appointments=3, duration=15)
	taken = [Booking(datetime.combine(MONDAY, time(9)), 15)] * 2
	slot = free_slots([row], taken, Rules(), NOW, MONDAY).days[MONDAY][0]
	assert (slot.time, slot.duration, slot.capacity_left, slot.block) == ("09:00", 15, 1, True)
	assert free_slots([row], [*taken, taken[0]], Rules(), NOW, MONDAY).days == {}


def test_notice_hides_slots_starting_too_soon():
	now = datetime.combine(MONDAY, time(9, 10))
	avail = free_slots(rows_every(30), [], Rules(notice=60), now, MONDAY)
	assert times(avail) == ["10:30", "11:00", "11:30"]


def test_past_slots_are_never_offered():
	now = datetime.combine(MONDAY, time(10, 0))
	assert times(free_slots(rows_every(30), [], Rules(), now, MONDAY))[0] == "10:00"
	assert free_slots(rows_every(30), [], Rules(), now + timedelta(days=7), MONDAY).days == {}


def test_horizon_hides_days_too_far_ahead():
	rules = Rules(horizon_days=7)
	assert free_slots(rows_every(30), [], rules, NOW, MONDAY).days
	assert free_slots(rows_every(30), [], rules, NOW, MONDAY + timedelta(days=7)).days == {}


def test_holidays_and_blocked_time_are_excluded():
	assert free_slots(rows_every(30), [], Rules(), NOW, MONDAY, holidays=[MONDAY]).days == {}
	blocked = [Blocked(datetime.combine(MONDAY, time(10)), datetime.combine(MONDAY, time(11)))]
	assert times(free_slots(rows_every(30), [], Rules(), NOW, MONDAY, blocked=blocked)) == [
		"09:00",
		"09:30",
		"11:00",
		"11:30",
	]


def test_practitioner_busy_in_another_unit_is_busy():
	rows = rows_every(30, service_unit="Room 1")
	other_unit = [Booking(datetime.combine(MONDAY, time(9)), 30, "Room 2", own=True)]
	assert "09:00" not in times(free_slots(rows, other_unit, Rules(), NOW, MONDAY))
	colleague_elsewhere = [Booking(datetime.combine(MONDAY, time(9)), 30, "Room 2", own=False)]
	assert "09:00" in times(free_slots(rows, colleague_elsewhere, Rules(), NOW, MONDAY))
	colleague_same_room = [Booking(datetime.combine(MONDAY, time(9)), 30, "Room 1", own=False)]
	assert "09:00" not in times(free_slots(rows, colleague_same_room, Rules(), NOW, MONDAY))


def test_two_schedules_offering_the_same_time_give_one_slot():
	rows = rows_every(30) + rows_every(30, capacity=2)
	slots = free_slots(rows, [], Rules(), NOW, MONDAY).days[MONDAY]
	assert len(slots) == 6 and slots[0].capacity_left == 2


def test_empty_or_inverted_rows_are_ignored():
	rows = [ScheduleRow("Monday", time(10), time(10)), ScheduleRow("Monday", time(11), time(10))]
	assert free_slots(rows, [], Rules(), NOW, MONDAY).days == {}


def test_range_is_at_most_31_days():
	assert len(date_range(MONDAY, MONDAY + timedelta(days=30))) == 31
	with pytest.raises(ValueError):
		date_range(MONDAY, MONDAY + timedelta(days=31))
	with pytest.raises(ValueError):
		date_range(MONDAY, MONDAY - timedelta(days=1))


def test_local_now_converts_from_utc():
	assert local_now(datetime(2026, 7, 1, 10, 0), "Europe/Berlin") == datetime(2026, 7, 1, 12, 0)
	assert local_now(datetime(2026, 1, 1, 10, 0), "Asia/Kolkata") == datetime(2026, 1, 1, 15, 30)


@settings(max_examples=200, deadline=None)
@given(
	starts=st.lists(st.integers(min_value=0, max_value=20), max_size=12),
	durations=st.lists(st.sampled_from([0, 10, 15, 30, 45, 60]), min_size=12, max_size=12),
	buffer=st.sampled_from([0, 5, 15]),
	notice=st.sampled_from([0, 30, 600]),
)
def test_property_free_slots_never_collide_with_bookings(starts, durations, buffer, notice):
	bookings = [
		Booking(datetime.combine(MONDAY, time(8)) + timedelta(minutes=15 * s), d)
		for s, d in zip(starts, durations, strict=False)
	]
	now = datetime.combine(MONDAY, time(8, 30))
	avail = free_slots(
		rows_every(15, "08:00", "13:00"), bookings, Rules(buffer=buffer, notice=notice), now, MONDAY
	)
	for slot in avail.days.get(MONDAY, []):
		assert slot.start >= now + timedelta(minutes=notice)
		assert 1 <= slot.capacity_left <= slot.capacity
		for b in bookings:
			b_end = b.start + timedelta(minutes=max(b.duration, 1))
			assert not (
				slot.start < b_end + timedelta(minutes=buffer)
				and b.start < slot.end + timedelta(minutes=buffer)
			)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(min_value=0, max_value=6))
def test_property_booking_a_free_slot_removes_it(n):
	rows = rows_every(30)
	avail = free_slots(rows, [], Rules(), NOW, MONDAY)
	slot = avail.days[MONDAY][n % len(avail.days[MONDAY])]
	after = free_slots(rows, [Booking(slot.start, slot.duration)], Rules(), NOW, MONDAY)
	assert slot.time not in times(after)
	assert len(times(after)) == len(times(avail)) - 1


# --- appointment types with their own duration ------------------------------------------


def test_a_longer_type_runs_over_several_rows_within_working_time():
	rows = rows_every(20) + rows_every(20, start="14:00", end="15:00")
	avail = free_slots(rows, [], Rules(), NOW, MONDAY, duration=40)
	# every row start whose 40 minutes stay inside 09:00-12:00 or 14:00-15:00
	assert times(avail) == [
		"09:00", "09:20", "09:40", "10:00", "10:20", "10:40", "11:00", "11:20", "14:00", "14:20",
	]  # fmt: skip
	assert {s.duration for s in avail.days[MONDAY]} == {40}


def test_a_longer_type_needs_all_of_its_time_free():
	bookings = [Booking(datetime.combine(MONDAY, time(10)), 20)]
	avail = free_slots(rows_every(20), bookings, Rules(), NOW, MONDAY, duration=40)
	assert "09:40" not in times(avail) and "10:00" not in times(avail)
	assert "09:20" in times(avail) and "10:20" in times(avail)


def test_a_longer_type_keeps_the_buffer_on_both_sides():
	bookings = [Booking(datetime.combine(MONDAY, time(10)), 20)]
	avail = free_slots(rows_every(20), bookings, Rules(buffer=10), NOW, MONDAY, duration=40)
	assert "09:20" not in times(avail) and "10:20" not in times(avail)
	assert "09:00" in times(avail) and "10:40" in times(avail)


def test_a_shorter_type_takes_a_row_and_leaves_it_for_nobody_else():
	avail = free_slots(rows_every(30), [], Rules(), NOW, MONDAY, duration=10)
	assert times(avail)[:2] == ["09:00", "09:30"]
	assert avail.days[MONDAY][0].duration == 10
	bookings = [Booking(datetime.combine(MONDAY, time(9)), 10)]
	assert "09:00" not in times(free_slots(rows_every(30), bookings, Rules(), NOW, MONDAY, duration=10))


def test_a_gap_in_the_schedule_is_not_worked_through():
	rows = [r for r in rows_every(20) if r.start != time(10)]  # 10:00-10:20 not worked
	avail = free_slots(rows, [], Rules(), NOW, MONDAY, duration=40)
	assert "09:40" not in times(avail) and "10:00" not in times(avail)
	assert "09:20" in times(avail) and "10:20" in times(avail)
