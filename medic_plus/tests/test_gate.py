"""The request gate: deny by default, on every route form, for every kind of user.

Fixture: ``fixtures.py`` (practices A and B with an admin, a doctor and a receptionist
each; a platform admin), plus a website user. Requests go through Frappe's whole WSGI
application (``http.request``): authentication by API key, the auth hooks, dispatch.

- the allowlist's own integrity: every entry is a whitelisted function named by its own
  path; every Frappe entry has a reason; the Healthcare originals stay closed;
- a method off the list answers exactly like an unknown one, on every route form and for
  every gated user; a platform admin is not gated;
- every allowlisted method is called with B's records in each record argument (top level
  and nested) and answers "not found", while A's own twin works.
"""

from __future__ import annotations

import inspect
import json
from contextlib import ExitStack
from unittest.mock import patch

import frappe
import requests

from medic_plus import demo
from medic_plus.gate import allowlist, gate, realtime
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import api_token, email, ensure_user
from medic_plus.tests.http import body_text, request, shape
from medic_plus.tests.server import running_server

UNKNOWN = "frappe.desk.no_such_module.no_such_method"
# whitelisted by Frappe or Healthcare, read or write other practices' data, not on the list
CLOSED = (
	"healthcare.controllers.service_request_controller.set_request_status",
	"frappe.desk.calendar.get_events",
	"medic_plus.api.desk._get_count",
	"frappe.client.get_password",
	"frappe.desk.form.linked_with.get_submitted_linked_docs",
)


def route_forms(method: str, args: dict | None = None) -> list[tuple[str, str, dict]]:
	"""(HTTP verb, path, request arguments): every way to name ``method``, with ``args``."""
	args = args or {}
	ajax = {"X-Requested-With": "XMLHttpRequest"}
	return [
		("GET", f"/api/method/{method}", {"query_string": args}),
		("POST", f"/api/method/{method}", {"data": args}),
		("POST", f"/api/method/{method}", {"json": args}),
		("GET", f"/api/method/{method}/trailing/parts", {"query_string": args}),
		("GET", f"/api/v1/method/{method}", {"query_string": args}),
		("GET", f"/api/v2/method/{method}", {"query_string": args}),
		("POST", f"/api/v2/method/{method}", {"json": args}),
		("GET", "/", {"query_string": {**args, "cmd": method}, "headers": ajax}),
		# cmd wins over the path; with a JSON body the query string is ignored
		("POST", "/api/method/frappe.ping?cmd=frappe.ping", {"json": {**args, "cmd": method}}),
		("POST", "/app/patient", {"data": {**args, "cmd": method}, "headers": ajax}),
	]


