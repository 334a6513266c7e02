"""Booking an appointment: lock, re-check, find or create the patient, create the
appointment. Everything inside one transaction; any failure leaves nothing behind."""

from __future__ import annotations

import base64
import hashlib
import hmac
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import frappe
from frappe import _
from frappe.model.naming import make_autoname
from healthcare.healthcare.doctype.patient_appointment.patient_appointment import OverlapError

from medic_plus.booking import availability, calendar_cache
from medic_plus.core import erasure
from medic_plus.core.booking_rules import reference_series, same_person
from medic_plus.tenancy.context import system_scope

TOKEN_DAYS_AFTER = 7  # a manage link works until a week after the appointment


class SlotTakenError(frappe.ValidationError):
	http_status_code = 409


class BookingClosedError(frappe.ValidationError):
	http_status_code = 403


class TooManyOpenBookings(frappe.ValidationError):
	http_status_code = 409


class PatientBusyError(frappe.ValidationError):
	"""The person already has an appointment that overlaps the time they asked for."""

	http_status_code = 409


OPEN_STATUSES = ("Scheduled", "Open", "Confirmed")


@dataclass
class Person:
	first_name: str
	last_name: str
	email: str
	mobile: str | None = None
	gender: str | None = None
	verified: str = "email"  # the field the code proved: "email" or "mobile"

	@property
	def identifier(self) -> str | None:
		return self.mobile if self.verified == "mobile" else self.email


def token_hash(token: str) -> str:
	return hashlib.sha256(token.encode()).hexdigest()


@contextmanager
def booking_transaction():
	"""A booking (or a move) in a transaction of its own, at READ COMMITTED: its reads
	see every booking committed before its locks were granted, and its locks hold rows,
	not the gaps between them. (At REPEATABLE READ, the range read of the bookings locked
	gaps, and two guests booking different doctors deadlocked on their inserts.) What must
	be serialised is, by the rows locked first: the practitioner, then their units."""
	if getattr(frappe.db, "transaction_writes", 0):  # inside a larger piece of work: as it is
		yield
		return
	frappe.db.sql("set session transaction isolation level read committed")
	frappe.db.rollback()  # nothing is written yet: the booking starts afresh
	try:
		yield
	finally:
		# later transactions of this connection are Frappe's usual ones again
		frappe.db.sql("set session transaction isolation level repeatable read")


def lock_practitioner(practitioner: str) -> None:
	"""Serialise bookings of one practitioner: SELECT ... FOR UPDATE on its row."""
	hp = frappe.qb.DocType("Healthcare Practitioner")
	frappe.qb.from_(hp).select(hp.name).where(hp.name == practitioner).for_update().run()


def book(
	practice,
	practitioner: str,
	appointment_date: date,
	appointment_time: time,
	person: Person,
	appointment_type: str | None = None,
	notes: str | None = None,
	duration: int | None = None,
	patient: str | None = None,
) -> tuple[frappe._dict, str]:
	"""Create the appointment, ``duration`` minutes long (else the slot's); returns
	(appointment, manage token). ``patient``: the record it is for, already judged (the
	patient portal's follow-up); else the person's record is found or made."""
	with system_scope():
		lock_practitioner(practitioner)
		slot = free_slot(practice, practitioner, appointment_date, appointment_time, duration)
		check_open_bookings(practice, person)
		if patient:
			check_record_open(frappe.db.get_value("Patient", patient, "custom_record_status"))
		else:
			patient = find_or_create_patient(practice, person)
		appointment = frappe.get_doc(
			{
				"doctype": "Patient Appointment",
				"patient": patient,
				"practitioner": practitioner,
				"appointment_type": appointment_type or default_appointment_type(),
				"appointment_date": appointment_date,
				"appointment_time": appointment_time.strftime("%H:%M:%S"),
				"duration": slot.duration,
				"service_unit": slot.service_unit,
				"company": practice.company or default_company(),
				"notes": notes,
				"custom_practice": practice.name,
				"custom_booking_reference": make_autoname(reference_series(practice.short_code)),
				"custom_booked_online": 1,
				"custom_awaiting_approval": 1 if practice.require_approval else 0,
			}
		)
		appointment.flags.ignore_permissions = True
		appointment.flags.medic_plus_slot_duration = slot.duration
		try:
			appointment.insert()
		except OverlapError:
			# the doctor's time is free (checked under the lock): the patient's is not
			frappe.clear_last_message()
			frappe.throw(
				_("You already have an appointment at this time. Please choose another time."),
				PatientBusyError,
				title=_("Already Booked"),
			)
		token = manage_token(appointment.name)
		appointment.db_set("custom_manage_token_hash", token_hash(token), update_modified=False)
		return appointment, token


