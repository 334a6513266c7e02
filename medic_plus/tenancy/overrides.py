"""Healthcare controllers with the tenant load guard (see guard.py).

Each class is the original Healthcare controller with :class:`TenantGuard` in front, so
Healthcare's own behaviour is unchanged.
"""

import frappe
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

from medic_plus.tenancy.guard import TenantGuard, check_visible, not_found


class Patient(TenantGuard, _Patient):
	pass


class PatientAppointment(TenantGuard, _PatientAppointment):
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
		super().set_status()


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


def __getattr__(name: str):
	"""The controllers of the doctypes scoped through a link (``scope.LINKED``), each the
	original with :class:`TenantGuard` in front, made when Frappe first asks for them."""
	from frappe.modules import load_doctype_module

	from medic_plus.tenancy.scope import LINKED

	for linked in LINKED:
		if linked.doctype.replace(" ", "") == name:
			original = getattr(load_doctype_module(linked.doctype), name)
			guarded = type(name, (TenantGuard, original), {"__module__": __name__})
			globals()[name] = guarded
			return guarded
	raise AttributeError(name)