class GateTestCase(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fx = cls.fx
		cls.website_user = ensure_user(email("iso-website"), "Iso Website")
		frappe.db.set_value("User", cls.website_user, "user_type", "Website User")
		frappe.db.commit()  # nosemgrep: fixture, seen by the request threads
		cls.gated = {
			"a_admin": {"Authorization": api_token(fx.a.admin)},
			"a_doctor": {"Authorization": api_token(fx.a.doctor)},
			"a_recep": {"Authorization": api_token(fx.a.recep)},
			"website": {"Authorization": api_token(cls.website_user)},
			"guest": {},
		}
		cls.platform = {"Authorization": api_token(fx.platform)}

	def call(self, who: str, method: str, verb: str = "POST", **kwargs):
		headers = self.gated.get(who) or (self.platform if who == "platform" else {})
		return request(verb, f"/api/method/{method}", headers, **kwargs)


class TestAllowlist(GateTestCase):
	def test_every_entry_is_a_whitelisted_function_by_its_own_path(self):
		for method in (
			allowlist.desk_methods()
			| allowlist.public_methods()
			| allowlist.portal_methods()
			| set(allowlist.MAPPERS)
		):
			if method == "login":
				continue
			with self.subTest(method=method):
				fn = frappe.get_attr(method)
				self.assertIn(fn, frappe.whitelisted)
				self.assertEqual(f"{fn.__module__}.{fn.__qualname__}", method)
				# and the gate resolves it to itself: no override leads elsewhere
				self.assertEqual(gate.canonical(method), method)

	def test_the_method_route_is_matched_as_frappes_url_map_matches_it(self):
		"""The gate reads ``/api/method/<name>`` without matching the whole map: it must
		come to the rule and arguments the map gives, and leave every other form to it."""
		from frappe.api import API_URL_MAP
		from werkzeug.exceptions import HTTPException
		from werkzeug.test import EnvironBuilder
		from werkzeug.wrappers import Request

		for path in (
			"/api/method/frappe.auth.get_logged_user",
			"/api/method/login",
			"/api/method/run_doc_method",
			"/api/method/frappe.client.get_list/",
			"/api/method/Patient/get_list",
			"/api/method/",
			"/api/v1/method/frappe.client.get_list",
			"/api/v2/method/frappe.client.get_list",
			"/api/resource/Patient",
		):
			with self.subTest(path=path):
				request = Request(EnvironBuilder(path=path).get_environ())
				try:
					rule, values = API_URL_MAP.bind_to_environ(request.environ).match(return_rule=True)
					expected = (rule.rule, values)
				except HTTPException:
					expected = (None, {})
				self.assertEqual(gate._match(request), expected)

	def test_every_entry_that_is_not_the_apps_own_is_reviewed(self):
		for method, reason in allowlist.reviewed().items():
			with self.subTest(method=method):
				self.assertTrue(reason, f"{method} is on the allowlist with no reason")

	def test_every_whitelisted_method_of_the_app_is_open_or_for_platform_admins(self):
		import importlib
		import pkgutil

		import medic_plus

		# every module of the app, whichever tests ran before: each whitelists as it loads
		for module in pkgutil.walk_packages(medic_plus.__path__, "medic_plus."):
			if ".tests" not in module.name and not module.name.endswith(".hooks"):
				importlib.import_module(module.name)
		open_ = (
			allowlist.desk_methods()
			| allowlist.public_methods()
			| allowlist.portal_methods()
			| set(allowlist.MAPPERS)
		)
		for doctype, methods in allowlist.DOC_METHODS.items():
			controller = frappe.get_doc({"doctype": doctype}).__class__
			open_ |= {f"{controller.__module__}.{controller.__qualname__}.{m}" for m in methods}
		registration = "medic_plus.medic_plus.doctype.practice_registration.practice_registration"
		platform_only = {
			"medic_plus.gate.gate.get_denials",
			# Desk actions of a registration, which practice roles cannot read
			f"{registration}.PracticeRegistration.provision_practice",
			f"{registration}.PracticeRegistration.send_activation_link",
			"medic_plus.onboarding.billing.mrr_card",
			# a practice leaving the platform (api/offboarding.py checks the platform admin)
			"medic_plus.api.offboarding.offboard",
			"medic_plus.api.offboarding.confirm_copy",
		}
		app_methods = {
			f"{fn.__module__}.{fn.__qualname__}"
			for fn in frappe.whitelisted
			if fn.__module__.startswith("medic_plus.") and ".tests." not in fn.__module__
		}
		self.assertEqual(app_methods - open_ - platform_only, set())

	def test_healthcare_originals_stay_closed(self):
		overrides = frappe.get_hooks("override_whitelisted_methods", app_name="medic_plus")
		for original, wrapper in overrides.items():
			with self.subTest(original=original):
				self.assertNotIn(original, allowlist.desk_methods())
				self.assertEqual(gate.canonical(original), wrapper[-1])


class TestDenyByDefault(GateTestCase):
	def test_document_method_routes_are_judged_on_the_controller_method(self):
		patient = self.fx.a.patient
		auth = self.gated["a_admin"]
		docs = json.dumps({"doctype": "Patient", "name": patient})
		probes = [
			("GET", f"/api/resource/Patient/{patient}?run_method=get_billing_info", {}),
			("POST", f"/api/resource/Patient/{patient}", {"json": {"run_method": "get_billing_info"}}),
			("POST", f"/api/v2/document/Patient/{patient}/method/get_billing_info", {}),
			("POST", "/api/method/run_doc_method", {"data": {"docs": docs, "method": "get_billing_info"}}),
			("POST", "/api/method/runserverobj", {"data": {"docs": docs, "method": "get_billing_info"}}),
			(
				"POST",
				"/api/v2/method/run_doc_method",
				{"json": {"document": docs, "method": "get_billing_info"}},
			),
			(
				"POST",
				"/",
				{
					"data": {
						"cmd": "run_doc_method",
						"dt": "Patient",
						"dn": patient,
						"method": "get_billing_info",
					}
				},
			),
		]
		for verb, path, kwargs in probes:
			with self.subTest(path=path, verb=verb):
				response = request(verb, path, {**auth, "X-Requested-With": "XMLHttpRequest"}, **kwargs)
				self.assertEqual(response.status_code, 404, response.get_data(as_text=True)[:300])
				if path != "/":  # "/" answers with Frappe's "Not Found" page
					self.assertIn("Patient.get_billing_info", response.get_data(as_text=True))

	def test_platform_admin_is_not_gated(self):
		response = self.call(
			"platform",
			"frappe.desk.doctype.event.event.get_events",
			"GET",
			query_string={"start": "2020-01-01", "end": "2020-01-02"},
		)
		self.assertEqual(response.status_code, 200)

	def test_denials_are_counted_for_the_platform_admins(self):
		before = self.call("platform", "medic_plus.gate.gate.get_denials", "GET").json["message"]
		self.call("a_recep", CLOSED[0])
		after = self.call("platform", "medic_plus.gate.gate.get_denials", "GET").json["message"]
		self.assertEqual(after.get(CLOSED[0], 0), before.get(CLOSED[0], 0) + 1)
		self.assertEqual(self.call("a_admin", "medic_plus.gate.gate.get_denials", "GET").status_code, 404)

	def test_allowlisted_desk_method_works_for_the_practice(self):
		response = self.call(
			"a_recep",
			"healthcare.healthcare.doctype.patient.patient.get_patient_detail",
			"GET",
			query_string={"patient": self.fx.a.patient},
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:300])

	def test_guest_and_website_user_reach_the_booking_api_only(self):
		for who in ("guest", "website"):
			with self.subTest(who=who):
				info = self.call(
					who,
					"medic_plus.api.booking.get_practice_info",
					"GET",
					query_string={"practice": self.fx.a.slug},
				)
				self.assertEqual(info.status_code, 200, info.get_data(as_text=True)[:300])
				detail = self.call(
					who, "frappe.desk.reportview.get", "GET", query_string={"doctype": "Patient"}
				)
				self.assertEqual(detail.status_code, 404)