def free_slot(practice, practitioner: str, day: date, at: time, duration: int | None, exclude=None):
	"""The slot at ``day`` ``at``, read under the lock (``exclude``: the appointment being
	moved), or a 409 when it was just taken."""
	slot = availability.compute(
		practice, practitioner, day, lock=True, duration=duration, exclude=exclude
	).slot_at(datetime.combine(day, at))
	if not slot:
		frappe.throw(
			_("Sorry, this time has just been taken. Please choose another one."),
			SlotTakenError,
			title=_("Slot Taken"),
		)
	return slot


def _verified_match(practice: str, person: Person):
	"""Patients of ``practice`` whose field that the code proved holds the verified value."""
	patient = frappe.qb.DocType("Patient")
	return patient, (patient.custom_practice == practice) & (patient[person.verified] == person.identifier)


def find_or_create_patient(practice, person: Person) -> str:
	"""The practice's own patient whom the verified address (or number) and the name both
	match, whatever their status (a new patient waiting for a registration fee is disabled);
	otherwise a new patient. A field that was not verified never selects a record, and two
	people sharing a phone or an address stay two patients."""
	patient, match = _verified_match(practice.name, person)
	candidates = (
		frappe.qb.from_(patient)
		.select(patient.name, patient.first_name, patient.last_name, patient.custom_record_status)
		.where(match)
		.orderby(patient.creation)
		.run(as_dict=True)
	)
	for row in candidates:
		if same_person(row.first_name, row.last_name, person.first_name, person.last_name):
			check_record_open(row.custom_record_status)
			return row.name
	doc = frappe.get_doc(
		{
			"doctype": "Patient",
			"first_name": person.first_name,
			"last_name": person.last_name,
			"email": person.email,
			"mobile": person.mobile,
			"sex": person.gender or "Prefer not to say",
			"invite_user": 0,
			"custom_practice": practice.name,
		}
	)
	doc.flags.ignore_permissions = True
	queued = len(frappe.local.message_log)
	doc.insert()
	# Healthcare says "Customer <id> created and linked to Patient": a guest learns neither
	# the record's id nor that the person was new to the practice
	del frappe.local.message_log[queued:]
	return doc.name


def check_record_open(status: str | None) -> None:
	"""A restricted, archived or erased record (its ``status``) takes no online booking."""
	if not erasure.is_open(status):
		frappe.throw(
			_("Your record at this practice cannot take online bookings. Please contact the practice."),
			BookingClosedError,
			title=_("Please Contact the Practice"),
		)


def check_open_bookings(practice, person: Person) -> None:
	"""A verified address (or number) holds at most ``max_open_bookings`` upcoming online
	bookings at a practice."""
	cap = practice.get("max_open_bookings") or 2
	patient, match = _verified_match(practice.name, person)
	appt = frappe.qb.DocType("Patient Appointment")
	today = practice.now().date()
	count = (
		frappe.qb.from_(appt)
		.join(patient)
		.on(patient.name == appt.patient)
		.select(frappe.query_builder.functions.Count("*"))
		.where(
			match
			& (appt.custom_practice == practice.name)
			& (appt.custom_booked_online == 1)
			& appt.status.isin(OPEN_STATUSES)
			& (appt.appointment_date >= today)
		)
		.run()[0][0]
	)
	if count >= cap:
		frappe.throw(
			_(
				"You already have {0} upcoming online bookings at {1}. Please cancel one (the link is in "
				"your confirmation) or call the practice."
			).format(count, practice.practice_name),
			TooManyOpenBookings,
			title=_("Too Many Bookings"),
		)


