"""What the portal shows a signed-in patient: one card per practice that holds a record
of theirs (or of a child it linked to them), with the practice's name, logo and contact,
the people on the card, and their upcoming and past visits. Nothing of one practice
appears under another."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

import frappe
from frappe import _
from frappe.query_builder import Case, Parameter
from pypika import analytics  # frappe.qb is PyPika: its window functions

from medic_plus.booking import availability, service
from medic_plus.booking import practice as booking_practice
from medic_plus.core import video
from medic_plus.core.access_log import Access
from medic_plus.portal import accounts, consents, documents, health, identity
from medic_plus.privacy import access_log

PAST_SHOWN = 20  # past visits on a card, latest first
CLOSED = ("Cancelled", "No Show", "Closed", "Checked Out")


def home() -> dict:
	account = identity.account_of()
	records = identity.records(account)
	practices = _practices({r.practice for r in records})
	records = [r for r in records if r.practice in practices]
	names = [r.patient for r in records]
	people = {r.patient: r.full_name for r in records}
	now = {name: p.now() for name, p in practices.items()}
	visits = _appointments(records, now)
	billed = accounts.summary(records, {name: p.company for name, p in practices.items()})
	released = documents.listing(
		records,
		{p: max(i["date"] for i in b["invoices"]) for p, b in billed.items() if b["invoices"]},
	)
	in_force = consents.listing(records)
	safety = health.summary(names)
	cards = []
	for name, p in sorted(practices.items(), key=lambda item: item[1].practice_name or item[0]):
		mine = [r for r in records if r.practice == name]
		upcoming, past = [], []
		for row in visits.get(name, []):
			start = availability.appointment_start(row)
			visit = _visit(row, start, p, now[name])
			(upcoming if start >= now[name] and row.status not in CLOSED else past).append(visit)
		cards.append(
			{
				"practice": _practice(p),
				"people": [
					{
						"patient": r.patient,
						"name": people.get(r.patient),
						"own": r.own,
						**safety[r.patient],
						"account": billed.get(r.patient),
					}
					for r in mine
				],
				"upcoming": sorted(upcoming, key=lambda v: (v["date"], v["time"])),
				"past": past[:PAST_SHOWN],
				"consents": [
					{**consent, "for": people.get(consent["patient"])} for consent in in_force.get(name, [])
				],
				"documents": [
					{**doc, "label": _(doc["label"]), "for": people.get(doc["patient"])}
					for doc in released.get(name, [])
				],
			}
		)
	_log_reads(names)
	return {"first_name": account.first_name, "last_name": account.last_name, "practices": cards}


def _practices(names: set[str]) -> dict[str, booking_practice.BookingPractice]:
	"""Each practice from the document cache (its settings, read on every page, change
	rarely); one that is gone has no card."""
	out = {}
	for name in sorted(names):
		try:
			out[name] = booking_practice.from_doc(frappe.get_cached_doc("Practice", name))
		except frappe.DoesNotExistError:
			frappe.clear_last_message()
	return out


def _practice(p) -> dict:
	return {**p.public(), "bookable": p.is_open}


def _appointments(records, now: dict[str, datetime]) -> dict[str, list]:
	"""practice -> the visits of its records, latest first: every one from the day before
	the earliest practice's today on, and the latest PAST_SHOWN before of each practice, in
	one query: a long history is not read whole."""
	if not records:
		return {}
	since = min(today.date() for today in now.values()) - timedelta(days=1)
	out: dict[str, list] = {practice: [] for practice in now}
	for row in frappe.db.sql(
		_appointments_query(), {"patients": tuple(r.patient for r in records), "since": since}, as_dict=True
	):
		if row.custom_practice in out:
			out[row.custom_practice].append(row)
	for visits in out.values():
		visits.sort(key=lambda r: (r.appointment_date, r.appointment_time), reverse=True)
	return out


@cache
def _appointments_query() -> str:
	"""Built once per process (every home asks it): the database numbers each practice's
	visits before ``since``, latest first, and keeps PAST_SHOWN of them."""
	appt = frappe.qb.DocType("Patient Appointment")
	recent = Case().when(appt.appointment_date >= Parameter("%(since)s"), 1).else_(0)
	place = (
		analytics.RowNumber()
		.over(appt.custom_practice, recent)
		.orderby(appt.appointment_date, order=frappe.qb.desc)
		.orderby(appt.appointment_time, order=frappe.qb.desc)
	)
	rows = (
		frappe.qb.from_(appt)
		.select(
			appt.name,
			appt.patient,
			appt.custom_practice,
			appt.appointment_date,
			appt.appointment_time,
			appt.duration,
			appt.practitioner,
			appt.practitioner_name,
			appt.appointment_type,
			appt.status,
			appt.custom_booking_reference,
			appt.custom_video_room,
			recent.as_("recent"),
			place.as_("place"),
		)
		.where(appt.patient.isin(Parameter("%(patients)s")))
	)
	return frappe.qb.from_(rows).select("*").where((rows.recent == 1) | (rows.place <= PAST_SHOWN)).get_sql()


def _visit(row, start: datetime, p, now: datetime) -> dict:
	changeable = service.can_cancel(row, p, now)
	return {
		"appointment": row.name,
		"patient": row.patient,
		"reference": row.custom_booking_reference,
		"date": start.date().isoformat(),
		"time": start.strftime("%H:%M"),
		"duration": row.duration,
		"practitioner": row.practitioner,
		"practitioner_name": row.practitioner_name,
		"appointment_type": row.appointment_type,
		"status": row.status,
		"can_change": bool(changeable and p.is_open),
		"can_cancel": changeable,
		# a video visit still to take place: the portal leads to its /visit page
		"video": bool(row.custom_video_room and video.link_alive(row.status, start, row.duration or 0, now)),
		"change_until": service.cancellation_deadline(row, p).strftime("%Y-%m-%d %H:%M")
		if changeable
		else None,
	}


def _log_reads(names: list[str]) -> None:
	"""Each record the home shows, read by the patient (privacy/access_log.py)."""
	if names:
		request = getattr(frappe.local, "request", None)
		access_log.push(
			[Access("Patient", name, "read") for name in names],
			frappe.session.user,
			request,
			actor="Patient",
		)
