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
	Scope("Patient Allergy", field="practice", custom_field=False),
	Scope("Patient Problem", field="practice", custom_field=False),
	Scope("Patient Consent", field="practice", custom_field=False),
	Scope("Patient Medical Aid", field="practice", custom_field=False),
	Scope("Insurance Claim", field="practice", custom_field=False),
	# written by the system, read by the practice's admins
	Scope(
		"Patient Access Log",
		field="practice",
		custom_field=False,
		patient_field=None,
		stamp=False,
		manager_roles=("Admin",),
	),
	Scope(
		"FHIR Import",
		field="practice",
		custom_field=False,
		patient_field=None,
		manager_roles=("Admin",),
	),
	Scope(
		"FHIR Import Link",
		field="practice",
		custom_field=False,
		patient_field=None,
		stamp=False,
		manager_roles=("Admin",),
	),
	Scope(
		"FHIR Bulk Export",
		field="practice",
		custom_field=False,
		patient_field=None,
		stamp=False,
		manager_roles=("Admin",),
	),
	# a practice's assistant: its settings (admins), and the log of its requests (written by the
	# system, read by the admins)
	Scope(
		"Practice AI Settings",
		field="practice",
		custom_field=False,
		patient_field=None,
		manager_roles=("Admin",),
	),
	Scope(
		"AI Inference Log",
		field="practice",
		custom_field=False,
		stamp=False,
		manager_roles=("Admin",),
	),
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


# --- scoped through a link: the record belongs to the practice of the record it names --


@dataclass(frozen=True)
class Linked:
	doctype: str
	field: str = "patient"
	target: str = "Patient"
	why: str = "a clinical record of the patient"


LINKED: tuple[Linked, ...] = tuple(
	Linked(doctype)
	for doctype in (
		"Clinical Note",
		"Observation",
		"Service Request",
		"Medication Request",
		"Diagnostic Report",
		"Therapy Plan",
		"Therapy Session",
		"Patient Assessment",
		"Sample Collection",
		"Specimen",
		"Nursing Task",
		"Inpatient Medication Order",
		"Inpatient Medication Entry",
	)
)
LINKED_BY_DOCTYPE: dict[str, Linked] = {row.doctype: row for row in LINKED}

# the clinical records of a patient, kept for the retention period (privacy/retention.py)
CLINICAL_DOCTYPES: tuple[str, ...] = (
	"Patient Encounter",
	"Vital Signs",
	"Lab Test",
	"Clinical Procedure",
	"Inpatient Record",
	"Sick Note",
	"Patient Allergy",
	"Patient Problem",
	*LINKED_BY_DOCTYPE,
)


# --- scoped through a reference: (doctype, name) columns that may name any record -------


@dataclass(frozen=True)
class Reference:
	doctype: str
	type_field: str
	name_field: str
	why: str


REFERENCES: tuple[Reference, ...] = (
	Reference("File", "attached_to_doctype", "attached_to_name", "an attachment of the record"),
	Reference("Comment", "reference_doctype", "reference_name", "a comment or timeline entry of the record"),
	Reference(
		"Communication", "reference_doctype", "reference_name", "an e-mail or message about the record"
	),
	Reference("ToDo", "reference_type", "reference_name", "an assignment of the record"),
	Reference("Version", "ref_doctype", "docname", "the change history of the record"),
	Reference("Tag Link", "document_type", "document_name", "a tag of the record"),
	Reference("Document Follow", "ref_doctype", "ref_docname", "a follower of the record"),
	Reference("Notification Log", "document_type", "document_name", "a notification about the record"),
	Reference("DocShare", "share_doctype", "share_name", "a share of the record"),
	Reference("View Log", "reference_doctype", "reference_name", "who opened the record"),
	Reference("Activity Log", "reference_doctype", "reference_name", "activity on the record"),
	Reference("Energy Point Log", "reference_doctype", "reference_name", "points earned on the record"),
	Reference("Workflow Action", "reference_doctype", "reference_name", "a workflow step of the record"),
	Reference("Reminder", "reminder_doctype", "reminder_docname", "a reminder about the record"),
	Reference("Document Share Key", "reference_doctype", "reference_docname", "a share link of the record"),
	Reference("Submission Queue", "ref_doctype", "ref_docname", "a queued submission of the record"),
	Reference(
		"Integration Request", "reference_doctype", "reference_docname", "an integration call for the record"
	),
	Reference("Auto Repeat", "reference_doctype", "reference_document", "a repetition of the record"),
	Reference("Audit Trail", "doctype_name", "document", "the audit trail of the record"),
	Reference("Milestone", "reference_type", "reference_name", "a milestone of the record"),
)
REFERENCE_BY_DOCTYPE: dict[str, Reference] = {row.doctype: row for row in REFERENCES}