class TestRecordArguments(GateTestCase):
	"""The attacks reported on the demo site, and every allowlisted method with B's records."""

	def test_a_record_argument_that_is_a_list_or_dict_is_refused(self):
		appointment = self.fx.b.records["Patient Appointment"]
		status = frappe.db.get_value("Patient Appointment", appointment, "status")
		method = "healthcare.healthcare.doctype.patient_appointment.patient_appointment.update_status"
		for value in ({"name": appointment}, [appointment], {"name": ["like", "%"]}):
			for body in (
				{"appointment_id": value, "status": "Closed"},
				{"args": {"appointment_id": value}, "status": "Closed"},
			):
				with self.subTest(body=body):
					response = request("POST", f"/api/method/{method}", self.gated["a_recep"], json=body)
					self.assertEqual(response.status_code, 400, response.get_data(as_text=True)[:300])
		self.assertEqual(frappe.db.get_value("Patient Appointment", appointment, "status"), status)

	def test_events_of_another_user_are_not_listed(self):
		event = frappe.get_doc(
			{
				"doctype": "Event",
				"subject": "ISO private appointment event",
				"event_type": "Private",
				"starts_on": "2026-03-02 10:00:00",
				"ends_on": "2026-03-02 10:30:00",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: seen by the request thread
		try:
			args = {"start": "2026-03-01", "end": "2026-03-03", "user": "Administrator"}
			own = self.call("a_recep", "frappe.desk.doctype.event.event.get_events", json=args)
			self.assertEqual(own.status_code, 200, own.get_data(as_text=True)[:300])
			self.assertNotIn(event.name, {e["name"] for e in own.json["message"]})
			admin = self.call("platform", "frappe.desk.doctype.event.event.get_events", json=args)
			self.assertIn(event.name, {e["name"] for e in admin.json["message"]})
		finally:
			frappe.delete_doc("Event", event.name, ignore_permissions=True, force=True)
			frappe.db.commit()  # nosemgrep: clean-up

	def test_request_status_of_a_practice_cannot_be_set(self):
		status = frappe.db.get_value("Practice", self.fx.b.practice, "status")
		response = self.call(
			"a_admin",
			"healthcare.controllers.service_request_controller.set_request_status",
			data={"doctype": "Practice", "request": self.fx.b.practice, "status": "Suspended"},
		)
		self.assertEqual(response.status_code, 404)
		self.assertEqual(frappe.db.get_value("Practice", self.fx.b.practice, "status"), status)

	def test_patient_link_search_ignoring_user_permissions_lists_own_patients_only(self):
		response = self.call(
			"a_recep",
			"frappe.desk.search.search_link",
			data={
				"doctype": "Patient",
				"txt": "Iso",
				"ignore_user_permissions": 1,
				"reference_doctype": "Patient Appointment",
			},
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:300])
		names = {row["value"] for row in response.json["message"]}
		self.assertIn(self.fx.a.patient, names)
		self.assertNotIn(self.fx.b.patient, names)

	def test_every_allowlisted_method_refuses_other_practice_records(self):
		"""Generated: each allowlisted function, each of its arguments that names a record,
		with B's record, top level and inside ``args``: "not found" (404)."""
		records = {
			doctype: self.fx.record("b", doctype)
			for doctype in (
				"Patient",
				"Patient Appointment",
				"Patient Encounter",
				"Inpatient Record",
				"Sales Invoice",
			)
		}
		probed = 0
		for method in sorted(allowlist.desk_methods() - {"login"} | set(allowlist.MAPPERS)):
			fn = frappe.get_attr(method)
			params = inspect.signature(fn).parameters
			calls = []
			for arg, doctype in gate.ARGUMENT_DOCTYPES.items():
				if arg in params and doctype in records:
					calls.append({arg: records[doctype]})
			for doctype_arg, name_arg in (
				("doctype", "name"),
				("doctype", "docname"),
				("dt", "dn"),
				("reference_doctype", "reference_name"),
				("doctype", "source_name"),
			):
				if doctype_arg in params and name_arg in params:
					calls.append({doctype_arg: "Patient", name_arg: records["Patient"]})
			if method in allowlist.MAPPERS:
				calls = [{"method": method, "source_name": records[allowlist.MAPPERS[method]]}]
				method = "frappe.model.mapper.make_mapped_doc"
			for args in calls:
				for body in (args, {"args": json.dumps(args)}) if "args" in params else (args,):
					with self.subTest(method=method, body=body):
						probed += 1
						response = self.call("a_doctor", method, json=body)
						self.assertEqual(
							response.status_code, 404, f"{method}: {response.get_data(as_text=True)[:300]}"
						)
		self.assertGreater(probed, 20)

	def test_a_document_sent_as_json_is_judged_by_what_is_stored(self):
		other = self.fx.b.records["Patient Appointment"]
		forged = {
			"doctype": "Patient Appointment",
			"name": other,
			"custom_practice": self.fx.a.practice,
			"patient": self.fx.a.patient,
		}
		response = self.call(
			"a_recep",
			"healthcare.healthcare.doctype.fee_validity.fee_validity.check_fee_validity",
			json={"appointment": json.dumps(forged)},
		)
		self.assertEqual(response.status_code, 404, response.get_data(as_text=True)[:300])
		saved = self.call(
			"a_recep", "frappe.desk.form.save.savedocs", json={"doc": json.dumps(forged), "action": "Save"}
		)
		self.assertEqual(saved.status_code, 404, saved.get_data(as_text=True)[:300])


class TestChildRows(GateTestCase):
	def test_a_child_row_of_another_parent_is_not_found_and_untouched(self):
		other_row = f"{self.fx.b.records['Patient Encounter']}-drug_prescription"
		before = frappe.db.get_value("Drug Prescription", other_row, ["parent", "comment"], as_dict=True)
		frappe.set_user(self.fx.a.doctor)
		encounter = frappe.get_doc("Patient Encounter", self.fx.a.records["Patient Encounter"])
		row = encounter.append("drug_prescription", {"comment": "stolen"})
		row.name = other_row
		row.set("__islocal", 0)
		with self.assertRaises(frappe.DoesNotExistError):
			encounter.save()
		frappe.set_user("Administrator")
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.get_value("Drug Prescription", other_row, ["parent", "comment"], as_dict=True), before
		)


