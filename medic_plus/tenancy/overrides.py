"""Healthcare controllers with the tenant load guard (see guard.py).

Each class is the original Healthcare controller with :class:`TenantGuard` in front, so
Healthcare's own behaviour is unchanged.
"""

import frappe
from erpnext.accounts.doctype.mode_of_payment.mode_of_payment import ModeofPayment as _ModeOfPayment
from frappe import _
from frappe.model.naming import make_autoname
from frappe.utils import getdate
from healthcare.healthcare.custom_doctype.sales_invoice import HealthcareSalesInvoice
from healthcare.healthcare.doctype.clinical_procedure.clinical_procedure import (
	ClinicalProcedure as _ClinicalProcedure,
)
from healthcare.healthcare.doctype.fee_validity.fee_validity import FeeValidity as _FeeValidity
from healthcare.healthcare.doctype.inpatient_record.inpatient_record import (
	InpatientRecord as _InpatientRecord,
)
from healthcare.healthcare.doctype.lab_test.lab_test import LabTest as _LabTest
from healthcare.healthcare.doctype.patient.patient import Patient as _Patient
from healthcare.healthcare.doctype.patient_appointment.patient_appointment import (
	PatientAppointment as _PatientAppointment,
)
from healthcare.healthcare.doctype.patient_encounter.patient_encounter import (
	PatientEncounter as _PatientEncounter,
)
from healthcare.healthcare.doctype.patient_medical_record.patient_medical_record import (
	PatientMedicalRecord as _PatientMedicalRecord,
)
from healthcare.healthcare.doctype.practitioner_schedule.practitioner_schedule import (
	PractitionerSchedule as _PractitionerSchedule,
)
from healthcare.healthcare.doctype.vital_signs.vital_signs import VitalSigns as _VitalSigns

from medic_plus.core import jobs
from medic_plus.tenancy.clock import today_of
from medic_plus.tenancy.guard import TenantGuard, check_visible, not_found


class Patient(TenantGuard, _Patient):
	def autoname(self):
		"""A practice's patients are named by its own series (``HFP01-P00042``), whatever
		Healthcare's naming setting says: names carry no patient data and never collide
		with another practice's (Healthcare would name a second "Mia Schulz" "Mia Schulz
		- 1", telling the practice that another one exists)."""
		code = self.get("custom_practice") and frappe.get_cached_value(
			"Practice", self.custom_practice, "short_code"
		)
		if not code:
			return super().autoname()
		self.name = make_autoname(f"{code}-P.#####", doc=self)

	def validate(self):
		self.validate_uid_in_practice()
		self.keep_out_of_the_portal()
		super().validate()

	def keep_out_of_the_portal(self):
		"""Healthcare invites every patient with an e-mail as a website user by default;
		a practice's patients book and manage their visits through /book with a one-time
		code instead, so no account is made for them (the request gate would leave it
		nothing to do but log in)."""
		if self.get("custom_practice") and not self.get("user_id"):
			self.invite_user = 0

	def on_update(self):
		"""Healthcare creates the patient's Customer, Contact and Address here, named after
		the patient's full name (a second "Mia Schulz" becomes "Mia Schulz - 1", telling the
		practice another one exists, and two at once collide): they take the patient's
		record name instead (see ``name_patient_records``)."""
		previous = frappe.flags.medic_plus_patient_record
		frappe.flags.medic_plus_patient_record = self.name if self.get("custom_practice") else None
		try:
			super().on_update()
		finally:
			frappe.flags.medic_plus_patient_record = previous

	def validate_uid_in_practice(self):
		"""The identification number is unique within a practice (a composite unique index
		on practice and uid, see tenancy/uid.py), never across practices."""
		if not self.get("uid") or not self.get("custom_practice"):
			return
		if frappe.db.exists(
			"Patient",
			{"uid": self.uid, "custom_practice": self.custom_practice, "name": ("!=", self.name or "")},
		):
			frappe.throw(
				_("A patient with this identification number already exists in this practice."),
				frappe.DuplicateEntryError,
				title=_("Duplicate Identification Number"),
			)


def name_patient_records(doc, method: str | None = None) -> None:
	"""``autoname`` of Customer, Contact and Address: while Healthcare creates them for a
	practice's patient, they are named after the patient's record (``ISOA-P00042``), and
	the Customer is kept in the practice's books."""
	if patient := frappe.flags.medic_plus_patient_record:
		doc.name = patient
		if doc.doctype == "Customer" and not doc.get("custom_company"):
			# the patient's Customer is in the books of the patient's practice
			practice = frappe.db.get_value("Patient", patient, "custom_practice")
			doc.custom_company = practice and frappe.db.get_value("Practice", practice, "company")


