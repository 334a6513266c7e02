# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, today

from medic_plus.billing.fields import clean_fields
from medic_plus.core import claims
from medic_plus.tenancy.guard import TenantGuard


class MedicalAidError(frappe.ValidationError):
	http_status_code = 400


class PatientMedicalAid(TenantGuard, Document):
	"""A patient's medical aid at a practice: the scheme and option, the membership number
	and dependant code on the card, the principal member, and the days it is valid. A
	patient has at most one medical aid in force on any day."""

	def validate(self):
		self.validate_scheme()
		self.clean_identifiers()
		self.validate_dates()
		self.validate_no_overlap()

	def validate_scheme(self):
		scheme = frappe.get_cached_doc("Medical Aid Scheme", self.scheme)
		if not scheme.enabled:
			frappe.throw(
				_("{0} is no longer offered. Choose another scheme.").format(scheme.scheme_name),
				MedicalAidError,
			)
		options = [row.option_name for row in scheme.options]
		if not self.option and len(options) == 1:
			self.option = options[0]
		if options and self.option not in options:
			frappe.throw(
				_("Choose one of the options of {0}: {1}.").format(scheme.scheme_name, ", ".join(options)),
				MedicalAidError,
				title=_("Option"),
			)

	def clean_identifiers(self):
		cleaners = {
			"member_number": claims.clean_member_number,
			"dependant_code": claims.clean_dependant_code,
			"principal_member_id": claims.clean_id_number,
		}
		clean_fields(self, cleaners, MedicalAidError, optional=("principal_member_id",))
		if self.dependant_code == "00" and not self.principal_member_name:
			self.principal_member_name = self.patient_name or frappe.db.get_value(
				"Patient", self.patient, "patient_name"
			)

	def validate_dates(self):
		if self.valid_to and getdate(self.valid_to) < getdate(self.valid_from):
			frappe.throw(_("Valid To cannot be before Valid From."), MedicalAidError)

	def validate_no_overlap(self):
		aid = frappe.qb.DocType("Patient Medical Aid")
		far = getdate("9999-12-31")
		start, end = getdate(self.valid_from), getdate(self.valid_to) if self.valid_to else far
		other = (
			frappe.qb.from_(aid)
			.select(aid.name, aid.scheme, aid.valid_from)
			.where(
				(aid.patient == self.patient)
				& (aid.name != (self.name or ""))
				& (aid.valid_from <= end)
				& ((aid.valid_to.isnull()) | (aid.valid_to >= start))
			)
			.limit(1)
			.run(as_dict=True)
		)
		if other:
			frappe.throw(
				_(
					"The patient already has a medical aid for these days ({0}, from {1}). "
					"End it (Valid To) before adding another."
				).format(other[0].scheme, frappe.format(other[0].valid_from, {"fieldtype": "Date"})),
				MedicalAidError,
				title=_("Medical Aid Overlaps"),
			)


def current(patient: str, on=None) -> frappe._dict | None:
	"""The medical aid ``patient`` has on ``on`` (today), with its scheme's code, or None."""
	day = getdate(on or today())
	aid = frappe.qb.DocType("Patient Medical Aid")
	rows = (
		frappe.qb.from_(aid)
		.select("*")
		.where(
			(aid.patient == patient)
			& (aid.valid_from <= day)
			& ((aid.valid_to.isnull()) | (aid.valid_to >= day))
		)
		.orderby(aid.valid_from, order=frappe.qb.desc)
		.limit(1)
		.run(as_dict=True)
	)
	return rows[0] if rows else None
