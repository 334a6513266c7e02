"""Reads on a real MariaDB replica (run by ``.ci/run`` where a bench exists; skip with
MEDIC_PLUS_REPLICA=0; needs root, as it starts a second MariaDB server).

A replica of the bench's server on 127.0.0.1:3307 (tests/replica_server.py: real
replication, ``read_only=ON``), and the site reading from it (``read_from_replica``):

- the app's read-only endpoints read the replica: with replication paused, they do not
  see what the primary wrote since, and then do once it catches up;
- nothing they run writes: the replica refuses any write, so an endpoint that wrote would
  fail here. Frappe's own lists and reports (already ``read_only``) run the tenant wall's
  conditions on the replica too;
- a replica that lags gives no wrong answer where it matters: a second guest booking a
  slot just booked gets 409, a booking code is checked on the primary, a FHIR token
  revoked a moment ago is refused, and a record just saved is read back by its form.

Prints a table of what was checked and what came back.

    bench --site test_site run-tests --module medic_plus.tests.replica
"""

from __future__ import annotations

import json
import time

import frappe
import requests
from frappe.installer import update_site_config
from frappe.utils import add_days, today

from medic_plus.api import stats
from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import get_booking_fixture
from medic_plus.tests.replica_server import Replica
from medic_plus.tests.server import running_server
from medic_plus.tests.test_booking import code_for, practice_today
from medic_plus.tests.test_operations import make_appointment
from medic_plus.tests.utils import delete_booked

RESULTS: list[tuple[str, str, str]] = []


