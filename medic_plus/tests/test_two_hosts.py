"""Nothing of the app lives on one host: two web servers of this bench, each with its own
temporary directory and its own processes (no shared /tmp, no shared in-process cache), as
two hosts behind one proxy would be, and a worker process of a third.

- a guest's booking started on one host (the form token and the code sent) and finished on
  the other (the code checked, the appointment booked), then read back on the first;
- a claim queued by a request to one host and sent by a worker on another;
- a FHIR bulk export asked of one host, written by a worker on another and polled and
  downloaded on a third (the files live in the site's folder, which hosts share as they
  share its private files).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from contextlib import ExitStack
from decimal import Decimal

import frappe
import requests
from frappe.utils import add_days

from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.fixtures import api_token, get_booking_fixture, get_fixture
from medic_plus.tests.server import running_server
from medic_plus.tests.test_booking import practice_today
from medic_plus.tests.utils import bench_command, delete_booked


def host(stack: ExitStack, name: str) -> tuple[str, str]:
	"""A web server as a host of its own: its own temporary directory."""
	tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"medic-plus-{name}-"))
	return stack.enter_context(running_server(workers=1, env={"TMPDIR": tmp})), tmp


class TestTwoHosts(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.fx = get_fixture()
		cls.bf = get_booking_fixture()

	def test_a_booking_started_on_one_host_is_finished_on_the_other(self):
		bf = self.bf
		day = str(add_days(practice_today(), 29))
		email = f"two-hosts-{frappe.generate_hash(length=6)}@example.org"
		headers = {"Host": frappe.local.site}
		frappe.cache.delete_keys("rl:")
		with ExitStack() as stack:
			(one, tmp_one), (other, tmp_other) = host(stack, "one"), host(stack, "other")
			self.assertNotEqual(tmp_one, tmp_other)
			token = requests.get(
				f"{one}/api/method/medic_plus.api.booking.get_form_token",
				params={"practice": bf.slug},
				headers=headers,
				timeout=60,
			).json()["message"]["form_token"]
			time.sleep(3.5)  # no person fills the form faster
			sent = requests.post(
				f"{one}/api/method/medic_plus.api.booking.request_booking_otp",
				json={"practice": bf.slug, "email": email, "form_token": token},
				headers=headers,
				timeout=60,
			)
			self.assertEqual(sent.status_code, 200, sent.text[:300])
			frappe.db.rollback()
			queued = frappe.db.get_value("Email Queue Recipient", {"recipient": email}, "parent")
			message = frappe.db.get_value("Email Queue", queued, "message")
			code = re.search(r"(?<![\d=])(\d{6})(?!\d)", message).group(1)

			def book(url: str, at: str):
				return requests.post(
					f"{url}/api/method/medic_plus.api.booking.verify_and_book",
					json={
						"practice": bf.slug,
						"otp": code,
						"practitioner": bf.doctor,
						"appointment_date": day,
						"appointment_time": at,
						"first_name": "Two",
						"last_name": "Hosts",
						"email": email,
					},
					headers=headers,
					timeout=120,
				)

			booked = book(other, "11:00")
			self.assertEqual(booked.status_code, 200, booked.text[:300])
			# the same code once more, on the first host: spent
			again = book(one, "11:30")
			self.assertEqual(again.status_code, 403, again.text[:300])
		frappe.db.rollback()
		rows = frappe.get_all(
			"Patient Appointment",
			filters={"practitioner": bf.doctor, "appointment_date": day},
			fields=["name", "patient", "appointment_time"],
		)
		try:
			self.assertEqual([str(r.appointment_time) for r in rows], ["11:00:00"])
		finally:
			for row in rows:
				delete_booked(row.name, row.patient)
			frappe.db.commit()  # nosemgrep: remove what the servers committed

	def test_a_claim_queued_on_one_host_is_sent_by_a_worker_of_another(self):
		from medic_plus.tests.claims_switch import ClaimsSwitch, Rules
		from medic_plus.tests.test_billing import CONSULTATION, SCHEME, ensure_tariff, set_up_billing

		fx = self.fx
		frappe.set_user("Administrator")
		switch = ClaimsSwitch(Rules(rates={CONSULTATION: Decimal("400")}))
		with ExitStack() as stack:
			stack.enter_context(switch)
			previous = frappe.db.get_value("Medical Aid Scheme", SCHEME, "switch")
			stack.callback(self.restore, SCHEME, previous)
			ensure_tariff(CONSULTATION, "General practitioner consultation")
			frappe.db.set_value("Appointment Type", "Consultation", "custom_tariff_code", CONSULTATION)
			set_up_billing(fx.a, "Two Hosts Switch", switch.url)
			invoice = self.scheme_invoice(stack)
			frappe.db.commit()  # nosemgrep: seen by the servers and the worker

			one, _tmp = host(stack, "one")
			submitted = requests.post(
				f"{one}/api/method/frappe.client.submit",
				data={"doc": frappe.as_json(frappe.get_doc("Sales Invoice", invoice).as_dict())},
				headers={"Host": frappe.local.site, "Authorization": api_token(fx.a.recep)},
				timeout=120,
			)
			self.assertEqual(submitted.status_code, 200, submitted.text[:300])
			frappe.db.rollback()
			claim = frappe.db.get_value("Sales Invoice", invoice, "custom_claim")
			self.assertEqual(frappe.db.get_value("Insurance Claim", claim, "status"), "Queued")

			# a worker on another host: its own temporary directory, the short queue, until empty
			tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="medic-plus-worker-"))
			sites = os.path.abspath(frappe.local.sites_path)
			worker = subprocess.run(
				bench_command("worker", "--queue", "short", "--burst"),
				cwd=sites,
				env={**os.environ, "TMPDIR": tmp},
				capture_output=True,
				text=True,
				timeout=300,
			)
			self.assertEqual(worker.returncode, 0, worker.stderr[-1000:])
			frappe.db.rollback()
			status = frappe.db.get_value("Insurance Claim", claim, "status")
			self.assertIn(status, ("Accepted", "Partly Paid", "Paid"))
			self.assertEqual(len(switch.answers), 1)

	def test_a_bulk_export_asked_of_one_host_is_polled_and_read_on_another(self):
		from medic_plus.core.fhir_map import fhir_id
		from medic_plus.medic_plus.doctype.fhir_access_token.fhir_access_token import issue_token

		fx = self.fx
		frappe.set_user(fx.a.admin)
		token = issue_token(fx.a.practice, "ISO two hosts export")
		frappe.set_user("Administrator")
		frappe.db.commit()  # nosemgrep: seen by the servers
		auth = {"Host": frappe.local.site, "Authorization": f"Bearer {token['token']}"}
		try:
			with ExitStack() as stack:
				(one, _), (other, _) = host(stack, "one"), host(stack, "other")
				kickoff = requests.get(
					f"{one}/fhir/R4/Group/{fhir_id(fx.a.practice)}/$export?_type=Patient",
					headers={**auth, "Prefer": "respond-async"},
					timeout=60,
				)
				self.assertEqual(kickoff.status_code, 202, kickoff.text[:300])
				status_path = kickoff.headers["Content-Location"].split("/fhir/R4/", 1)[1]
				waiting = requests.get(f"{other}/fhir/R4/{status_path}", headers=auth, timeout=60)
				self.assertEqual(waiting.status_code, 202)
				tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="medic-plus-worker-"))
				worker = subprocess.run(
					bench_command("worker", "--queue", "long", "--burst"),
					cwd=os.path.abspath(frappe.local.sites_path),
					env={**os.environ, "TMPDIR": tmp},
					capture_output=True,
					text=True,
					timeout=300,
				)
				self.assertEqual(worker.returncode, 0, worker.stderr[-1000:])
				done = requests.get(f"{other}/fhir/R4/{status_path}", headers=auth, timeout=60)
				self.assertEqual(done.status_code, 200, done.text[:300])
				url = done.json()["output"][0]["url"].split("/fhir/R4/", 1)[1]
				lines = requests.get(f"{other}/fhir/R4/{url}", headers=auth, timeout=60).text.splitlines()
				self.assertIn(
					fhir_id(fx.a.patient), {line.split('"id":"', 1)[1].split('"', 1)[0] for line in lines}
				)
		finally:
			frappe.db.rollback()
			for name in frappe.get_all("FHIR Bulk Export", {"fhir_token": token["name"]}, pluck="name"):
				frappe.delete_doc("FHIR Bulk Export", name, force=True, ignore_permissions=True)
			frappe.delete_doc("FHIR Access Token", token["name"], force=True, ignore_permissions=True)
			frappe.db.commit()  # nosemgrep

	def scheme_invoice(self, stack: ExitStack) -> str:
		"""A draft invoice to the scheme, of a visit of a new patient of practice A (removed
		with all its visit left in the books when the test ends)."""
		from medic_plus import demo
		from medic_plus.tests.test_billing import put_on_scheme, write_encounter
		from medic_plus.tests.test_desk_billing import remove_committed_patient

		fx, tag = self.fx, frappe.generate_hash(length=5)
		patient = demo.ensure_patient(fx.a.practice, "Hosts", f"Two {tag}", f"hosts-{tag}@example.com")
		stack.callback(remove_committed_patient, patient)
		frappe.db.set_value("Patient", patient, "dob", "1980-01-01")
		put_on_scheme(patient)
		encounter = write_encounter(fx.a, patient)
		return frappe.db.get_value(
			"Sales Invoice",
			{"custom_patient_encounter": encounter.name, "custom_bill_to": "Medical Aid"},
			"name",
		)

	def restore(self, scheme: str, switch: str | None) -> None:
		frappe.db.rollback()
		frappe.db.set_value("Medical Aid Scheme", scheme, "switch", switch)
		frappe.db.set_value("Appointment Type", "Consultation", "custom_tariff_code", None)
		frappe.db.commit()  # nosemgrep
