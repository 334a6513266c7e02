"""The patient portal's home: a patient with records at 3 practices, 50 appointments and
20 documents (sick notes, and encounters with a prescription) at each.

1. In-process: the median time and the query count of ``portal.home.home()`` for that
   patient. Target: at most 80 ms and 25 queries.
2. Over HTTP on a 4-worker gunicorn of this bench: 50 signed-in patients (each at the 3
   practices) ask for their home at the same time, for ``--seconds``. Target: p95 at
   most 250 ms.

Run by hand on a bench (the data is kept for re-runs; --cleanup removes it):

    cd ~/frappe-bench/sites
    ../env/bin/python ../apps/medic_plus/benchmarks/portal.py --site test_site
"""

from __future__ import annotations

import statistics
import threading
import time
from datetime import timedelta

import frappe
import requests
from common import QueryCounter, on_site, timed

PRACTICES = 3
APPOINTMENTS = 50
DOCUMENTS = 20
PATIENTS = 50
PREFIX = "BENCH-PORTAL"


def email(n: int) -> str:
	return f"bench-portal-{n}@example.com"


def seed() -> None:
	from medic_plus import demo

	company = demo.default_company()
	practitioner = demo.ensure_practitioner("Bench Portal Doc")
	now = frappe.utils.now()
	for k in range(PRACTICES):
		practice = demo.ensure_practice(f"Bench Portal {k}", f"bench-portal-{k}", f"BPO{k}", company=company)
		for n in range(PATIENTS):
			patient = demo.ensure_patient(practice, "Bench", f"Portal{n}", email(n))
			if n:
				continue  # the measured patient (0) carries the records
			if frappe.db.count("Patient Appointment", {"patient": patient}) >= APPOINTMENTS:
				continue
			day = frappe.utils.getdate()
			for i in range(APPOINTMENTS):
				doc = frappe.new_doc("Patient Appointment")
				doc.update(
					{
						"patient": patient,
						"practitioner": practitioner,
						"appointment_date": day + timedelta(days=i - 25),
						"appointment_time": "10:00:00",
						"duration": 15,
						"status": "Scheduled" if i >= 25 else "Closed",
						"company": company,
						"custom_practice": practice,
						"creation": now,
						"modified": now,
					}
				)
				doc.name = f"{PREFIX}-A-{k}-{i}"
				doc.db_insert()
			for i in range(DOCUMENTS):
				if i % 2:
					doc = frappe.new_doc("Sick Note")
					doc.update(
						{
							"patient": patient,
							"practice": practice,
							"issue_date": day - timedelta(days=i),
							"date_from": day - timedelta(days=i),
							"date_to": day - timedelta(days=i),
							"docstatus": 1,
						}
					)
				else:
					doc = frappe.new_doc("Patient Encounter")
					doc.update(
						{
							"patient": patient,
							"practitioner": practitioner,
							"encounter_date": day - timedelta(days=i),
							"company": company,
							"custom_practice": practice,
							"docstatus": 1,
						}
					)
				doc.name = f"{PREFIX}-D-{k}-{i}"
				doc.db_insert()
				if doc.doctype == "Patient Encounter":
					row = frappe.new_doc("Drug Prescription")
					row.update(
						{
							"parent": doc.name,
							"parenttype": "Patient Encounter",
							"parentfield": "drug_prescription",
							"drug_name": "Amoxicillin 500 mg",
							"idx": 1,
						}
					)
					row.name = f"{doc.name}-rx"
					row.db_insert()
	frappe.db.commit()


def accounts() -> list[str]:
	"""The portal users of the 50 patients (made on their first sign-in)."""
	from medic_plus.portal import identity

	return [identity.account_for("email", email(n), "Bench", f"Portal{n}") for n in range(PATIENTS)]