class TestReplica(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.bf = get_booking_fixture()
		frappe.db.commit()  # nosemgrep: the fixture, copied to the replica
		cls.replica = Replica()
		started = time.monotonic()
		cls.replica.__enter__()
		RESULTS.append(
			(
				"replica started and filled",
				f"{frappe.local.conf.db_name} copied in {cls.replica.copy_seconds:.1f} s",
				f"replicating, {time.monotonic() - started:.1f} s in all"
				+ (
					"; the primary restarted once for its binary log" if cls.replica.restarted_primary else ""
				),
			)
		)
		# this process (frappe.local.conf) and the web servers the tests start (site config)
		cls.config = cls.replica.site_config()
		for key, value in cls.config.items():
			update_site_config(key, value)
		frappe.local.conf.update(cls.config)

	@classmethod
	def tearDownClass(cls):
		try:
			for key in cls.config:
				update_site_config(key, None)
				frappe.local.conf.pop(key, None)
			cls.replica.__exit__(None, None, None)
		finally:
			super().tearDownClass()
			width = max(len(r[0]) for r in RESULTS) if RESULTS else 10
			print("\nReplica tests\n")
			print(f"| {'what':{width}s} | checked | result |")
			print(f"|{'-' * (width + 2)}|---|---|")
			for what, checked, result in RESULTS:
				print(f"| {what:{width}s} | {checked} | {result} |")

	def setUp(self):
		frappe.set_user("Administrator")
		self.replica.resume()

	def tearDown(self):
		frappe.set_user("Administrator")
		self.replica.resume()

	def test_1_the_apps_reads_come_from_the_replica(self):
		"""Replication paused, an appointment written on the primary: the statistics (read
		only) do not count it yet, the primary does; once the replica catches up, they do."""
		practice = self.fx.a.practice
		frappe.set_user(self.fx.a.admin)
		before = appointments_today(practice)
		self.replica.pause()
		frappe.set_user("Administrator")
		name = make_appointment(practice, self.fx.a.patient, self.fx.a.practitioner, day=today())
		frappe.db.commit()  # nosemgrep: on the primary, for the replica to follow
		try:
			frappe.set_user(self.fx.a.admin)
			while_paused = appointments_today(practice)
			on_primary = frappe.db.count(
				"Patient Appointment", {"custom_practice": practice, "appointment_date": today()}
			)
			self.replica.resume()
			caught_up = appointments_today(practice)
			self.assertEqual(while_paused, before)
			self.assertEqual(caught_up, before + 1)
			self.assertGreaterEqual(on_primary, caught_up)
			RESULTS.append(
				(
					"statistics read the replica",
					"an appointment written while replication is paused",
					f"{while_paused} while paused, {caught_up} once caught up",
				)
			)
		finally:
			frappe.set_user("Administrator")
			frappe.delete_doc("Patient Appointment", name, force=True, ignore_permissions=True)
			frappe.db.commit()  # nosemgrep: remove it

	def test_2_nothing_read_on_the_replica_writes(self):
		"""Each read-only path, as the practice user who takes it, against a replica that
		refuses every write."""
		from frappe.desk import query_report, reportview

		from medic_plus.api import desk as whitelisted
		from medic_plus.api import privacy
		from medic_plus.onboarding import billing

		a = self.fx.a
		start, end = str(add_days(today(), -30)), str(add_days(today(), 30))
		calls = (
			(
				a.admin,
				"appointment statistics",
				lambda: stats.get_appointment_stats(start, end, practice=a.practice),
			),
			(a.admin, "practitioner statistics", lambda: stats.get_practitioner_stats(practice=a.practice)),
			(a.admin, "no-show card", lambda: stats.no_show_rate_card()),
			(a.recep, "patient count", lambda: whitelisted.get_count("Patient")),
			(a.recep, "appointment calendar", lambda: whitelisted.get_appointment_events(start, end)),
			(a.recep, "calendar events", lambda: whitelisted.get_events(start, end)),
			(a.recep, "patient list", lambda: _list(reportview, "Patient")),
			(a.doctor, "clinical note list", lambda: _list(reportview, "Clinical Note")),
			(a.recep, "invoice list", lambda: _list(reportview, "Sales Invoice")),
			(
				a.admin,
				"Practice Appointments report",
				lambda: query_report.run("Practice Appointments", {"practice": a.practice}),
			),
			(
				a.admin,
				"number card",
				lambda: whitelisted.get_number_card_result(
					frappe.get_doc("Number Card", "MP Total Patients").as_json(), "[]"
				),
			),
			(
				a.admin,
				"number card's change",
				lambda: whitelisted.get_number_card_difference(
					frappe.get_doc("Number Card", "MP Total Patients").as_json(), "[]", 1
				),
			),
			(
				a.recep,
				"dashboard chart",
				lambda: whitelisted.get_dashboard_chart(chart_name="MP Appointments by Status", refresh=1),
			),
			("Administrator", "revenue card", lambda: billing.mrr_card()),
			(a.admin, "patient export", lambda: privacy.export_patient(a.patient)),
		)
		for user, label, call in calls:
			with self.subTest(label=label):
				frappe.set_user(user)
				frappe.local.form_dict = frappe._dict()
				new_request()
				call()
				self.assertTrue(hasattr(frappe.local, "replica_db"), f"{label} did not read the replica")
		frappe.set_user("Administrator")
		RESULTS.append(
			(
				"no write on the replica",
				", ".join(label for _user, label, _call in calls),
				f"{len(calls)} of {len(calls)} answered on a read-only replica",
			)
		)

	def test_3_fhir_reads_the_replica_and_checks_its_token_on_the_primary(self):
		from medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token import issue_token

		frappe.set_user(self.fx.a.admin)
		token = issue_token(self.fx.a.practice, "replica test", 1)
		frappe.set_user("Administrator")
		frappe.db.commit()  # nosemgrep: the server reads it
		with running_server(workers=1) as url:
			headers = {"Host": frappe.local.site, "Authorization": f"Bearer {token['token']}"}
			self.replica.caught_up()
			search = requests.get(f"{url}/fhir/R4/Patient", headers=headers, timeout=60)
			self.assertEqual(search.status_code, 200, search.text[:300])
			total = search.json().get("total")
			self.replica.pause()
			frappe.db.set_value("FHIR Access Token", token["name"], "revoked", 1)
			frappe.db.commit()  # nosemgrep: revoked on the primary, not yet on the replica
			refused = requests.get(f"{url}/fhir/R4/Patient", headers=headers, timeout=60)
			self.assertEqual(refused.status_code, 401, refused.text[:300])
		frappe.delete_doc("FHIR Access Token", token["name"], force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		RESULTS.append(
			(
				"FHIR on the replica",
				"a search, then the token revoked while replication is paused",
				f"200 with {total} patients, then 401",
			)
		)

	def test_4_a_lagging_replica_books_each_slot_once(self):
		"""Replication paused: two guests book one slot, one after the other; the second
		gets 409 (the booking's re-check reads the primary); the first guest's code, used
		again for another slot, is refused as spent (403)."""
		bf = self.bf
		day = str(add_days(practice_today(), 27))
		created = []
		self.replica.pause()
		with running_server(workers=1) as url:
			headers = {"Host": frappe.local.site}
			answers, payloads = [], []
			for guest in ("first", "second"):
				email = f"lag-{guest}-{frappe.generate_hash(length=5)}@example.org"
				payload = {
					"practice": bf.slug,
					"otp": code_for(bf.practice, email),
					"practitioner": bf.doctor,
					"appointment_date": day,
					"appointment_time": "09:00",
					"first_name": "Lag",
					"last_name": guest.title(),
					"email": email,
				}
				response = requests.post(
					f"{url}/api/method/medic_plus.api.booking.verify_and_book",
					json=payload,
					headers=headers,
					timeout=120,
				)
				answers.append(response.status_code)
				payloads.append(payload)
				if response.status_code == 200:
					created.append(json.loads(response.text)["message"])
			again = requests.post(
				f"{url}/api/method/medic_plus.api.booking.verify_and_book",
				json={**payloads[0], "appointment_time": "09:30"},
				headers=headers,
				timeout=120,
			).status_code
		frappe.db.rollback()
		try:
			self.assertEqual(answers, [200, 409])
			self.assertEqual(again, 403)
			booked = frappe.get_all(
				"Patient Appointment",
				filters={"practitioner": bf.doctor, "appointment_date": day, "status": ("!=", "Cancelled")},
				fields=["name", "patient"],
			)
			self.assertEqual(len(booked), 1)
			RESULTS.append(
				(
					"booking with the replica behind",
					"two guests, one slot, replication paused; the first code used again",
					f"{answers[0]}, then {answers[1]}; the code again: {again}; one appointment",
				)
			)
		finally:
			for row in frappe.get_all(
				"Patient Appointment",
				filters={"practitioner": bf.doctor, "appointment_date": day},
				fields=["name", "patient"],
			):
				delete_booked(row.name, row.patient)
			frappe.db.commit()  # nosemgrep: remove what the server committed

	def test_5_a_record_just_saved_is_read_back_by_its_form(self):
		"""Replication paused: a note saved over HTTP is loaded by its form at once (the
		form reads the primary); the list (read only) shows it once the replica catches up."""
		a = self.fx.a
		from medic_plus.tests.fixtures import api_token

		headers = {"Authorization": api_token(a.doctor), "Host": frappe.local.site}
		self.replica.pause()
		with running_server(workers=1) as url:
			saved = requests.post(
				f"{url}/api/resource/Patient Allergy",
				json={"patient": a.patient, "substance": "Latex", "status": "active"},
				headers=headers,
				timeout=60,
			)
			self.assertEqual(saved.status_code, 200, saved.text[:300])
			name = saved.json()["data"]["name"]
			try:
				form = requests.get(
					f"{url}/api/method/frappe.desk.form.load.getdoc",
					params={"doctype": "Patient Allergy", "name": name},
					headers=headers,
					timeout=60,
				)
				self.assertEqual(form.status_code, 200, form.text[:300])
				listed = lambda: {  # noqa: E731
					row["name"]
					for row in requests.get(
						f"{url}/api/method/frappe.desk.reportview.get_list",
						params={"doctype": "Patient Allergy", "fields": '["name"]', "limit_page_length": 500},
						headers=headers,
						timeout=60,
					).json()["message"]
				}
				while_paused = name in listed()
				self.replica.resume()
				after = name in listed()
				self.assertTrue(after)
				RESULTS.append(
					(
						"a record just saved",
						"saved, then its form and the list, replication paused",
						f"form 200; in the list: {while_paused} while paused, {after} once caught up",
					)
				)
			finally:
				frappe.db.rollback()
				frappe.delete_doc("Patient Allergy", name, force=True, ignore_permissions=True)
				frappe.db.commit()  # nosemgrep: remove what the server committed


def new_request() -> None:
	"""As a new request starts: Frappe's ``read_only`` connects the replica once a request
	(and keeps the pair of connections on ``frappe.local`` until the request ends)."""
	for attr in ("replica_db", "primary_db"):
		if hasattr(frappe.local, attr):
			delattr(frappe.local, attr)


def appointments_today(practice: str) -> int:
	new_request()
	return stats.get_appointment_stats(today(), today(), practice=practice)["total"]


def _list(reportview, doctype: str):
	frappe.local.form_dict = frappe._dict(doctype=doctype, fields=json.dumps(["name"]), limit_page_length=20)
	return reportview.get_list()
