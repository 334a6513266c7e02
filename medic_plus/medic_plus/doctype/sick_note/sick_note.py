# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.model.naming import make_autoname
from frappe.utils import getdate

from medic_plus.core.clinical import inclusive_days, sick_note_errors
from medic_plus.tenancy.guard import TenantGuard

DEFAULT_BACKDATE_DAYS = 3


class SickNoteError(frappe.ValidationError):
	pass


class SickNote(TenantGuard, Document):
	def autoname(self):
		short_code = frappe.db.get_value("Practice", self.practice, "short_code")
		if not short_code:
			frappe.throw(_("Set the practice of the sick note first."), SickNoteError)
		self.name = make_autoname(f"{short_code}-SN-.#####", "Sick Note", self)

	def validate(self):
		self.validate_dates()
		self.validate_encounter()
		self.days = inclusive_days(getdate(self.date_from), getdate(self.date_to))

	def validate_dates(self):
		limit = frappe.db.get_value("Practice", self.practice, "sick_note_backdate_days")
		limit = DEFAULT_BACKDATE_DAYS if limit is None else limit
		for error in sick_note_errors(
			getdate(self.issue_date), getdate(self.date_from), getdate(self.date_to), limit
		):
			frappe.throw(_(error), SickNoteError, title=_("Invalid Dates"))

	def validate_encounter(self):
		if not self.encounter:
			return
		patient = frappe.db.get_value("Patient Encounter", self.encounter, "patient")
		if patient != self.patient:
			frappe.throw(
				_("Patient Encounter {0} is not an encounter of this patient.").format(
					frappe.bold(self.encounter)
				),
				SickNoteError,
			)

	def on_submit(self):
		self.add_medical_record()

	def on_cancel(self):
		self.remove_medical_record()

	def add_medical_record(self):
		record = frappe.get_doc(
			{
				"doctype": "Patient Medical Record",
				"patient": self.patient,
				"subject": _("Sick note {0}: {1} from {2} to {3} ({4} days)").format(
					self.name,
					_(self.fitness),
					frappe.format(self.date_from, {"fieldtype": "Date"}),
					frappe.format(self.date_to, {"fieldtype": "Date"}),
					self.days,
				),
				"status": "Open",
				"communication_date": self.issue_date,
				"reference_doctype": self.doctype,
				"reference_name": self.name,
				"reference_owner": self.owner,
				"custom_practice": self.practice,
			}
		)
		record.flags.ignore_permissions = True
		record.insert()

	def remove_medical_record(self):
		for name in frappe.get_all(
			"Patient Medical Record",
			filters={"reference_doctype": self.doctype, "reference_name": self.name},
			pluck="name",
		):
			frappe.delete_doc("Patient Medical Record", name, ignore_permissions=True, force=True)