def default_appointment_type() -> str:
	name = frappe.db.get_value(
		"Appointment Type", {"allow_booking_for": "Practitioner"}, "name", order_by="creation asc"
	)
	if not name:
		frappe.throw(_("Online booking is not set up yet: no Appointment Type exists."), BookingClosedError)
	return name


def default_company() -> str:
	"""The platform's company, for a practice that keeps no books of its own."""
	from medic_plus.billing import books

	company = books.default_company()
	if not company:
		frappe.throw(_("Online booking is not set up yet: no Company exists."), BookingClosedError)
	return company


def manage_token(appointment: str) -> str:
	"""The one manage link of an appointment: derived from its name with the site's secret,
	so the confirmation, its .ics and every reminder carry the same link."""
	from frappe.utils.password import get_encryption_key

	digest = hmac.new(
		get_encryption_key().encode(), f"medic_plus:manage:{appointment}".encode(), hashlib.sha256
	).digest()
	return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def ensure_manage_token(appointment) -> str:
	"""The appointment's manage token, its hash stored (appointments booked before links
	were derived get theirs now)."""
	token = manage_token(appointment.name)
	if appointment.get("custom_manage_token_hash") != token_hash(token):
		appointment.db_set("custom_manage_token_hash", token_hash(token), update_modified=False)
	return token


def get_by_token(token: str):
	"""The appointment behind a manage token, or None (also for malformed tokens)."""
	if not token or len(token) > 128:
		return None
	name = frappe.db.get_value("Patient Appointment", {"custom_manage_token_hash": token_hash(token)}, "name")
	if not name:
		return None
	with system_scope():
		return frappe.get_doc("Patient Appointment", name)


def token_expiry(appointment) -> datetime:
	return availability.appointment_start(appointment) + timedelta(days=TOKEN_DAYS_AFTER)


def cancellation_deadline(appointment, practice) -> datetime:
	return availability.appointment_start(appointment) - timedelta(
		minutes=practice.cancel_cutoff_minutes or 0
	)


def can_cancel(appointment, practice, now: datetime | None = None) -> bool:
	"""Whether the patient may still cancel (or move) the appointment online: it is open,
	and the practice's cut-off before it has not passed."""
	if appointment.status not in ("Scheduled", "Open", "Confirmed"):
		return False
	return (now or practice.now()) < cancellation_deadline(appointment, practice)


def cancel(appointment, reason: str | None = None) -> None:
	"""Cancel through Healthcare's own status update (it also releases invoices, fee
	validity and prescriptions), which frees the slot."""
	from healthcare.healthcare.doctype.patient_appointment.patient_appointment import update_status

	with system_scope():
		update_status(appointment.name, "Cancelled")
		calendar_cache.on_appointment_change(appointment)  # Healthcare writes the status directly
		if reason:
			note = _("Cancelled online: {0}").format(reason)
			frappe.db.set_value(
				"Patient Appointment",
				appointment.name,
				"notes",
				"\n".join(filter(None, [appointment.notes, note])),
			)


def reschedule(practice, appointment: str, day: date, at: time) -> frappe._dict:
	"""Move ``appointment`` to ``day`` ``at``, as long as before, after the same checks as a
	booking under the practitioner's lock; returns it moved."""
	with system_scope():
		doc = frappe.get_doc("Patient Appointment", appointment, for_update=True)
		lock_practitioner(doc.practitioner)
		slot = free_slot(practice, doc.practitioner, day, at, int(doc.duration or 0) or None, doc.name)
		when = datetime.combine(day, at)
		was = availability.appointment_start(doc)
		doc.appointment_date = day
		doc.appointment_time = at.strftime("%H:%M:%S")
		doc.service_unit = slot.service_unit
		doc.flags.ignore_permissions = True
		doc.flags.medic_plus_slot_duration = slot.duration
		doc.save()
		doc.add_comment(
			"Info",
			_("Moved online by the patient from {0} to {1}.").format(
				was.strftime("%d.%m.%Y %H:%M"), when.strftime("%d.%m.%Y %H:%M")
			),
		)
		return doc
