"""The tenancy scope table: the one place that says which doctypes belong to a practice
and how their practice is found.

Everything else reads it: the permission hooks (lists, counts, reports and single
documents), stamping on insert, cross-tenant link validation, the load guard, the custom
fields created on install and the isolation tests. Adding a doctype to the tenancy is one
row here plus its row in the isolation test matrix.

Pure data: no Frappe import, so hooks.py and the unit tests can read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

PRACTICE_FIELD = "custom_practice"


class Mode(str, Enum):
	OWN = "own"  # the row carries its practice in `field`
	MEMBERS = "members"  # shared master: visible to the practices it is a member of


@dataclass(frozen=True)
class Scope:
	doctype: str
	mode: Mode = Mode.OWN
	field: str = PRACTICE_FIELD
	# link field whose target's practice a new row inherits (and must match)
	patient_field: str | None = "patient"
	# the practice field is a Custom Field added to a Healthcare doctype on install
	custom_field: bool = True
	insert_after: str | None = None
	# the practice is set on insert (from the patient, else the active practice)
	stamp: bool = True
	# membership roles that may change rows of a practice (None: as the role permissions say)
	manager_roles: tuple[str, ...] | None = None


SCOPES: tuple[Scope, ...] = (
	Scope("Patient", patient_field=None, insert_after="patient_name"),
	Scope("Patient Appointment", insert_after="patient"),
	Scope("Patient Encounter", insert_after="patient"),
	Scope("Inpatient Record", insert_after="patient"),
	Scope("Vital Signs", insert_after="patient"),
	Scope("Lab Test", insert_after="patient"),
	Scope("Clinical Procedure", insert_after="patient"),
	Scope("Patient Medical Record", insert_after="patient"),
	Scope("Practitioner Schedule", patient_field=None, insert_after="schedule_name"),
	Scope("Fee Validity", insert_after="patient"),
	# shared master: a practice sees the practitioners who are its members
	Scope(
		"Healthcare Practitioner",
		mode=Mode.MEMBERS,
		field="name",
		patient_field=None,
		custom_field=False,
		stamp=False,
	),
	# the app's own doctypes
	Scope("Sick Note", field="practice", custom_field=False),
	Scope(
		"FHIR Access Token",
		field="practice",
		custom_field=False,
		patient_field=None,
		manager_roles=("Admin",),
	),
	Scope(
		"Practice",
		field="name",
		patient_field=None,
		custom_field=False,
		stamp=False,
		manager_roles=("Admin",),
	),
	Scope(
		"Practice Member",
		field="practice",
		patient_field=None,
		custom_field=False,
		stamp=False,
		manager_roles=("Admin",),
	),
)

SCOPE_BY_DOCTYPE: dict[str, Scope] = {s.doctype: s for s in SCOPES}

# Healthcare doctypes that get the `custom_practice` field on install.
CUSTOM_FIELD_DOCTYPES: tuple[str, ...] = tuple(s.doctype for s in SCOPES if s.custom_field)

# Doctypes whose new rows are stamped with a practice.
STAMPED_DOCTYPES: tuple[str, ...] = tuple(s.doctype for s in SCOPES if s.stamp)


def get_scope(doctype: str) -> Scope | None:
	return SCOPE_BY_DOCTYPE.get(doctype)