def in_process(user: str, runs: int) -> None:
	from medic_plus.portal import home

	frappe.set_user(user)
	try:
		seconds = timed(home.home, runs)
		with QueryCounter() as q:  # a warm call, as a worker's second request
			answer = home.home()
	finally:
		frappe.set_user("Administrator")
	visits = sum(len(c["upcoming"]) + len(c["past"]) for c in answer["practices"])
	documents = sum(len(c["documents"]) for c in answer["practices"])
	print(
		f"home, in-process: {len(answer['practices'])} practices, {visits} visits shown, "
		f"{documents} documents: median {seconds * 1000:.1f} ms (target <= 80), "
		f"{q.count} queries (target <= 25)"
	)


def sessions(url: str) -> list[requests.Session]:
	"""The 50 patients signed in through the portal's own sign-in (codes issued as
	``request_code`` would, without the e-mail)."""
	from medic_plus import durable
	from medic_plus.booking import otp_store
	from medic_plus.core import otp

	policy = otp.OTPPolicy(sends_per_identifier=10**6, sends_per_ip=10**6, sends_per_practice=10**6)
	store, secret = otp_store.RedisStore(), otp_store.secret()
	durable.delete_keys("medic_plus:rl")  # 50 sign-ins from one address: not an attack here
	out = []
	for n in range(PATIENTS):
		code = otp.issue(store, secret, "portal", email(n), "bench", policy)
		http = requests.Session()
		response = http.post(
			url + "/api/method/medic_plus.api.portal.sign_in",
			json={"identifier": email(n), "first_name": "Bench", "last_name": f"Portal{n}", "code": code},
			timeout=60,
		)
		response.raise_for_status()
		out.append(http)
	return out


def over_http(url: str, seconds: float) -> None:
	clients = sessions(url)
	floor = crowd(clients, url + "/api/method/frappe.auth.get_logged_user", seconds)
	home = crowd(clients, url + "/api/method/medic_plus.api.portal.get_home", seconds)
	for label, (count, errors, p50, p95) in (
		("Frappe's floor (get_logged_user)", floor),
		("the portal's home", home),
	):
		print(
			f"{label} over HTTP, {len(clients)} signed-in patients at once on 4 workers for "
			f"{seconds:g} s: {count} answers ({count / seconds:.1f}/s), {errors} errors, "
			f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
		)
	print(
		f"the home's p95: {home[3] * 1000:.0f} ms (target <= 250), "
		f"{home[3] / floor[3]:.2f}x Frappe's floor under the same crowd"
	)


def crowd(clients: list[requests.Session], path: str, seconds: float) -> tuple[int, int, float, float]:
	"""(answers, errors, p50, p95 seconds) of every client asking for ``path`` in a loop."""
	for client in clients[:8]:  # warm every worker up
		client.get(path, timeout=60)
	times: list[float] = []
	errors = [0]
	stop = time.monotonic() + seconds

	def patient(client):
		while time.monotonic() < stop:
			start = time.perf_counter()
			response = client.get(path, timeout=60)
			times.append(time.perf_counter() - start)
			if response.status_code != 200:
				errors[0] += 1

	threads = [threading.Thread(target=patient, args=(c,)) for c in clients]
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	times.sort()
	return len(times), errors[0], statistics.median(times), times[int(0.95 * (len(times) - 1))]


def cleanup() -> None:
	for user in frappe.get_all(
		"Portal Account", filters={"identifier": ("like", "bench-portal-%")}, pluck="user"
	):
		frappe.db.delete("Portal Account", {"user": user})
		frappe.delete_doc("User", user, force=True, ignore_permissions=True)
	for doctype, prefix in (
		("Patient Appointment", f"{PREFIX}-A-"),
		("Sick Note", f"{PREFIX}-D-"),
		("Patient Encounter", f"{PREFIX}-D-"),
		("Drug Prescription", f"{PREFIX}-D-"),
	):
		frappe.db.delete(doctype, {"name": ("like", f"{prefix}%")})
	frappe.db.commit()


def run(args) -> None:
	from medic_plus.tests.server import running_server

	seed()
	users = accounts()
	frappe.db.commit()
	in_process(users[0], args.runs)
	with running_server(workers=4) as url:
		over_http(url, args.seconds)


def main() -> None:
	on_site(
		__doc__,
		30,
		cleanup,
		run,
		lambda parser: parser.add_argument("--seconds", type=float, default=15),
	)


if __name__ == "__main__":
	main()