# (doctype, name) column pairs that metadata does not declare as a Dynamic Link, besides
# the reference above: checked on save like any link ("linked with" comments)
UNDECLARED_LINKS: dict[str, tuple[tuple[str, str], ...]] = {"Comment": (("link_doctype", "link_name"),)}


# --- owned by a practice through a field of the Practice -------------------------------


@dataclass(frozen=True)
class Owned:
	doctype: str
	practice_field: str
	why: str
	# the global default (frappe.defaults) that names a row every practice sees
	shared_default: str | None = None


OWNED: tuple[Owned, ...] = (
	Owned(
		"Letter Head",
		"letter_head",
		"a practice's letter head (its address and branding; Frappe ships letter heads in every "
		"user's boot data): seen by its practice only; the site's own letter heads stay shared",
	),
	Owned(
		"Company",
		"company",
		"the books a practice's records go to, set by the platform: a company of other practices only "
		"is not seen; the site's default company (the platform's) is seen by every practice",
		shared_default="company",
	),
)
OWNED_BY_DOCTYPE: dict[str, Owned] = {row.doctype: row for row in OWNED}


# --- in a practice's books: the record carries the Company it is booked in -------------


@dataclass(frozen=True)
class Books:
	doctype: str
	field: str = "company"
	why: str = "booked in the practice's own company"
	# the company field is a Custom Field added on install (the doctype has none of its own)
	custom_field: bool = False
	# rows in no practice's books are the platform's, seen by every practice (a price list
	# the site's settings name as the default)
	shared_unset: bool = False


BOOKS: tuple[Books, ...] = (
	Books("Sales Invoice", why="a visit billed to the patient or the medical aid"),
	Books("Payment Entry", why="a payment received from a patient or a medical aid"),
	Books("Journal Entry", why="an adjustment in the practice's books"),
	Books("GL Entry", why="a line of the practice's general ledger"),
	Books("Payment Ledger Entry", why="a line of the practice's receivables"),
	Books("Account", why="an account of the practice's chart of accounts"),
	Books("Cost Center", why="a cost center of the practice's books"),
	Books("Mode of Payment Account", why="the account a mode of payment posts to in the practice's books"),
	Books(
		"Sales Taxes and Charges Template",
		why="the VAT a practice registered for it charges on its invoices, at its rate",
	),
	Books(
		"Price List",
		field="custom_company",
		why="a practice's prices: private, or for a medical aid scheme (the site's own lists, in no "
		"practice's books, are the platform's: every practice sees them)",
		custom_field=True,
		shared_unset=True,
	),
	Books(
		"Item Price",
		field="custom_company",
		why="a price in one of the practice's price lists (its company follows the list)",
		custom_field=True,
	),
	Books(
		"Customer",
		field="custom_company",
		why="a patient or a medical aid the practice bills (made by the practice's billing, in its books)",
		custom_field=True,
	),
)
BOOKS_BY_DOCTYPE: dict[str, Books] = {row.doctype: row for row in BOOKS}
# the books' doctypes whose controllers carry the load guard (a child row loads with its parent)
GUARDED_BOOKS: tuple[str, ...] = tuple(
	row.doctype for row in BOOKS if row.doctype != "Mode of Payment Account"
)