class TestRealtime(GateTestCase):
	def test_practice_users_do_not_join_rooms_of_scoped_doctypes(self):
		frappe.set_user(self.fx.a.recep)
		for doctype in ("Patient", "Patient Appointment", "Drug Prescription"):
			with self.subTest(doctype=doctype), self.assertRaises(frappe.PermissionError):
				realtime.can_subscribe_doctype(doctype)
		frappe.set_user(self.fx.platform)
		self.assertTrue(realtime.can_subscribe_doctype("Patient"))

	def test_list_updates_reach_the_practice_members_in_their_own_rooms(self):
		doc = frappe.get_doc("Patient", self.fx.a.patient)
		with patch.object(realtime, "emit_via_redis") as emit:
			realtime.notify_members(doc)
			frappe.db.after_commit.run()
		rooms = {call.args[2] for call in emit.call_args_list}
		self.assertIn(f"user:{self.fx.a.recep}", rooms)
		self.assertNotIn(f"user:{self.fx.b.recep}", rooms)
		self.assertFalse([room for room in rooms if not room.startswith("user:")])


class TestDocumentMethods(GateTestCase):
	def clinical_notes(self, docs: str, patient: str):
		"""``run_doc_method`` of the encounter's ``get_clinical_notes``, as A's doctor."""
		args = {"docs": docs, "method": "get_clinical_notes", "args": json.dumps({"patient": patient})}
		return self.call("a_doctor", "run_doc_method", data=args)

	def test_every_allowlisted_controller_method_is_the_apps_own(self):
		for doctype, methods in allowlist.DOC_METHODS.items():
			controller = frappe.get_doc({"doctype": doctype}).__class__
			for method in methods:
				with self.subTest(doctype=doctype, method=method):
					fn = getattr(controller, method)
					self.assertTrue(fn.__module__.startswith("medic_plus."), fn.__module__)
					self.assertIn(fn, frappe.whitelisted)

	def test_clinical_notes_of_another_patient_are_not_found(self):
		name = self.fx.a.records["Patient Encounter"]
		modified = str(frappe.db.get_value("Patient Encounter", name, "modified"))
		docs = json.dumps({"doctype": "Patient Encounter", "name": name, "modified": modified})
		for patient in (self.fx.b.patient, "ISO-NO-SUCH-PATIENT"):
			with self.subTest(patient=patient):
				response = self.clinical_notes(docs, patient)
				self.assertEqual(response.status_code, 404, response.get_data(as_text=True)[:300])
		own = self.clinical_notes(docs, self.fx.a.patient)
		self.assertEqual(own.status_code, 200, own.get_data(as_text=True)[:300])

	def test_a_forged_document_of_another_practice_is_judged_by_what_is_stored(self):
		forged = json.dumps(
			{
				"doctype": "Patient Encounter",
				"name": self.fx.b.records["Patient Encounter"],
				"custom_practice": self.fx.a.practice,
				"patient": self.fx.a.patient,
			}
		)
		response = self.clinical_notes(forged, self.fx.a.patient)
		self.assertEqual(response.status_code, 404, response.get_data(as_text=True)[:300])


