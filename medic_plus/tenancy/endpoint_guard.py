"""A tenant check on the arguments of every whitelisted method call.

Healthcare's whitelisted methods take a patient, an appointment or an encounter by
name and often read it with raw SQL or change it without a permission check
(``get_patient_vitals(patient)``, ``update_status(appointment_id, status)``, ...).
Before any such call runs, an argument naming a record the user may not see (another
practice's, or none at all) answers "not found", the same for both.

Hooked as an ``auth_hooks`` entry: it runs on every request once Frappe knows the
user (session, API key or OAuth), before the method.
"""

from __future__ import annotations

import frappe
from frappe import _

from medic_plus.tenancy import context, guard
from medic_plus.tenancy.scope import get_scope

# methods that name a patient by another argument name
METHOD_ARGUMENTS = {
	"healthcare.healthcare.page.patient_history.patient_history.get_feed": {"name": "Patient"},
}
# (doctype argument, name argument): checked when the doctype is scoped
DOCTYPE_NAME_PAIRS = (("doctype", "docname"), ("reference_doctype", "reference_name"))

ARGUMENT_DOCTYPES = {
	"patient": "Patient",
	"patient_id": "Patient",
	"appointment": "Patient Appointment",
	"appointment_id": "Patient Appointment",
	"appointment_name": "Patient Appointment",
	"encounter": "Patient Encounter",
	"inpatient_record": "Inpatient Record",
}


def check_method_arguments() -> None:
	request = getattr(frappe.local, "request", None)
	if not request or not request.path.startswith("/api/method/"):
		return
	form = frappe.local.form_dict or {}
	method = request.path[len("/api/method/") :]
	arguments = {**ARGUMENT_DOCTYPES, **METHOD_ARGUMENTS.get(method, {})}
	named = [(key, doctype, form.get(key)) for key, doctype in arguments.items()]
	for doctype_key, name_key in DOCTYPE_NAME_PAIRS:
		doctype = form.get(doctype_key)
		if isinstance(doctype, str) and get_scope(doctype):
			named.append((name_key, doctype, form.get(name_key)))
	# a JSON value is an unsaved document from a form (e.g. Healthcare's slot picker), not a name
	named = [
		(key, doctype, value)
		for key, doctype, value in named
		if isinstance(value, str) and value and not value.lstrip().startswith(("{", "["))
	]
	if not named or context.sees_everything():
		return
	for _key, doctype, value in named:
		# a record of another practice, and one that does not exist, get the same answer
		if not guard.is_visible(doctype, value):
			frappe.throw(_("{0} {1} not found").format(_(doctype), value), frappe.DoesNotExistError)