class PatientAppointment(TenantGuard, _PatientAppointment):
	def insert_calendar_event(self):
		"""Healthcare writes an Event for every appointment. Practices never see Events
		(the scope table hides them: they use the appointment calendar), so one is
		written only where it carries something, a video call through Google Calendar;
		it is named after the appointment, not the patient, so that no calendar or event
		list tells whose appointment it is."""
		if not self.get("add_video_conferencing"):
			return
		super().insert_calendar_event()
		if self.get("event"):
			label = _("Appointment {0}").format(self.name)
			frappe.db.set_value(
				"Event", self.event, {"subject": label, "description": label}, update_modified=False
			)

	@frappe.whitelist()
	def get_therapy_types(self) -> list | None:
		"""The therapy types of the appointment's own therapy plan (of its patient)."""
		if self.get("therapy_plan"):
			check_visible("Therapy Plan", self.therapy_plan)
		return super().get_therapy_types()

	def validate(self):
		self.keep_slot_duration()
		super().validate()

	def keep_slot_duration(self):
		"""Healthcare fetches the duration from the appointment type on every save; an
		online booking lasts as long as the slot the patient chose."""
		if self.flags.medic_plus_slot_duration:
			self.duration = self.flags.medic_plus_slot_duration
		elif self.get("custom_booked_online") and not self.is_new():
			if before := self.get_doc_before_save():
				self.duration = before.duration

	def set_status(self):
		# an online booking that waits for the practice's approval stays Open
		if self.get("custom_awaiting_approval") and self.status in (None, "", "Open", "Scheduled"):
			self.status = "Open"
			return
		if not self.get("custom_practice"):
			return super().set_status()
		# Healthcare's calendar is the server's (a late visit in a practice west of it was
		# a No Show on its own day) and overwrites a visit already seen (a Checked Out one
		# became a No Show the day after): the practice's calendar, and what happened stays
		self.status = jobs.status_on(
			self.status, getdate(self.appointment_date), today_of(self.custom_practice)
		)


class PatientEncounter(TenantGuard, _PatientEncounter):
	@frappe.whitelist()
	def get_clinical_notes(self, patient: str) -> list:
		"""Healthcare lists the notes of any patient named (``get_all``): only this
		encounter's patient, when the user may see them."""
		stored = self.patient if self.is_new() else frappe.db.get_value(self.doctype, self.name, "patient")
		if patient != stored:
			not_found("Patient", patient)
		check_visible("Patient", patient)
		return super().get_clinical_notes(patient)


class InpatientRecord(TenantGuard, _InpatientRecord):
	pass


class VitalSigns(TenantGuard, _VitalSigns):
	pass


class LabTest(TenantGuard, _LabTest):
	pass


class ClinicalProcedure(TenantGuard, _ClinicalProcedure):
	pass


class PatientMedicalRecord(TenantGuard, _PatientMedicalRecord):
	pass


class PractitionerSchedule(TenantGuard, _PractitionerSchedule):
	pass


class FeeValidity(TenantGuard, _FeeValidity):
	pass


class ModeOfPayment(_ModeOfPayment):
	"""A mode of payment loads, for a practice user, only its accounts in the user's own
	books (each row names a company: another practice's account is not theirs to see)."""

	def load_from_db(self):
		super().load_from_db()
		from medic_plus.tenancy.permissions import keep_own_book_rows

		keep_own_book_rows(self)


class SalesInvoice(TenantGuard, HealthcareSalesInvoice):
	"""Healthcare's invoice (it bills healthcare services) with the books' load guard."""


def __getattr__(name: str):
	"""The controllers of the doctypes scoped through a link (``scope.LINKED``) or kept in
	a practice's books (``scope.BOOKS``), each the original with :class:`TenantGuard` in
	front, made when Frappe first asks for them."""
	from frappe.modules import load_doctype_module

	from medic_plus.tenancy.scope import GUARDED_BOOKS, LINKED

	for doctype in (*(linked.doctype for linked in LINKED), *GUARDED_BOOKS):
		if doctype.replace(" ", "") == name:
			original = getattr(load_doctype_module(doctype), name)
			guarded = type(name, (TenantGuard, original), {"__module__": __name__})
			globals()[name] = guarded
			return guarded
	raise AttributeError(name)