class TestPermissionsOffPaths(GateTestCase):
	"""Point 6: nothing runs with permissions off for a practice user."""

	def test_count_on_any_doctype_counts_what_the_user_may_list(self):
		todo = frappe.get_doc(
			{"doctype": "ToDo", "description": "ISO private todo", "allocated_to": "Administrator"}
		).insert(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: seen by the request thread
		try:
			filters = json.dumps({"name": todo.name})
			response = self.call(
				"a_recep", "frappe.client.get_count", json={"doctype": "ToDo", "filters": filters}
			)
			self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:300])
			self.assertEqual(response.json["message"], 0)
			admin = self.call(
				"platform", "frappe.client.get_count", json={"doctype": "ToDo", "filters": filters}
			)
			self.assertEqual(admin.json["message"], 1)
		finally:
			frappe.delete_doc("ToDo", todo.name, ignore_permissions=True, force=True)
			frappe.db.commit()  # nosemgrep: clean-up

	def test_a_report_that_is_not_the_apps_own_is_not_found(self):
		for report in ("Stock Ledger", "Patient Appointment Analytics", "ISO no such report"):
			with self.subTest(report=report):
				response = self.call("a_admin", "frappe.desk.query_report.run", json={"report_name": report})
				self.assertEqual(response.status_code, 404, response.get_data(as_text=True)[:300])
		own = self.call(
			"a_admin", "frappe.desk.query_report.run", json={"report_name": "Practice Appointments"}
		)
		self.assertEqual(own.status_code, 200, own.get_data(as_text=True)[:300])

	def test_a_report_of_the_books_runs_for_the_users_own_company_only(self):
		own, other = (
			frappe.db.get_value("Practice", p, "company") for p in (self.fx.a.practice, self.fx.b.practice)
		)
		for filters, status in (
			({"company": own}, 200),
			({"company": other}, 404),
			({"company": own, "party_type": "Customer", "party": ["ISOB-P00001"]}, 404),
			({"company": own, "account": f"Debtors - {frappe.db.get_value('Company', other, 'abbr')}"}, 404),
			({}, 417),
		):
			with self.subTest(filters=filters):
				response = self.call(
					"a_admin",
					"frappe.desk.query_report.run",
					json={
						"report_name": "General Ledger",
						"filters": {
							"from_date": "2026-01-01",
							"to_date": "2026-12-31",
							"group_by": "Group by Voucher (Consolidated)",
							**filters,
						},
					},
				)
				self.assertEqual(response.status_code, status, response.get_data(as_text=True)[:300])
		# a doctor keeps no books: the report is not found
		response = self.call(
			"a_doctor",
			"frappe.desk.query_report.run",
			json={"report_name": "General Ledger", "filters": {"company": own}},
		)
		self.assertEqual(response.status_code, 404, response.get_data(as_text=True)[:300])

	def test_dispatchers_are_judged_on_what_they_dispatch_to(self):
		probes = {
			"frappe.desk.search.search_link": {
				"doctype": "Patient",
				"txt": "",
				"query": "healthcare.healthcare.utils.get_patients",
			},
			"frappe.model.mapper.make_mapped_doc": {
				"method": "healthcare.healthcare.doctype.patient_encounter.patient_encounter.make_ip_medication_order",
				"source_name": self.fx.a.records["Patient Encounter"],
			},
			"frappe.handler.upload_file": {"method": "frappe.client.get_password"},
		}
		for method, args in probes.items():
			with self.subTest(method=method):
				response = self.call("a_doctor", method, data=args)
				self.assertEqual(response.status_code, 404, response.get_data(as_text=True)[:300])
				self.assertIn(args.get("query") or args["method"], response.get_data(as_text=True))

	def test_a_join_into_a_scoped_doctype_is_refused_on_every_list_route(self):
		fields = json.dumps(["name", "patient.dob"])
		probes = (
			("frappe.desk.reportview.get", {"doctype": "Patient Appointment", "fields": fields}),
			("frappe.client.get_list", {"doctype": "Patient Appointment", "fields": fields}),
			("frappe.client.get_value", {"doctype": "Patient Appointment", "fieldname": fields}),
		)
		for method, args in probes:
			with self.subTest(method=method):
				self.assertEqual(self.call("a_recep", method, data=args).status_code, 403)
		rest = request(
			"GET",
			"/api/resource/Patient Appointment",
			self.gated["a_recep"],
			query_string={"fields": fields},
		)
		self.assertEqual(rest.status_code, 403)
		plain = self.call(
			"a_recep",
			"frappe.desk.reportview.get",
			data={"doctype": "Patient Appointment", "fields": '["name"]'},
		)
		self.assertEqual(plain.status_code, 200, body_text(plain)[:300])
		# the title a link shows in place of its name (the list's Practice column) is read
		titled = self.call(
			"a_recep",
			"frappe.desk.reportview.get",
			data={
				"doctype": "Patient Appointment",
				"fields": json.dumps(["name", "custom_practice.practice_name as custom_practice_title"]),
			},
		)
		self.assertEqual(titled.status_code, 200, body_text(titled)[:300])
		values = json.loads(body_text(titled))["message"]["values"]
		self.assertEqual({row[-1] for row in values}, {"ISO Alpha Practice"})

	def test_global_search_pages_hold_visible_results_only(self):
		frappe.set_user(self.fx.a.recep)
		from medic_plus.api.desk import global_search

		results = global_search("Iso", start=0, limit=5)
		names = {r.name for r in results}
		self.assertNotIn(self.fx.b.patient, names)