# --- not readable by practice roles nor website users: answered as if empty ------------

_BUSINESS = "an ERPNext business record: the practice roles keep no books, stock or CRM"
_PATIENT_MASTER = "holds a patient's name and contact details for ERPNext; the practice works on the Patient"
HIDDEN: dict[str, str] = {
	"Contact": _PATIENT_MASTER,
	"Address": _PATIENT_MASTER,
	"Event": "Healthcare writes one for an appointment with a video call, for every practice; practices use the appointment calendar",
	"Deleted Document": "a deleted record's full copy, which no longer has a practice to check",
	"Access Log": "who exported or printed what, across practices",
	"Email Queue": "outgoing mail of every practice",
	"Route History": "every user's navigation",
	"Permission Inspector": "a tool for platform admins",
	"User Permission": "a tool for platform admins",
	"Webhook": "a tool for platform admins",
	"Treatment Plan Template": "a template that names an encounter of some practice",
	"Error Log": "errors of every practice, with the records and tracebacks they name",
	"Practice Registration": "a practice signing up, and what provisioning made of it: the platform's",
	"Practice Usage": "what a practice used in a month, for the platform's billing",
	"Portal Account": "a patient's sign-in to the portal, at every practice that holds them: the platform's",
	"Google Calendar": "a user's calendar integration with its tokens: set up by the platform",
	**dict.fromkeys(
		(
			"Customer Group",
			"Territory",
			"Warehouse",
			"Supplier",
			"Terms and Conditions",
			"POS Profile",
			"Tax Category",
			"Purchase Taxes and Charges Template",
			"Item Tax Template",
			"Tax Withholding Category",
			"Shipping Rule",
			"Incoterm",
			"Payment Terms Template",
			"Payment Term",
			"Sales Partner",
			"Sales Person",
			"Print Heading",
			"Campaign",
			"Lead Source",
			"Finance Book",
			"Market Segment",
			"Industry Type",
			"Loyalty Program",
		),
		"an ERPNext setting of the books and sales: the platform's, optional on the forms",
	),
	"Employee": "the platform's HR records (a lab test's employee field is optional)",
	**dict.fromkeys(
		(
			"Appointment",
			"Advance Payment Ledger Entry",
			"Asset Movement",
			"Bank Account",
			"Bank Guarantee",
			"Bank Transaction",
			"Batch",
			"Contract",
			"Email Campaign",
			"Email Unsubscribe",
			"Loyalty Point Entry",
			"Opportunity",
			"Party Link",
			"Party Specific Item",
			"Payment Order",
			"Payment Reconciliation",
			"Payment Request",
			"Process Payment Reconciliation",
			"Process Statement Of Accounts",
			"Quality Feedback",
			"Quality Inspection",
			"Quality Meeting Minutes",
			"Quotation",
			"Repost Item Valuation",
			"Serial and Batch Bundle",
			"Service Level Agreement",
			"Stock Entry",
			"Stock Ledger Entry",
			"Stock Reservation Entry",
			"Subscription",
			"Unreconcile Payment",
			"Exchange Rate Revaluation",
			"Bulk Transaction Log",
			"Opening Invoice Creation Tool",
			"Landed Cost Voucher",
			"Maintenance Visit",
			"Discussion Topic",
			"Authorization Rule",
			"Accounting Dimension",
			"Purchase Invoice",
			"Repost Accounting Ledger",
			"Repost Payment Ledger",
			"Payment Gateway",
			"Allowed Dimension",
			"Bank Clearance Detail",
			"Bulk Transaction Log Detail",
			"Process Payment Reconciliation Log Allocations",
			"Subscription Invoice",
			"Sales Invoice Advance",
			"POS Invoice",
			"Project",
			"Asset",
			"Lead",
			"Prospect",
		),
		_BUSINESS,
	),
}


