"""The slot engine: schedule rows + existing bookings + practice rules -> free slots.

Pure: no Frappe import. All datetimes are naive and in the practice's local time
(the wall clock the schedule is written in); :func:`local_now` converts "now".

A schedule row is one slot, as in Healthcare's Practitioner Schedule: from_time to
to_time, on a weekday. A row with ``maximum_appointments`` is a block that takes that
many appointments, all booked at the block's start, each of the row's ``duration``.

An appointment type may last longer or shorter than a row (``duration``): then a slot
starts where a row starts and runs for that duration, within the practitioner's
working time (rows that follow each other without a gap), and must be free for all of
it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_RANGE_DAYS = 31


@dataclass(frozen=True)
class ScheduleRow:
	day: str
	start: time
	end: time
	maximum_appointments: int = 0
	duration: int = 0  # minutes; used by block rows (maximum_appointments)
	service_unit: str | None = None
	capacity: int = 1  # parallel appointments the service unit allows (1: no overlap)


@dataclass(frozen=True)
class Booking:
	start: datetime
	duration: int  # minutes
	service_unit: str | None = None
	own: bool = True  # the practitioner's own appointment (else another's in a shared unit)


@dataclass(frozen=True)
class Rules:
	buffer: int = 0  # minutes kept free after each appointment
	notice: int = 0  # minutes: the earliest bookable start is now + notice
	horizon_days: int = 60  # the latest bookable day is today + horizon_days


@dataclass(frozen=True)
class Slot:
	start: datetime
	duration: int
	capacity: int
	capacity_left: int
	service_unit: str | None = None
	block: bool = False

	@property
	def end(self) -> datetime:
		return self.start + timedelta(minutes=self.duration)

	@property
	def time(self) -> str:
		return self.start.strftime("%H:%M")


@dataclass(frozen=True)
class Blocked:
	start: datetime
	end: datetime


@dataclass
class Availability:
	days: dict[date, list[Slot]] = field(default_factory=dict)

	def slot_at(self, when: datetime) -> Slot | None:
		for slot in self.days.get(when.date(), []):
			if slot.start == when:
				return slot
		return None


def local_now(utc_now: datetime, tz: str) -> datetime:
	"""``utc_now`` (aware, or naive UTC) as a naive wall-clock time in ``tz``."""
	if utc_now.tzinfo is None:
		utc_now = utc_now.replace(tzinfo=ZoneInfo("UTC"))
	return utc_now.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def date_range(from_date: date, to_date: date | None) -> list[date]:
	"""The days from ``from_date`` to ``to_date`` inclusive (one day when no end)."""
	to_date = to_date or from_date
	if to_date < from_date:
		raise ValueError("to_date is before from_date")
	days = (to_date - from_date).days + 1
	if days > MAX_RANGE_DAYS:
		raise ValueError(f"at most {MAX_RANGE_DAYS} days at a time")
	return [from_date + timedelta(days=i) for i in range(days)]


def bookable_window(now: datetime, rules: Rules) -> tuple[datetime, date]:
	"""(earliest bookable start, latest bookable day)."""
	return now + timedelta(minutes=rules.notice), now.date() + timedelta(days=rules.horizon_days)


def free_slots(
	rows: Iterable[ScheduleRow],
	bookings: Iterable[Booking],
	rules: Rules,
	now: datetime,
	from_date: date,
	to_date: date | None = None,
	holidays: Iterable[date] = (),
	blocked: Iterable[Blocked] = (),
	duration: int | None = None,
) -> Availability:
	"""Every free slot from ``from_date`` to ``to_date``, day by day, earliest first;
	with ``duration`` (minutes), slots of that length instead of each row's."""
	by_day: dict[str, list[ScheduleRow]] = {}
	for row in rows:
		by_day.setdefault(row.day, []).append(row)
	for day_rows in by_day.values():
		day_rows.sort(key=lambda r: (r.start, r.end))
	holidays = set(holidays)
	blocked = list(blocked)
	bookings_by_date: dict[date, list[Booking]] = {}
	for b in bookings:
		bookings_by_date.setdefault(b.start.date(), []).append(b)
	earliest, last_day = bookable_window(now, rules)

	spans_by_day = {day: _working_spans(day_rows) for day, day_rows in by_day.items()}
	out = Availability()
	for day in date_range(from_date, to_date):
		if day < now.date() or day > last_day or day in holidays:
			continue
		day_bookings = _DayBookings(bookings_by_date.get(day, []))
		slots: dict[datetime, Slot] = {}
		weekday = WEEKDAYS[day.weekday()]
		for row in by_day.get(weekday, []):
			slot = _slot_for(row, day, day_bookings, rules, duration, spans_by_day.get(weekday, ()))
			if slot is None or slot.start < earliest or slot.capacity_left <= 0:
				continue
			if any(_overlaps(slot.start, slot.end, b.start, b.end) for b in blocked):
				continue
			current = slots.get(slot.start)
			if current is None or slot.capacity_left > current.capacity_left:
				slots[slot.start] = slot
		if slots:
			out.days[day] = sorted(slots.values(), key=lambda s: s.start)
	return out