class TestRouteFormsOverHTTP(GateTestCase):
	"""Over a real gunicorn of this bench: every route form, every gated kind of user."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.stack = ExitStack()
		cls.url = cls.stack.enter_context(running_server(workers=2))
		cls.session = requests.Session()

	@classmethod
	def tearDownClass(cls):
		cls.stack.close()
		super().tearDownClass()

	def send(self, verb: str, path: str, headers: dict, **kwargs):
		if "query_string" in kwargs:
			kwargs["params"] = kwargs.pop("query_string")
		headers = {"Host": frappe.local.site, **headers}
		return requests.request(verb, self.url + path, headers=headers, timeout=60, **kwargs)

	def test_a_closed_method_answers_exactly_like_an_unknown_one_on_every_route_form(self):
		for who in self.gated:
			for method in CLOSED:
				pairs = zip(route_forms(method), route_forms(UNKNOWN), strict=True)
				for (verb, path, kwargs), (_, unknown_path, unknown_kwargs) in pairs:
					with self.subTest(who=who, method=method, path=path, verb=verb):
						headers = {**self.gated[who], **kwargs.pop("headers", {})}
						unknown_kwargs.pop("headers", None)
						closed = self.send(verb, path, headers, **kwargs)
						unknown = self.send(verb, unknown_path, headers, **unknown_kwargs)
						self.assertEqual(closed.status_code, 404, body_text(closed)[:300])
						self.assertEqual(shape(closed, method), shape(unknown, UNKNOWN))

	def test_other_practice_patient_detail_is_not_found_on_every_route(self):
		method = "healthcare.healthcare.doctype.patient.patient.get_patient_detail"
		other, missing = self.fx.b.patient, "ISO-NO-SUCH-PATIENT"
		pairs = zip(
			route_forms(method, {"patient": other}), route_forms(method, {"patient": missing}), strict=True
		)
		for (verb, path, kwargs), (_, _, missing_kwargs) in pairs:
			with self.subTest(path=path, verb=verb):
				headers = {**self.gated["a_recep"], **kwargs.pop("headers", {})}
				missing_kwargs.pop("headers", None)
				foreign = self.send(verb, path, headers, **kwargs)
				absent = self.send(verb, path, headers, **missing_kwargs)
				self.assertEqual(foreign.status_code, 404, body_text(foreign)[:300])
				self.assertEqual(shape(foreign, other), shape(absent, missing))

	def test_a_clinical_role_in_no_practice_is_walled_in(self):
		"""A system user with a Healthcare role and no membership (a membership that ended,
		a role given by hand) is gated like a practice user of no practice: the link search
		that ignores user permissions lists no practice's records, and methods off the
		allowlist answer like unknown ones. An ERPNext user with no clinical role is not."""
		nobody = {"Authorization": api_token(self.fx.nobody)}
		for doctype in ("Patient Appointment", "Patient Encounter", "Vital Signs", "Patient"):
			with self.subTest(doctype=doctype):
				found = request(
					"GET",
					"/api/method/frappe.desk.search.search_widget",
					nobody,
					query_string={"doctype": doctype, "txt": "", "ignore_user_permissions": 1, "as_dict": 1},
				)
				self.assertEqual(found.status_code, 200, body_text(found)[:300])
				self.assertEqual(found.json.get("message") or found.json.get("results") or [], [])
		method = "healthcare.healthcare.utils.get_healthcare_services_to_invoice"
		closed = request("GET", f"/api/method/{method}", nobody, query_string={"patient": self.fx.b.patient})
		unknown = request("GET", "/api/method/medic_plus.no_such_method", nobody)
		self.assertEqual(shape(closed, method), shape(unknown, "medic_plus.no_such_method"))
		self.assertIsNotNone(gate.allowed_methods(self.fx.nobody))
		accounts = ensure_user(email("iso-accounts"), "Iso Accounts", roles=("Accounts User",))
		self.assertIsNone(gate.allowed_methods(accounts))

	def test_a_missing_required_argument_is_400_and_named(self):
		for who, verb, method, given in (
			("guest", "GET", "medic_plus.api.booking.get_practice_info", {}),
			("guest", "GET", "medic_plus.api.booking.get_availability", {"practice": "iso-book"}),
			("guest", "GET", "medic_plus.api.signup.check_slug", {}),
			("guest", "POST", "medic_plus.api.onboarding.activate", {"key": "x" * 43}),
			("a_recep", "GET", "frappe.desk.form.load.getdoc", {"doctype": "Patient"}),
		):
			with self.subTest(method=method):
				args = {"query_string": given} if verb == "GET" else {"data": given}
				answer = self.call(who, method, verb, **args)
				self.assertEqual(answer.status_code, 400, body_text(answer)[:300])
				self.assertIn("is required", body_text(answer))
				self.assertNotIn("Traceback", body_text(answer))

	def test_staff_list_their_colleagues_only(self):
		"""Users of another practice (their e-mail, last login, IP, phone) are not listed
		on any list route; one's own colleagues are."""
		fx = self.fx
		colleagues = set(
			frappe.get_all("Practice Member", {"practice": fx.a.practice, "is_active": 1}, pluck="user")
		)
		others = {fx.b.admin, fx.b.doctor, fx.b.recep, fx.platform, fx.nobody}
		fields = json.dumps(["name", "last_login", "last_ip"])
		for verb, method, args in (
			("GET", "frappe.client.get_list", {"doctype": "User", "fields": fields, "limit_page_length": 0}),
			(
				"GET",
				"frappe.desk.reportview.get_list",
				{"doctype": "User", "fields": fields, "limit_page_length": 0},
			),
			("GET", "frappe.desk.search.search_link", {"doctype": "User", "txt": "iso", "page_length": 100}),
		):
			with self.subTest(method=method):
				answer = self.call("a_recep", method, verb, query_string=args)
				self.assertEqual(answer.status_code, 200, body_text(answer)[:300])
				rows = answer.json["message"] if "message" in answer.json else answer.json["results"]
				listed = {r.get("name") or r.get("value") for r in rows}
				self.assertFalse(listed & others, listed & others)
				self.assertIn(fx.a.recep, listed)
				self.assertLessEqual(listed, colleagues | {fx.a.recep})
		listed = request(
			"GET",
			"/api/resource/User",
			self.gated["a_recep"],
			query_string={"fields": fields, "limit_page_length": 0},
		).json["data"]
		self.assertFalse({r["name"] for r in listed} & others)
		roles = self.call(
			"a_recep",
			"frappe.client.get_list",
			"GET",
			query_string={
				"doctype": "Has Role",
				"parent": "User",
				"fields": json.dumps(["parent", "role"]),
				"limit_page_length": 0,
			},
		).json["message"]
		self.assertFalse({r["parent"] for r in roles} & others)
		mentions = self.call(
			"a_recep", "frappe.desk.search.get_names_for_mentions", "GET", query_string={"search_term": "iso"}
		).json["message"]
		viewers = self.call(
			"a_recep",
			"frappe.desk.form.load.get_user_info_for_viewers",
			"POST",
			data={"users": json.dumps([fx.a.admin, fx.b.admin, fx.platform])},
		).json["message"]
		self.assertEqual(set(viewers), {fx.a.admin})
		self.assertIn(fx.a.admin, {m["id"] for m in mentions})
		self.assertLessEqual({m["id"] for m in mentions}, colleagues)
		value = self.call(
			"a_recep",
			"frappe.client.get_value",
			"GET",
			query_string={
				"doctype": "User",
				"filters": json.dumps({"name": fx.b.admin}),
				"fieldname": "last_ip",
			},
		)
		self.assertFalse((value.json or {}).get("message"))

	def test_another_practices_record_answers_like_a_missing_one_on_these_too(self):
		"""Save, bulk delete, a template rendered with a document, a print preview and a
		token for another practice: the same answer for its record as for no record."""
		fx = self.fx
		template = (
			frappe.db.get_value("Email Template", {}, "name")
			or frappe.get_doc(
				{"doctype": "Email Template", "name": "ISO Gate Template", "subject": "Hi", "response": "Hi"}
			)
			.insert(ignore_permissions=True)
			.name
		)
		from medic_plus.tests.test_operations import make_appointment

		demo.ensure_appointment_type()
		b_appointment = make_appointment(fx.b.practice, fx.b.patient, fx.b.practitioner, day="2031-05-05")
		self.addCleanup(frappe.db.commit)  # nosemgrep: after the delete below
		self.addCleanup(
			frappe.delete_doc, "Patient Appointment", b_appointment, force=True, ignore_permissions=True
		)
		frappe.db.commit()  # nosemgrep: the request threads read it
		cases = (
			(
				"frappe.desk.form.save.savedocs",
				lambda n: {
					"action": "Save",
					"doc": json.dumps({"doctype": "Patient", "name": n, "modified": "2030-01-01"}),
				},
				fx.b.patient,
			),
			(
				"frappe.desk.reportview.delete_items",
				lambda n: {"doctype": "Patient", "items": json.dumps([n])},
				fx.b.patient,
			),
			(
				"frappe.email.doctype.email_template.email_template.get_email_template",
				lambda n: {"template_name": template, "doc": json.dumps({"doctype": "Patient", "name": n})},
				fx.b.patient,
			),
			(
				"frappe.www.printview.get_html_and_style",
				lambda n: {"doc": "Practice", "name": n},
				fx.b.practice,
			),
			(
				"frappe.desk.form.utils.get_next",
				lambda n: {"doctype": "Patient Appointment", "value": n, "prev": 0},
				b_appointment,
			),
			(
				"medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token.issue_token",
				lambda n: {"practice": n, "label": "ISO FHIR gate", "days": 1},
				fx.b.practice,
			),
		)
		missing = "isonosuch01"
		for method, args, foreign in cases:
			with self.subTest(method=method):
				hidden = self.call("a_admin", method, data=args(foreign))
				absent = self.call("a_admin", method, data=args(missing))
				self.assertEqual(shape(hidden, foreign), shape(absent, missing))
		self.assertTrue(frappe.db.exists("Patient", fx.b.patient))

	def test_get_by_filters_answers_for_what_the_user_may_see_only(self):
		"""frappe.client.get with filters: a filter only another practice's record matches
		answers exactly like one nothing matches (no name, no field read blind)."""
		b_mail = frappe.db.get_value("Patient", self.fx.b.patient, "email")
		a_mail = frappe.db.get_value("Patient", self.fx.a.patient, "email")
		self.assertTrue(b_mail and a_mail)

		def get(filters):
			return self.call(
				"a_recep",
				"frappe.client.get",
				"GET",
				query_string={"doctype": "Patient", "filters": json.dumps(filters)},
			)

		for field, foreign in (("email", b_mail), ("name", self.fx.b.patient)):
			with self.subTest(field=field):
				hidden = get({field: foreign})
				nothing = get({field: "no-such-value@example.org"})
				self.assertEqual(hidden.status_code, 404)
				self.assertEqual(shape(hidden, foreign), shape(nothing, "no-such-value@example.org"))
				self.assertNotIn(self.fx.b.patient, body_text(hidden))
		hidden = get({"email": ["like", b_mail[:5] + "%"]})
		self.assertNotIn(self.fx.b.patient, body_text(hidden))
		# the practice's own record still comes back by its filters
		own = get({"email": a_mail})
		self.assertEqual(own.status_code, 200, body_text(own)[:300])
		self.assertEqual(own.json["message"]["name"], self.fx.a.patient)
		self.assertEqual(get("not a filter").status_code, 400)