# --- reach no practice record, though their metadata could: readable as usual ----------

SHARED: dict[str, str] = {
	"Medication": "a master: the formulary; its price list is Healthcare's own invoicing setting, set by "
	"the platform",
	"Appointment Type": "a master: the kinds of visit; its price list and billing items are Healthcare's "
	"own invoicing settings, set by the platform",
	"Item": "a master: what a visit is billed as (a tariff code's item); its per-company defaults "
	"name accounts of the books, never a patient",
	"Healthcare Settings": "the site's Healthcare settings: its rows name each company's receivable and "
	"income accounts, never a patient",
	"Appointment Type Service Item": "names the billing item of an appointment type (a master)",
	"Workspace Link": "names a doctype, report or page of a workspace, not a record",
	"Workspace Shortcut": "names a doctype, report or page of a workspace, not a record",
	"Dynamic Link": "a child table: its rows are read through their parent (Contact and Address are hidden)",
}

# Healthcare doctypes that get the `custom_practice` field on install.
CUSTOM_FIELD_DOCTYPES: tuple[str, ...] = tuple(s.doctype for s in SCOPES if s.custom_field)

# Doctypes whose new rows are stamped with a practice.
STAMPED_DOCTYPES: tuple[str, ...] = tuple(s.doctype for s in SCOPES if s.stamp)


def wall_indexes() -> tuple[tuple[str, str], ...]:
	"""The columns the wall's list conditions look rows up by, each ``(doctype, column)``:
	a row's own practice, the link a row is scoped through (its patient) and the company of
	the books. Each is indexed on install and migrate (``install.ensure_wall_indexes``), so
	that a practice's list reads its own rows and never scans every practice's."""
	return (
		*((s.doctype, s.field) for s in SCOPES if s.mode is Mode.OWN and s.field != "name"),
		*((row.doctype, row.field) for row in LINKED),
		*((row.doctype, row.field) for row in BOOKS),
	)


# other columns records are found by, each with why: looked up on every sign-in, portal
# page or FHIR search, they are indexed with the wall's (``install.ensure_wall_indexes``)
LOOKUPS: tuple[tuple[str, str, str], ...] = (
	("Patient", "email", "a person's records, by the address they verified (portal, booking)"),
	("Patient", "mobile", "a person's records, by the mobile they verified (portal, booking)"),
	("Patient Relation", "patient", "the children a practice linked to a parent's record"),
	("Sales Invoice", "patient", "a patient's invoices (portal, statement)"),
	("Vital Signs", "patient", "a patient's observations (FHIR)"),
)


def indexed_columns() -> tuple[tuple[str, str], ...]:
	"""Every ``(doctype, column)`` that leads an index after install and migrate."""
	return (*wall_indexes(), *((doctype, column) for doctype, column, _why in LOOKUPS))


def get_scope(doctype: str) -> Scope | None:
	return SCOPE_BY_DOCTYPE.get(doctype)


# the doctypes whose records belong to a practice themselves (own field or via a link)
PRACTICE_DOCTYPES: tuple[str, ...] = (*SCOPE_BY_DOCTYPE, *LINKED_BY_DOCTYPE)
# ... and those that belong to it through its books: every record behind the wall
WALLED_DOCTYPES: tuple[str, ...] = (*PRACTICE_DOCTYPES, *BOOKS_BY_DOCTYPE)


def is_classified(doctype: str) -> bool:
	return (
		doctype in SCOPE_BY_DOCTYPE
		or doctype in LINKED_BY_DOCTYPE
		or doctype in REFERENCE_BY_DOCTYPE
		or doctype in OWNED_BY_DOCTYPE
		or doctype in BOOKS_BY_DOCTYPE
		or doctype in HIDDEN
		or doctype in SHARED
	)
