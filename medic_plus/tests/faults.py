"""Fault tests: nothing lost when a part restarts.

On a real bench, against a real multi-worker web server of it, with two Redis servers of
their own configured as bench configures its two (the cache: ``save ""``, ``appendonly
no``, ``maxmemory`` with ``allkeys-lru``; the queue: snapshots, no eviction):

1. the cache Redis restarted, and flushed, between reads and the access log's job;
2. the cache Redis at its ``maxmemory`` while a client fills it with calendar ranges;
3. a web worker killed (SIGKILL) in the middle of a booking;
4. the MariaDB server restarted while 20 guests book;
5. both Redis servers down for a few seconds;
6. the scheduler jobs that write, run while another run of them holds on, and twice at once.

Run: ``bench --site <site> run-tests --module medic_plus.tests.faults`` (``.ci/run`` runs it
where a bench exists, unless ``MEDIC_PLUS_FAULTS=0``). It restarts the machine's MariaDB
server once (``mysqladmin shutdown``, then ``mariadbd`` again), and prints a table of what
it saw.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import frappe
import redis
import requests
from frappe.utils import add_days

from medic_plus import durable
from medic_plus.locks import job_lock
from medic_plus.privacy import access_log
from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.fixtures import api_token, get_booking_fixture, get_fixture
from medic_plus.tests.server import _free_port, running_server, worker_pids
from medic_plus.tests.test_booking import code_for, form, practice_today
from medic_plus.tests.test_operations import make_appointment
from medic_plus.tests.utils import bench_command, delete_booked

API = "/api/method/medic_plus.api.booking."
RESULTS: list[tuple[str, str, str]] = []  # (fault, what it checks, what was seen)
CACHE_ARGS = ("--save", "", "--appendonly", "no", "--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru")
QUEUE_ARGS = ("--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction")


def tearDownModule():
	if RESULTS:
		width = max(len(r[0]) for r in RESULTS)
		print("\n\nFault tests\n")
		print(f"| {'fault':<{width}} | what it checks | result |")
		print(f"|{'-' * (width + 2)}|---|---|")
		for fault, checks, seen in RESULTS:
			print(f"| {fault:<{width}} | {checks} | {seen} |")


class RedisServer:
	"""A redis-server of the test's own on a free port, in a folder of its own."""

	def __init__(self, args: tuple[str, ...]):
		self.args, self.port, self.dir, self.proc = args, _free_port(), tempfile.mkdtemp(), None

	@property
	def url(self) -> str:
		return f"redis://127.0.0.1:{self.port}"

	def client(self) -> redis.Redis:
		return redis.Redis(port=self.port, socket_timeout=5)

	def start(self) -> RedisServer:
		self.proc = subprocess.Popen(
			["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, *self.args],
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		for _ in range(100):
			try:
				if self.client().ping():
					return self
			except redis.exceptions.RedisError:
				time.sleep(0.1)
		raise RuntimeError("redis-server did not start")

	def stop(self, kill: bool = False) -> None:
		if self.proc and self.proc.poll() is None:
			self.proc.kill() if kill else self.proc.terminate()
			self.proc.wait(timeout=30)

	def restart(self) -> None:
		self.stop(kill=True)
		self.start()

	def remove(self) -> None:
		self.stop(kill=True)
		shutil.rmtree(self.dir, ignore_errors=True)


def restart_mariadb() -> float:
	"""Shut the MariaDB server down and start it again; returns the seconds it was away."""
	t0 = time.monotonic()
	subprocess.run(["mysqladmin", "-uroot", "shutdown"], check=True, timeout=120)
	for _ in range(300):
		if subprocess.run(["mysqladmin", "-uroot", "ping"], capture_output=True).returncode:
			break
		time.sleep(0.1)
	os.makedirs("/run/mysqld", exist_ok=True)
	shutil.chown("/run/mysqld", "mysql", "mysql")
	subprocess.run(
		["start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd"],
		check=True,
	)
	for _ in range(600):
		if not subprocess.run(["mysqladmin", "-uroot", "ping"], capture_output=True).returncode:
			return time.monotonic() - t0
		time.sleep(0.1)
	raise RuntimeError("MariaDB did not come back")


def reconnect() -> None:
	"""This process's connection after the server went away."""
	try:
		frappe.db.close()
	except Exception:
		pass
	frappe.db.connect()


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed")
class TestFaults(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.fx = get_fixture()
		cls.bf = get_booking_fixture()
		cls.site = frappe.local.site
		cls.cache = RedisServer(CACHE_ARGS).start()
		cls.queue = RedisServer(QUEUE_ARGS).start()
		# this process's durable Redis is the test's queue Redis too
		cls.conf = {k: frappe.local.conf.get(k) for k in ("redis_queue", "redis_cache")}
		frappe.local.conf.redis_queue = cls.queue.url
		cls.server = running_server(
			workers=2, env={"FRAPPE_REDIS_CACHE": cls.cache.url, "FRAPPE_REDIS_QUEUE": cls.queue.url}
		)
		cls.url = cls.server.__enter__()
		cls.day = add_days(practice_today(), 41)

	@classmethod
	def tearDownClass(cls):
		try:
			cls.server.__exit__(None, None, None)
		finally:
			frappe.local.conf.update(cls.conf)
			cls.cache.remove()
			cls.queue.remove()
			super().tearDownClass()

	def setUp(self):
		for server in (self.cache, self.queue):
			if server.proc.poll() is not None:
				server.start()
		durable.delete_keys("medic_plus:otp")
		durable.delete_keys("medic_plus:rl")
		self.booked = []
		self.made_patients = []
		self.cleanup = []

	def tearDown(self):
		frappe.db.rollback()
		for undo in self.cleanup:
			undo()
		for appointment, patient in self.booked:
			delete_booked(appointment, patient)
		for patient in self.made_patients:
			for name in frappe.get_all("Patient Appointment", {"patient": patient}, pluck="name"):
				delete_booked(name, patient)
			for name in frappe.get_all("Patient Consent", {"patient": patient}, pluck="name"):
				frappe.delete_doc("Patient Consent", name, force=True, ignore_permissions=True)
			frappe.delete_doc("Patient", patient, force=True, ignore_permissions=True, ignore_missing=True)
		frappe.db.delete("Patient Access Log", {"name": ("like", "mp-fault-%")})
		frappe.db.commit()  # nosemgrep: remove what the server and the jobs committed

	# --- helpers ------------------------------------------------------------------

	def get(self, path: str, user: str, **params):
		headers = {"Host": self.site, "Authorization": api_token(user)}
		return requests.get(f"{self.url}{path}", params=params, headers=headers, timeout=60)

	def post(self, method: str, payload: dict, timeout: float = 120):
		headers = {"Host": self.site, "Accept": "application/json"}
		return requests.post(f"{self.url}{API}{method}", json=payload, headers=headers, timeout=timeout)

	def read_patient(self, n: int = 1) -> list[int]:
		fx = self.fx
		return [self.get(f"/api/resource/Patient/{fx.a.patient}", fx.a.doctor).status_code for _ in range(n)]

	def logged(self, since) -> int:
		frappe.db.rollback()
		return frappe.db.count(
			"Patient Access Log",
			{"user": self.fx.a.doctor, "reference_name": self.fx.a.patient, "creation": (">=", since)},
		)

	def booking(self, email: str, at: str, code: str | None = None, day=None) -> dict:
		return {
			"practice": self.bf.slug,
			"otp": code or code_for(self.bf.practice, email),
			"practitioner": self.bf.doctor,
			"appointment_date": str(day or self.day),
			"appointment_time": at,
			"first_name": "Fault",
			"last_name": "Tolerant",
			"email": email,
		}

	def appointments_at(self, at: str, day=None) -> list:
		frappe.db.rollback()
		return frappe.get_all(
			"Patient Appointment",
			filters={
				"practitioner": self.bf.doctor,
				"appointment_date": day or self.day,
				"appointment_time": f"{at}:00",
				"status": ("!=", "Cancelled"),
			},
			fields=["name", "patient"],
		)

	def keep(self, rows) -> None:
		self.booked += [(r.name, r.patient) for r in rows]

	def patients_with(self, email: str) -> list[str]:
		frappe.db.rollback()
		return frappe.get_all("Patient", filters={"email": email}, pluck="name")

	def assertClean503(self, response) -> None:
		self.assertEqual(response.status_code, 503, response.text[:500])
		self.assertTrue(response.headers.get("Retry-After"), response.headers)
		self.assertNotIn("Traceback", response.text)
		self.assertNotIn("pymysql", response.text)

	# --- 1. the cache Redis restarted or flushed -----------------------------------

	def test_1_a_cache_restart_or_flush_loses_no_access_log_entry(self):
		for how in ("restarted", "flushed"):
			since = frappe.utils.now_datetime()
			time.sleep(1)  # creation is stored to the second
			self.assertEqual(self.read_patient(20), [200] * 20)
			if how == "restarted":
				self.cache.restart()
			else:
				self.cache.client().flushall()
			access_log.flush()
			self.assertEqual(self.logged(since), 20, how)
			RESULTS.append(
				(
					f"cache Redis {how} between reads and the job",
					"20 reads over HTTP, then the job",
					f"{self.logged(since)} of 20 entries written",
				)
			)

	# --- 2. the cache Redis full ---------------------------------------------------

	def test_2_a_full_cache_evicts_no_code_try_budget_token_or_entry(self):
		email = f"full-{frappe.generate_hash(length=8)}@example.org"
		token = form()
		codes = []
		for n in range(3):  # the address's send budget: 3 an hour
			sent = self.post(
				"request_booking_otp",
				{"practice": self.bf.slug, "email": email, "form_token": token if n == 0 else form()},
			)
			self.assertEqual(sent.status_code, 200, sent.text[:300])
			codes.append(self.code_in_the_mail(email))
		code = codes[-1]
		wrong = f"{(int(code) + 1) % 10**6:06d}"
		for _ in range(4):
			self.assertEqual(
				self.post("verify_and_book", self.booking(email, "09:00", wrong)).status_code, 403
			)
		since = frappe.utils.now_datetime()
		time.sleep(1)
		self.assertEqual(self.read_patient(10), [200] * 10)

		# a client fills the cache: calendar ranges (each a new entry), then plain values
		evicted = self.fill_the_cache()
		self.assertGreater(evicted, 0, "the cache never evicted")
		self.assertEqual(self.read_patient(10), [200] * 10)

		fifth = self.post("verify_and_book", self.booking(email, "09:00", wrong))
		right = self.post("verify_and_book", self.booking(email, "09:00", code))
		self.assertEqual(fifth.status_code, 403)
		self.assertEqual(right.status_code, 403, "the code outlived its five tries")
		fourth_send = self.post(
			"request_booking_otp", {"practice": self.bf.slug, "email": email, "form_token": form()}
		)
		self.assertEqual(fourth_send.status_code, 429, fourth_send.text[:300])
		replayed = self.post(
			"request_booking_otp", {"practice": self.bf.slug, "email": email, "form_token": token}
		)
		self.assertEqual(replayed.status_code, 400, "a used form token was taken again")
		access_log.flush()
		self.assertEqual(self.logged(since), 20)
		self.assertEqual(self.appointments_at("09:00"), [])
		RESULTS.append(
			(
				"cache Redis at maxmemory (allkeys-lru) while filled",
				"4 wrong tries, 3 sends, a used form token and 20 reads; "
				"then a 5th wrong and the right code, a 4th send, the token again",
				f"{evicted} keys evicted; right code refused after 5 wrong (403), 4th send 429, "
				f"token 400, {self.logged(since)} of 20 entries",
			)
		)

	def code_in_the_mail(self, address: str) -> str:
		import email as mail

		frappe.db.rollback()
		queued = frappe.get_all(
			"Email Queue Recipient", {"recipient": address}, pluck="parent", order_by="creation desc"
		)
		message = mail.message_from_string(frappe.db.get_value("Email Queue", queued[0], "message"))
		for part in message.walk():
			if part.get_content_type() == "text/plain":
				text = part.get_payload(decode=True).decode()
				return re.search(r"^\s*(\d{6})\s*$", text, re.MULTILINE).group(1)
		raise AssertionError("no code in the e-mail")

	def fill_the_cache(self) -> int:
		client = self.cache.client()
		start = practice_today()
		for n in range(120):
			first = add_days(start, n % 60)
			self.get_calendar(first, add_days(first, 7 + n // 60))
		stats = client.info("stats")
		n = 0
		while stats["evicted_keys"] == 0 and n < 2000:  # then plain values, until it evicts
			client.set(f"filler:{n}", b"x" * 40_000)
			n += 1
			if n % 50 == 0:
				stats = client.info("stats")
		return client.info("stats")["evicted_keys"]

	def get_calendar(self, first, last):
		durable.delete_keys("medic_plus:rl")  # the calendar's own budget per address is not the point
		requests.get(
			f"{self.url}{API}get_availability",
			params={
				"practice": self.bf.slug,
				"practitioner": self.bf.doctor,
				"from_date": str(first),
				"to_date": str(last),
			},
			headers={"Host": self.site},
			timeout=60,
		)

	# --- 3. a worker killed in the middle of a booking -----------------------------

	def test_3_a_worker_killed_in_the_middle_of_a_booking_leaves_nothing_half_written(self):
		email = f"killed-{frappe.generate_hash(length=8)}@example.org"
		code = code_for(self.bf.practice, email)
		payload = self.booking(email, "10:00", code)
		# hold the appointment's naming series: the worker makes the patient, then waits
		series = frappe.get_meta("Patient Appointment").get_field("naming_series")
		prefix = (series.options or "HLC-APP-.YYYY.-").split("\n")[0].split(".")[0]
		self.assertTrue(frappe.db.sql("select name from tabSeries where name like %s", f"{prefix}%"))
		frappe.db.sql("select name from tabSeries where name like %s for update", f"{prefix}%")
		answer = {}

		def book():
			try:
				answer["response"] = self.post("verify_and_book", payload, timeout=60)
			except requests.RequestException as e:
				answer["error"] = type(e).__name__

		thread = threading.Thread(target=book)
		thread.start()
		try:
			self.assertTrue(self.wait_for_lock_wait("tabSeries"), "the booking never reached the appointment")
			for pid in worker_pids(self.url):
				os.kill(pid, 9)
			thread.join(timeout=60)
		finally:
			frappe.db.rollback()  # the naming series is free again
		# the dead worker's statement ends, and the server rolls its transaction back
		self.wait_until_no_lock_wait("tabSeries")
		self.assertIn("error", answer, "the killed worker still answered")

		self.assertEqual(self.patients_with(email), [], "a patient was left without an appointment")
		self.assertEqual(self.appointments_at("10:00"), [])
		self.assertEqual(frappe.db.count("Email Queue Recipient", {"recipient": email}), 0)

		# the code: held for the dead worker's booking until the hold lapses, then usable
		time.sleep(2)  # gunicorn starts a new worker
		busy = self.post("verify_and_book", payload)
		self.assertEqual(busy.status_code, 403, busy.text[:300])
		key = durable.key(self.code_key(email))
		self.assertGreater(int(durable.conn().hget(key, "held")), time.time())
		durable.conn().hset(key, "held", int(time.time()) - 1)  # the hold's deadline passes
		booked = self.post("verify_and_book", payload)
		self.assertEqual(booked.status_code, 200, booked.text[:300])
		rows = self.appointments_at("10:00")
		self.keep(rows)
		self.assertEqual(len(rows), 1)
		self.assertEqual(len(self.patients_with(email)), 1)
		consents = frappe.db.count("Patient Consent", {"patient": rows[0].patient})
		self.assertEqual(consents, 2)
		again = self.post("verify_and_book", payload)
		self.assertEqual(again.status_code, 403, "the code was spent by the booking")
		RESULTS.append(
			(
				"web worker killed (SIGKILL) in the middle of a booking",
				"patient written, appointment waiting: worker killed",
				f"client: {answer['error']}; no patient, appointment, consent or mail; code busy (403) "
				f"until its hold lapsed, then booked once (200), then spent (403)",
			)
		)

	def code_key(self, email: str) -> str:
		from medic_plus.core import otp

		return otp.code_key(self.bf.practice, otp.normalise_email(email))

	def waiting(self, table: str) -> int:
		"""Statements of other connections of the site's user now running on ``table``
		(waiting for a row this test holds)."""
		rows = frappe.db.sql("show full processlist", as_dict=True)
		me = frappe.db.sql("select connection_id()")[0][0]
		return sum(
			1
			for r in rows
			if r.Id != me and r.Command == "Query" and table in (r.Info or "") and (r.Time or 0) >= 0
		)

	def wait_for_lock_wait(self, table: str) -> bool:
		for _ in range(300):
			if self.waiting(table):
				return True
			time.sleep(0.1)
		return False

	def wait_until_no_lock_wait(self, table: str) -> None:
		for _ in range(300):
			if not self.waiting(table):
				return
			time.sleep(0.1)

	# --- 4. the database restarted while 20 guests book ----------------------------

	def test_4_a_database_restart_while_twenty_guests_book_answers_200_409_or_a_clean_503(self):
		run = frappe.generate_hash(length=6)
		times = [f"{h:02d}:{m:02d}" for h in range(11, 16) for m in (0, 30)]  # 10 slots, 2 guests each
		guests = [self.booking(f"db-{run}-{i}@example.org", times[i % 10]) for i in range(20)]
		frappe.db.commit()  # nosemgrep: nothing pending: the restart ends this connection
		first: dict[int, requests.Response] = {}
		final: dict[int, int] = {}

		def guest(i: int) -> None:
			deadline = time.monotonic() + 120
			while True:
				response = self.post("verify_and_book", guests[i])
				first.setdefault(i, response)
				if response.status_code != 503 or time.monotonic() > deadline:
					final[i] = response.status_code
					return
				self.assertClean503(response)
				time.sleep(float(response.headers.get("Retry-After", 1)) / 10)

		with ThreadPoolExecutor(max_workers=20) as pool:
			futures = [pool.submit(guest, i) for i in range(20)]
			for _ in range(300):  # restart once the first guests are answered, mid-crowd
				if len(first) >= 3:
					break
				time.sleep(0.05)
			away = restart_mariadb()
			for f in futures:
				f.result()
		reconnect()
		statuses = sorted(r.status_code for r in first.values())
		for response in first.values():
			self.assertIn(response.status_code, (200, 409, 503), response.text[:500])
			if response.status_code == 503:
				self.assertClean503(response)
		self.assertEqual(sorted(final.values()), [200] * 10 + [409] * 10)
		booked = []
		for at in times:
			rows = self.appointments_at(at)
			self.keep(rows)
			self.assertEqual(len(rows), 1, f"{at} booked {len(rows)} times")
			booked += rows
		for g in guests:  # no patient without an appointment
			for patient in self.patients_with(g["email"]):
				self.assertTrue(frappe.db.exists("Patient Appointment", {"patient": patient}), patient)
		self.assertEqual(
			frappe.db.count("Patient Consent", {"patient": ("in", [r.patient for r in booked])}), 20
		)
		counts = {s: statuses.count(s) for s in sorted(set(statuses))}
		RESULTS.append(
			(
				"MariaDB restarted while 20 guests book",
				"every answer 200, 409 or 503 with Retry-After; 10 slots, 2 guests each; 503s retried",
				f"away {away:.1f} s; first answers {counts}; finally ten 200s and ten 409s; "
				"each slot booked once; no orphan patient or consent",
			)
		)

	# --- 5. Redis down entirely ------------------------------------------------------

	def test_5_with_redis_down_reads_are_logged_from_the_database_and_bookings_answer_503(self):
		email = f"down-{frappe.generate_hash(length=8)}@example.org"
		code = code_for(self.bf.practice, email)
		since = frappe.utils.now_datetime()
		time.sleep(1)
		self.cache.stop()
		self.queue.stop()
		try:
			reads = self.read_patient(3)
			logged_while_down = self.logged(since)
			booking = self.post("verify_and_book", self.booking(email, "17:00", code))
			sending = self.post(
				"request_booking_otp", {"practice": self.bf.slug, "email": email, "form_token": form()}
			)
		finally:
			self.queue.start()
			self.cache.start()
		self.assertEqual(reads, [200] * 3)
		self.assertEqual(logged_while_down, 3, "reads served without their entries")
		self.assertClean503(booking)
		self.assertClean503(sending)
		self.assertEqual(self.patients_with(email), [])

		# back, with no restart of the app
		self.assertEqual(self.read_patient(2), [200] * 2)
		access_log.flush()
		self.assertEqual(self.logged(since), 5)
		booked = self.post("verify_and_book", self.booking(email, "17:00", code_for(self.bf.practice, email)))
		self.assertEqual(booked.status_code, 200, booked.text[:300])
		self.keep(self.appointments_at("17:00"))
		RESULTS.append(
			(
				"both Redis servers down for a few seconds",
				"3 reads by a practice user, a booking, a code sent; then Redis back",
				f"reads 200 with {logged_while_down} of 3 entries written to the database at once; "
				f"booking {booking.status_code}, code {sending.status_code} (Retry-After "
				f"{booking.headers.get('Retry-After')}); after: reads logged, booking 200",
			)
		)

	# --- 6. the scheduler jobs that write ------------------------------------------

	def test_6_a_job_run_while_another_works_or_twice_at_once_does_its_work_once(self):
		"""Each job: a run that starts while another holds on does nothing; two runs
		started at once do the work once; a run after them finds nothing left."""
		for job, (method, prepare, state, now, expected) in self.jobs().items():
			prepare()
			frappe.db.commit()  # nosemgrep: the job runs in other processes
			before = state()
			with job_lock(lock_name(method)):
				self.assertEqual(self.run_jobs(method, 1, now), [0])
				self.assertEqual(state(), before, f"{job}: ran beside a run in progress")
			self.assertEqual(self.run_jobs(method, 2, now), [0, 0])
			once = state()
			self.assertNotEqual(once, before, f"{job}: did nothing")
			if expected is not None:
				self.assertEqual(once, expected, job)
			self.assertEqual(self.run_jobs(method, 1, now), [0])
			self.assertEqual(state(), once, f"{job}: a second run changed more")
			RESULTS.append(
				(
					f"job {job}: beside a run, twice at once, again",
					"a run while another holds on; two runs at once; one more",
					f"nothing beside a run; the work done once ({once}); nothing more after",
				)
			)

	def test_7_reminders_killed_half_way_are_all_sent_once_by_the_next_run(self):
		prepare, state = self.due_reminders()
		prepare()
		frappe.db.commit()  # nosemgrep: the job runs in another process
		first, second = self.reminder_appointments
		frappe.db.sql("select name from `tabPatient Appointment` where name = %s for update", second)
		job = self.start_job("medic_plus.tasks.send_reminders", REMIND_AT)
		try:
			self.assertTrue(
				self.wait_for_lock_wait("tabPatient Appointment"),
				"the job never reached the second appointment",
			)
			job.kill()
			job.wait(timeout=30)
		finally:
			frappe.db.rollback()
		self.wait_until_no_lock_wait("tabPatient Appointment")
		half = state()
		self.assertEqual(self.run_jobs("medic_plus.tasks.send_reminders", 1, REMIND_AT), [0])
		done = state()
		self.assertEqual(done, {"reminded": 2, "mails": 2}, done)
		RESULTS.append(
			(
				"job reminders killed (SIGKILL) half-way",
				"2 reminders due, the job killed while at the second, then the next run",
				f"after the kill {half}; after the next run {done}",
			)
		)

	# the jobs and what each leaves behind
	def jobs(self) -> dict:
		prepare_reminders, reminded = self.due_reminders()
		return {
			"access log flush": (
				"medic_plus.privacy.access_log.flush",
				self.queue_entries,
				lambda: frappe.db.count("Patient Access Log", {"name": ("like", "mp-fault-%")}),
				None,
				50,
			),
			"reminders": (
				"medic_plus.tasks.send_reminders",
				prepare_reminders,
				reminded,
				REMIND_AT,
				{"reminded": 2, "mails": 2},
			),
			"no-shows": (
				"medic_plus.tasks.mark_no_shows",
				self.due_no_show,
				lambda: self.status_of(self.no_show),
				NO_SHOW_AT,
				"No Show",
			),
			"usage metering": (
				"medic_plus.onboarding.usage.meter",
				self.unmetered,
				self.usage_rows,
				None,
				None,
			),
			"suspension for payment": (
				"medic_plus.onboarding.billing.enforce_payment",
				self.overdue_practice,
				lambda: self.status_of_practice(self.overdue),
				None,
				("Suspended", 1),
			),
			"retention marks": (
				"medic_plus.privacy.retention.flag_for_review",
				self.past_retention,
				lambda: self.retention_flag(self.old_patient),
				None,
				1,
			),
		}

	def overdue_practice(self) -> None:
		"""A practice whose plan invoice is overdue (a bare invoice row: all the job reads)."""
		from medic_plus import demo

		self.overdue = demo.ensure_practice("ISO Fault Practice", "iso-fault", "ISOFT")
		customer = "ISO Fault Practice Billing"
		if not frappe.db.exists("Customer", customer):
			frappe.get_doc(
				{"doctype": "Customer", "customer_name": customer, "customer_type": "Company"}
			).insert(ignore_permissions=True)
		frappe.db.set_value(
			"Practice",
			self.overdue,
			{"status": "Active", "suspended_for_payment": 0, "billing_customer": customer},
		)
		invoice = frappe.new_doc("Sales Invoice")
		invoice.update(
			{
				"name": f"MP-FAULT-SINV-{frappe.generate_hash(length=6)}",
				"customer": customer,
				"company": demo.default_company(),
				"posting_date": "2020-01-01",
				"due_date": "2020-01-15",
				"docstatus": 1,
				"grand_total": 100,
				"outstanding_amount": 100,
			}
		)
		invoice.db_insert()
		self.cleanup.append(lambda: frappe.db.delete("Sales Invoice", invoice.name))
		self.cleanup.append(
			lambda: frappe.db.set_value(
				"Practice",
				self.overdue,
				{"status": "Active", "suspended_for_payment": 0, "billing_customer": None},
			)
		)

	def status_of_practice(self, name: str) -> tuple:
		frappe.db.rollback()
		return tuple(frappe.db.get_value("Practice", name, ["status", "suspended_for_payment"]))

	def past_retention(self) -> None:
		"""A patient whose only clinical entry is seven years old (kept for six)."""
		from frappe.utils import add_years, now_datetime

		self.old_patient = self.ops_patient()
		frappe.db.set_value("Patient", self.old_patient, "dob", "1970-01-01")
		allergy = frappe.get_doc(
			{
				"doctype": "Patient Allergy",
				"patient": self.old_patient,
				"substance": "Latex",
				"criticality": "low",
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value(
			"Patient Allergy", allergy.name, "creation", add_years(now_datetime(), -7), update_modified=False
		)
		self.cleanup.insert(0, lambda: frappe.db.delete("Patient Allergy", allergy.name))

	def retention_flag(self, patient: str) -> int:
		frappe.db.rollback()
		return frappe.db.get_value("Patient", patient, "custom_retention_review")

	def run_jobs(self, method: str, n: int, now: str | None) -> list[int]:
		"""``n`` runs of ``method`` started at once, each in a process of its own."""
		jobs = [self.start_job(method, now) for _ in range(n)]
		codes = [job.wait(timeout=300) for job in jobs]
		for job in jobs:
			job.stdout.close()
		frappe.db.rollback()
		return codes

	def start_job(self, method: str, now: str | None) -> subprocess.Popen:
		return subprocess.Popen(
			bench_command(
				"execute",
				"medic_plus.tests.faults.run_job",
				"--kwargs",
				repr({"method": method, "now": now}),  # bench execute reads Python
				site=self.site,
			),
			cwd=os.path.abspath(frappe.local.sites_path),
			env={**os.environ, "FRAPPE_REDIS_CACHE": self.cache.url, "FRAPPE_REDIS_QUEUE": self.queue.url},
			stdout=subprocess.PIPE,
			stderr=subprocess.STDOUT,
		)

	def queue_entries(self) -> None:
		frappe.db.delete("Patient Access Log", {"name": ("like", "mp-fault-%")})
		entries = [
			{
				"id": f"mp-fault-{n}",
				"at": "2026-12-01T10:00:00",
				"user": self.fx.a.doctor,
				"doctype": "Patient",
				"name": self.fx.a.patient,
				"action": "read",
				"ip": "127.0.0.1",
				"agent": "faults",
			}
			for n in range(50)
		]
		durable.conn().rpush(durable.key(access_log.QUEUE), *(json.dumps(e) for e in entries))

	def due_reminders(self):
		"""Two appointments of one patient due for a reminder at REMIND_AT."""

		def prepare():
			self.patient = self.ops_patient()
			self.reminder_appointments = [
				make_appointment(self.bf.practice, self.patient, self.bf.doctor, day=FAR_DAY, time=t)
				for t in ("10:00:00", "11:00:00")
			]

		def state():
			frappe.db.rollback()
			names = self.reminder_appointments
			return {
				"reminded": frappe.db.count(
					"Patient Appointment", {"name": ("in", names), "custom_reminder_sent": 1}
				),
				# by the patient's own address: appointment names come back after a delete
				"mails": frappe.db.count(
					"Email Queue Recipient",
					{"recipient": frappe.db.get_value("Patient", self.patient, "email")},
				),
			}

		return prepare, state

	def due_no_show(self) -> None:
		patient = self.ops_patient()
		self.no_show = make_appointment(
			self.bf.practice, patient, self.bf.doctor, day=FAR_DAY, time="08:00:00"
		)

	def status_of(self, name: str) -> str:
		frappe.db.rollback()
		return frappe.db.get_value("Patient Appointment", name, "status")

	def unmetered(self) -> None:
		frappe.db.delete(
			"Practice Usage",
			{"month": (">=", frappe.utils.get_first_day(add_days(frappe.utils.today(), -40)))},
		)

	def usage_rows(self) -> dict:
		frappe.db.rollback()
		rows = frappe.get_all("Practice Usage", fields=["practice", "month"], as_list=True)
		pairs = [(p, str(m)) for p, m in rows]
		self.assertEqual(len(pairs), len(set(pairs)), "a practice metered twice for one month")
		return {"rows": len(pairs)}

	def ops_patient(self) -> str:
		from medic_plus.medic_plus.doctype.patient_consent import patient_consent as consent

		tag = frappe.generate_hash(length=6)
		patient = frappe.get_doc(
			{
				"doctype": "Patient",
				"first_name": f"Fault {tag}",
				"sex": "Female",
				"email": f"fault-{tag}@example.org",
				"invite_user": 0,
				"custom_practice": self.bf.practice,
			}
		).insert(ignore_permissions=True)
		consent.record(patient.name, ("Treatment", "E-mail"), "Paper")
		self.made_patients.append(patient.name)
		return patient.name


FAR_DAY = "2031-03-03"  # a Monday, far from the other tests' dates
REMIND_AT = "2031-03-02T12:00:00"  # 13:00 in Berlin the day before: 21 hours before 10:00
NO_SHOW_AT = "2031-03-03T12:00:00"


def lock_name(method: str) -> str:
	module, name = method.rsplit(".", 1)
	return f"{module.rsplit('.', 1)[-1]}.{name}"


def run_job(method: str, now: str | None = None):
	"""``bench execute`` entry of the job tests: ``method`` (a scheduler job) as the
	scheduler runs it, at ``now`` (UTC) for the jobs that take a clock, then committed."""
	job = frappe.get_attr(method)
	kwargs = {"now_utc": datetime.fromisoformat(now).replace(tzinfo=timezone.utc)} if now else {}
	result = job(**kwargs)
	frappe.db.commit()  # nosemgrep: as the scheduler's worker does after a job
	return result
