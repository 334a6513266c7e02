"""The slot engine: schedule rows + existing bookings + practice rules -> free slots.

Pure: no Frappe import. All datetimes are naive and in the practice's local time
(the wall clock the schedule is written in); :func:`local_now` converts "now".

A schedule row is one slot, as in Healthcare's Practitioner Schedule: from_time to
to_time, on a weekday. A row with ``maximum_appointments`` is a block that takes that
many appointments, all booked at the block's start, each of the row's ``duration``.
"""

from __future__ import annotations

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
) -> Availability:
	"""Every free slot from ``from_date`` to ``to_date``, day by day, earliest first."""
	by_day: dict[str, list[ScheduleRow]] = {}
	for row in rows:
		by_day.setdefault(row.day, []).append(row)
	holidays = set(holidays)
	blocked = list(blocked)
	bookings_by_date: dict[date, list[Booking]] = {}
	for b in bookings:
		bookings_by_date.setdefault(b.start.date(), []).append(b)
	earliest, last_day = bookable_window(now, rules)

	out = Availability()
	for day in date_range(from_date, to_date):
		if day < now.date() or day > last_day or day in holidays:
			continue
		slots: dict[datetime, Slot] = {}
		for row in sorted(by_day.get(WEEKDAYS[day.weekday()], []), key=lambda r: (r.start, r.end)):
			slot = _slot_for(row, day, bookings_by_date.get(day, []), rules)
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


def _slot_for(row: ScheduleRow, day: date, bookings: list[Booking], rules: Rules) -> Slot | None:
	start = datetime.combine(day, row.start)
	end = datetime.combine(day, row.end)
	if end <= start:
		return None
	# the practitioner cannot be in two places; a service unit is shared with colleagues
	relevant = [b for b in bookings if b.own or (row.service_unit and b.service_unit == row.service_unit)]
	if row.maximum_appointments:
		taken = sum(1 for b in relevant if start <= b.start < end)
		duration = row.duration or int((end - start).total_seconds() // 60)
		return Slot(
			start,
			duration,
			row.maximum_appointments,
			row.maximum_appointments - taken,
			row.service_unit,
			True,
		)
	duration = int((end - start).total_seconds() // 60)
	capacity = max(1, row.capacity)
	buffer = timedelta(minutes=rules.buffer)
	taken = sum(1 for b in relevant if _overlaps(start, end + buffer, b.start, _booking_end(b) + buffer))
	return Slot(start, duration, capacity, capacity - taken, row.service_unit)


def _booking_end(b: Booking) -> datetime:
	# a zero-length appointment still takes the slot it starts in
	return b.start + timedelta(minutes=max(b.duration, 1))


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
	return a_start < b_end and b_start < a_end