class TestChartsAndCards(GateTestCase):
	"""Charts and number cards that practice A's admin builds over Patient Appointment,
	with no filter, count A's appointments only, whatever their type."""

	def own_count(self) -> int:
		return frappe.db.count(
			"Patient Appointment", {"custom_practice": self.fx.a.practice, "docstatus": ("<", 2)}
		)

	def test_every_chart_type_counts_own_practice_only(self):
		from medic_plus.api.desk import get_dashboard_chart

		expected = self.own_count()
		self.assertLess(expected, frappe.db.count("Patient Appointment", {"docstatus": ("<", 2)}))
		own = {"custom_practice": self.fx.a.practice, "docstatus": ("<", 2)}
		year = frappe.db.get_value("Patient Appointment", own, "creation", order_by="creation asc").year
		in_year = frappe.db.count(
			"Patient Appointment",
			{**own, "creation": ("between", [f"{year}-01-01", f"{year}-12-31 23:59:59"])},
		)
		base = {
			"document_type": "Patient Appointment",
			"based_on": "creation",
			"timespan": "Last Year",
			"time_interval": "Yearly",
			"timeseries": 1,
			"filters_json": "[]",
		}
		charts = {
			"Count": {**base, "chart_type": "Count", "type": "Line"},
			"Sum": {**base, "chart_type": "Sum", "value_based_on": "1", "type": "Line"},
			# a heatmap shows one calendar year: the one the fixture's records were made in
			"Heatmap": {**base, "chart_type": "Count", "type": "Heatmap", "heatmap_year": year},
			"Group By": {
				**base,
				"chart_type": "Group By",
				"group_by_type": "Count",
				"group_by_based_on": "custom_practice",
				"type": "Bar",
			},
		}
		frappe.set_user(self.fx.a.admin)
		for label, chart in charts.items():
			with self.subTest(chart=label):
				data = get_dashboard_chart(chart=json.dumps(chart), no_cache=1)
				if label == "Heatmap":
					self.assertEqual(sum(data["dataPoints"].values()), in_year)
					continue
				elif label == "Group By":
					self.assertEqual(data["labels"], [self.fx.a.practice])
					total = sum(data["datasets"][0]["values"])
				else:
					total = sum(data["datasets"][0]["values"])
				self.assertEqual(total, expected)

	def test_number_cards_count_own_practice_only(self):
		from frappe.desk.doctype.number_card.number_card import get_result

		expected = self.own_count()
		frappe.set_user(self.fx.a.admin)
		for function in ("Count", "Sum"):
			with self.subTest(function=function):
				card = {
					"function": function,
					"document_type": "Patient Appointment",
					"aggregate_function_based_on": "1",
				}
				self.assertEqual(
					get_result(json.dumps(card), [["Patient Appointment", "docstatus", "<", 2]]), expected
				)
