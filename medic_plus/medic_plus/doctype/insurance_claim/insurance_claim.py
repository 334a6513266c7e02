# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt

from medic_plus.core import claims
from medic_plus.tenancy.guard import TenantGuard


class ClaimLockedError(frappe.ValidationError):
	http_status_code = 409


# what a person may change on a draft claim (its lines are corrected before it is sent again)
EDITABLE_LINE_FIELDS = (
	"tariff_code",
	"description",
	"icd10_codes",
	"modifiers",
	"quantity",
	"amount",
	"service_date",
)


class InsuranceClaim(TenantGuard, Document):
	"""A practice's claim to a medical aid for one invoice (billing/insurance.py): its
	state moves only as the claims queue and the switch's answers say; a person corrects
	a draft's lines, then sends it."""

	def validate(self):
		self.claim_number = self.claim_number or self.name
		self.version = self.version or 1
		self.total = sum(flt(line.amount) for line in self.lines)
		if self.is_new() or self.flags.medic_plus_claim_update:
			return
		before = self.get_doc_before_save()
		if before and before.status != self.status:
			frappe.throw(_("A claim's state moves only as it is sent and answered."), ClaimLockedError)
		if self.status != claims.DRAFT:
			frappe.throw(
				_(
					"Claim {0} is {1}: it cannot be changed. A rejected claim is corrected as a new version."
				).format(self.name, _(self.status)),
				ClaimLockedError,
			)