class _DayBookings:
	"""One day's bookings as minutes since midnight, sorted by start, so that a slot
	finds the bookings around it by bisection instead of looking at all of them."""

	def __init__(self, bookings: list[Booking]):
		rows = sorted(
			(
				_minutes(b.start.time()),
				_minutes(b.start.time()) + max(b.duration, 1),  # a zero-length one still takes its slot
				b.service_unit,
				b.own,
			)
			for b in bookings
		)
		self.rows = rows
		self.starts = [r[0] for r in rows]
		self.longest = max((r[1] - r[0] for r in rows), default=0)

	def around(self, start: int, end: int, margin: int):
		"""Bookings that may overlap [start - margin, end + margin)."""
		lo = bisect_left(self.starts, start - margin - self.longest)
		hi = bisect_left(self.starts, end + margin)
		return self.rows[lo:hi]


def _working_spans(rows: list[ScheduleRow]) -> list[tuple[int, int]]:
	"""A day's working time in minutes: its (non-block) rows, joined where they touch."""
	spans: list[list[int]] = []
	for row in rows:  # sorted by start
		if row.maximum_appointments:
			continue
		start, end = _minutes(row.start), _minutes(row.end)
		if spans and start <= spans[-1][1]:
			spans[-1][1] = max(spans[-1][1], end)
		elif end > start:
			spans.append([start, end])
	return [(a, b) for a, b in spans]


def _slot_for(
	row: ScheduleRow,
	day: date,
	bookings: _DayBookings,
	rules: Rules,
	duration: int | None = None,
	spans: Iterable[tuple[int, int]] = (),
) -> Slot | None:
	start_m, end_m = _minutes(row.start), _minutes(row.end)
	if end_m <= start_m:
		return None
	if duration and not row.maximum_appointments:
		end_m = start_m + duration
		if not any(a <= start_m and end_m <= b for a, b in spans):
			return None

	def relevant(unit, own):
		# the practitioner cannot be in two places; a service unit is shared with colleagues
		return own or (row.service_unit and unit == row.service_unit)

	start = datetime.combine(day, row.start)
	if row.maximum_appointments:
		taken = sum(
			1
			for b0, _b1, unit, own in bookings.around(start_m, end_m, 0)
			if start_m <= b0 < end_m and relevant(unit, own)
		)
		duration = row.duration or (end_m - start_m)
		return Slot(
			start,
			duration,
			row.maximum_appointments,
			row.maximum_appointments - taken,
			row.service_unit,
			True,
		)
	capacity = max(1, row.capacity)
	buf = rules.buffer
	taken = sum(
		1
		for b0, b1, unit, own in bookings.around(start_m, end_m, buf)
		if b0 < end_m + buf and start_m < b1 + buf and relevant(unit, own)
	)
	return Slot(start, end_m - start_m, capacity, capacity - taken, row.service_unit)


def _minutes(t: time) -> int:
	return t.hour * 60 + t.minute


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
	return a_start < b_end and b_start < a_end
