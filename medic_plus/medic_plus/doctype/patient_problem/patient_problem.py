# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from medic_plus.tenancy.clock import today_of
from medic_plus.tenancy.guard import TenantGuard

CURRENT = ("active", "recurrence", "relapse")


class PatientProblem(TenantGuard, Document):
	"""A condition on the patient's problem list, coded in ICD-10 (a Code Value), kept by
	the patient's practice. A condition is on the list once while it is current."""

	def validate(self):
		if not self.recorded_by:
			self.recorded_by = frappe.session.user
		# the later of the server's date (Desk's dates default to it) and the practice's own
		# (east of the server, its today is the server's tomorrow)
		today = max(getdate(), today_of(self.practice))
		if self.onset and getdate(self.onset) > today:
			frappe.throw(_("The onset cannot be in the future."), frappe.ValidationError)
		if self.status in CURRENT:
			self.abatement = None
		elif not self.abatement:
			self.abatement = today
		if self.onset and self.abatement and getdate(self.abatement) < getdate(self.onset):
			frappe.throw(_("The condition cannot end before its onset."), frappe.ValidationError)
		if self.status in CURRENT and (other := current_problem(self.patient, self.diagnosis, self.name)):
			frappe.throw(
				_("{0} is already on this patient's problem list ({1}).").format(
					frappe.bold(self.condition_name or self.code or self.diagnosis), other
				),
				frappe.DuplicateEntryError,
				title=_("Already on the Problem List"),
			)


def current_problem(patient: str, diagnosis: str, exclude: str | None = None) -> str | None:
	"""The patient's current problem with this diagnosis, if there is one."""
	return frappe.db.get_value(
		"Patient Problem",
		{
			"patient": patient,
			"diagnosis": diagnosis,
			"status": ("in", CURRENT),
			"name": ("!=", exclude or ""),
		},
		"name",
	)
