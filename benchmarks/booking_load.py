"""The public booking API under a crowd, over HTTP on a 4-worker gunicorn of this bench.

10 and then 50 concurrent guests each load a doctor's 31-day calendar (different doctors
and months) in a loop, while 5 others book (each a booking every 10 s, faster than any
person; ``--think 0``: as fast as the server answers). Prints requests per second and p50/p95/p99
of the calendar per concurrency, the bookings' status codes, and checks that no slot was
booked twice. Target at 50 concurrent on a 2-core machine: p95 <= 150 ms for the
calendar, every booking 200 or 409 (never 5xx, never a double booking).

Guests come from different addresses (``X-Forwarded-For`` through a trusted proxy, as
behind nginx): the run sets ``medic_plus_trusted_proxies`` to the loopback address in
the site config and puts the previous value back when it ends.

The calendar crowd is driven by ``wrk`` (Debian's package ``wrk``) when it is installed,
so that the load generator, a C program, leaves the machine's two cores to the server;
without it (or with ``--client python``) by Python threads, which take a core of their
own and so measure less than the server can do. The bookers are Python threads either way.

Run by hand on a bench where medic_plus is installed (the practice, doctors and
schedules are kept for re-runs; --cleanup removes them and the bookings):

    cd ~/frappe-bench/sites
    ../env/bin/python ../apps/medic_plus/benchmarks/booking_load.py --site test_site
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from datetime import time as dtime

import requests

SLUG = "bench-load"
CODE = "BLD01"
DOCTORS = 10
BOOKERS = 5
THINK = 10.0  # seconds between one booker's bookings
API = "/api/method/medic_plus.api.booking."


def seed() -> list[str]:
	import frappe

	from medic_plus import demo

	frappe.set_user("Administrator")
	company = demo.default_company()
	practice = demo.ensure_practice(
		"Bench Load Practice",
		SLUG,
		CODE,
		company=company,
		max_days_ahead=120,
		min_notice_minutes=0,
		max_open_bookings=50,
		subscription_plan="Enterprise",  # ten doctors
	)
	demo.ensure_appointment_type()
	doctors = []
	for i in range(DOCTORS):
		practitioner = demo.ensure_practitioner(f"Bench Load Doc {i:02d}")
		user = demo.ensure_user(f"bench-load-doc-{i:02d}@example.com", f"Load Doc {i:02d}")
		demo.ensure_member(practice, user, "Doctor", practitioner)
		unit = demo.ensure_service_unit(f"{CODE} Room {i:02d}", company)
		demo.ensure_schedule(
			practice,
			practitioner,
			f"{CODE} Weekly {i:02d}",
			unit,
			slot_minutes=15,
			hours=((dtime(8), dtime(12)), (dtime(13), dtime(18))),
		)
		doctors.append(practitioner)
	frappe.db.commit()  # nosemgrep: benchmark data, outside any request
	return doctors


def codes(identifiers: list[str]) -> dict[str, str]:
	"""One-time codes for the bookers, issued as request_booking_otp would (no e-mail)."""
	import frappe

	from medic_plus.booking import otp_store
	from medic_plus.core import otp

	practice = frappe.db.get_value("Practice", {"slug": SLUG}, "name")
	policy = otp.OTPPolicy(sends_per_identifier=10**6, sends_per_ip=10**6, sends_per_practice=10**6)
	store, secret = otp_store.RedisStore(), otp_store.secret()
	return {i: otp.issue(store, secret, practice, i, "bench", policy) for i in identifiers}


def set_trusted(site: str, value) -> object:
	path = os.path.join(site, "site_config.json")
	with open(path) as f:
		config = json.load(f)
	previous = config.get("medic_plus_trusted_proxies")
	if value is None:
		config.pop("medic_plus_trusted_proxies", None)
	else:
		config["medic_plus_trusted_proxies"] = value
	with open(path, "w") as f:
		json.dump(config, f, indent=1)
	return previous


def percentile(values: list[float], p: float) -> float:
	values = sorted(values)
	return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def calendar_paths(doctors: list[str]) -> list[str]:
	"""Different doctors and months: each guest walks through them."""
	months = [date.today().replace(day=1) + timedelta(days=31 * k) for k in range(3)]
	paths = []
	for i in range(len(doctors) * len(months)):
		start = max(months[i % len(months)], date.today())
		paths.append(
			f"{API}get_availability?practice={SLUG}&practitioner={doctors[i % len(doctors)]}"
			f"&from_date={start.isoformat()}&to_date={(start + timedelta(days=30)).isoformat()}"
		)
	return paths


WRK_SCRIPT = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  local ip = "10." .. (n %% 250) .. "." .. math.random(1, 250) .. "." .. math.random(1, 250)
  return wrk.format("GET", paths[(n %% #paths) + 1], {["Host"] = "%s", ["X-Forwarded-For"] = ip})
end
done = function(summary, latency, requests)
  io.write(string.format("MPRESULT %%d %%d %%d %%d %%f %%f %%f\\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
end
"""


def wrk_guests(url: str, doctors: list[str], guests: int, seconds: float, site: str) -> dict:
	"""The calendar crowd as ``wrk`` drives it: its own latency histogram."""
	return wrk_run(url, calendar_paths(doctors), guests, seconds, site)


def wrk_run(url: str, paths: list[str], guests: int, seconds: float, site: str) -> dict:
	"""``guests`` connections GETting ``paths`` in turn for ``seconds``, from many addresses."""
	paths = ", ".join(f'"{p}"' for p in paths)
	with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
		f.write(WRK_SCRIPT % (paths, site))
	try:
		out = subprocess.run(
			["wrk", "-t2", f"-c{guests}", f"-d{int(seconds)}s", "--latency", "-s", f.name, url],
			capture_output=True,
			text=True,
			check=True,
		).stdout
	finally:
		os.unlink(f.name)
	line = next(x for x in out.splitlines() if x.startswith("MPRESULT"))
	requests_, bad_status, socket_errors, micros, p50, p95, p99 = line.split()[1:]
	return {
		"count": int(requests_),
		"errors": int(bad_status) + int(socket_errors),
		"elapsed": int(micros) / 1e6,
		"p50": float(p50) / 1000,
		"p95": float(p95) / 1000,
		"p99": float(p99) / 1000,
	}


def crowd(
	url: str,
	doctors: list[str],
	guests: int,
	seconds: float,
	site: str,
	client: str,
	think: float,
	bookers: int = BOOKERS,
) -> dict:
	"""``guests`` loading calendars for ``seconds`` while ``bookers`` threads book."""
	stop = time.monotonic() + seconds
	latencies: list[float] = []
	errors: list[int] = []
	bookings: list[int] = []
	failures: list[str] = []
	lock = threading.Lock()
	months = [date.today().replace(day=1) + timedelta(days=31 * k) for k in range(3)]

	def guest(n: int):
		session = requests.Session()
		headers = {"Host": site, "X-Forwarded-For": f"10.{n // 250}.{n % 250}.{random.randint(1, 250)}"}
		i = 0
		while time.monotonic() < stop:
			doctor = doctors[(n + i) % len(doctors)]
			start = max(months[(n + i) % len(months)], date.today())
			params = {
				"practice": SLUG,
				"practitioner": doctor,
				"from_date": start.isoformat(),
				"to_date": (start + timedelta(days=30)).isoformat(),
			}
			t = time.perf_counter()
			r = session.get(url + API + "get_availability", params=params, headers=headers, timeout=60)
			elapsed = time.perf_counter() - t
			with lock:
				(latencies if r.ok else errors).append(elapsed if r.ok else r.status_code)
			i += 1

	def booker(n: int, code_of: dict):
		session = requests.Session()
		headers = {"Host": site}
		k = 0
		while time.monotonic() < stop:
			email = f"bench-load-{run}-{n}-{k}@example.org"
			if email not in code_of:
				break
			day = date.today() + timedelta(days=random.randint(1, 20))
			while day.weekday() >= 5:
				day += timedelta(days=1)
			slot = f"{random.choice([8, 9, 10, 11, 13, 14, 15, 16, 17]):02d}:{random.choice([0, 15, 30, 45]):02d}"
			r = session.post(
				url + API + "verify_and_book",
				data={
					"practice": SLUG,
					"otp": code_of[email],
					"practitioner": random.choice(doctors[:3]),  # a few doctors: real contention
					"appointment_date": day.isoformat(),
					"appointment_time": slot,
					"first_name": "Load",
					"last_name": f"Booker {n} {k}",
					"email": email,
				},
				headers={**headers, "X-Forwarded-For": f"172.16.{n}.{k % 250 + 1}"},
				timeout=120,
			)
			time.sleep(think)  # a person reads the answer before the next booking
			with lock:
				bookings.append(r.status_code)
				if r.status_code not in (200, 409):
					failures.append(f"{r.status_code} {_reason(r)}")
			k += 1

	run = random.randrange(16**6)  # new people each round: no one is booked from an earlier run
	identifiers = [f"bench-load-{run}-{n}-{k}@example.org" for n in range(bookers) for k in range(200)]
	code_of = codes(identifiers)
	started = time.monotonic()
	stop = started + seconds
	with ThreadPoolExecutor(max_workers=guests + bookers) as pool:
		for n in range(bookers):
			pool.submit(booker, n, code_of)
		if client == "wrk":
			calendar = wrk_guests(url, doctors, guests, seconds, site)
		else:
			for n in range(guests):
				pool.submit(guest, n)
	elapsed = time.monotonic() - started
	if client != "wrk":
		lat = sorted(x * 1000 for x in latencies)
		calendar = {
			"count": len(lat),
			"errors": len(errors),
			"elapsed": elapsed,
			"p50": statistics.median(lat),
			"p95": percentile(lat, 95),
			"p99": percentile(lat, 99),
		}
	return {"calendar": calendar, "bookings": bookings, "failures": failures}


def _reason(response) -> str:
	"""What an unexpected answer says: its exception type and message."""
	if not response.headers.get("content-type", "").startswith("application/json"):
		return response.text[:200]
	body = response.json()
	messages = [json.loads(m).get("message", "") for m in json.loads(body.get("_server_messages") or "[]")]
	return f"{body.get('exc_type', '')}: {' '.join(messages)[:200]}"


def double_bookings() -> int:
	import frappe

	frappe.db.rollback()  # a fresh snapshot: see what the server committed
	rows = frappe.db.sql(
		"""select count(*) from (
			select practitioner, appointment_date, appointment_time, count(*) c
			from `tabPatient Appointment`
			where custom_practice = (select name from tabPractice where slug = %s)
				and status != 'Cancelled'
			group by practitioner, appointment_date, appointment_time having c > 1) d""",
		SLUG,
	)
	return rows[0][0]


def cleanup() -> None:
	import frappe

	frappe.set_user("Administrator")
	practice = frappe.db.get_value("Practice", {"slug": SLUG}, "name")
	for name in frappe.get_all(
		"Patient Appointment",
		filters={"custom_practice": practice},
		fields=["name", "patient"],
		as_list=True,
	):
		frappe.delete_doc("Patient Appointment", name, force=True, ignore_permissions=True)
	for name in frappe.get_all("Fee Validity", filters={"custom_practice": practice}, pluck="name"):
		frappe.delete_doc("Fee Validity", name, force=True, ignore_permissions=True)
	for name in frappe.get_all("Patient", filters={"custom_practice": practice}, pluck="name"):
		frappe.delete_doc("Patient", name, force=True, ignore_permissions=True)
	frappe.db.commit()  # nosemgrep: benchmark data
	print("bookings and patients of the benchmark removed (doctors and schedules kept)")


def main() -> None:
	import frappe

	from medic_plus.tests.server import running_server

	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--seconds", type=float, default=20, help="length of each round")
	parser.add_argument("--cleanup", action="store_true")
	parser.add_argument(
		"--bookers", type=int, default=BOOKERS, help=f"guests booking meanwhile (default {BOOKERS})"
	)
	parser.add_argument(
		"--threads",
		type=int,
		default=1,
		help="threads per gunicorn worker (gthread, as frappe_docker runs Frappe; default 1: sync workers)",
	)
	parser.add_argument(
		"--think",
		type=float,
		default=THINK,
		help=f"seconds each booker waits between two bookings (default {THINK:g}: faster than any person, "
		"who fills the form and types a code from an e-mail; 0: as fast as the server answers)",
	)
	parser.add_argument(
		"--client",
		choices=("wrk", "python"),
		default="wrk" if shutil.which("wrk") else "python",
		help="what drives the calendar crowd (default: wrk when installed)",
	)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		if args.cleanup:
			cleanup()
			return
		doctors = seed()
		previous = set_trusted(args.site, ["127.0.0.1"])
		try:
			with running_server(workers=4, threads=args.threads) as url:
				print(
					f"{DOCTORS} doctors, 31-day calendars, {args.bookers} guests booking at the same time "
					f"(each every {args.think:g} s); "
					f"calendar crowd driven by {args.client}; gunicorn: 4 workers"
					+ (f" x {args.threads} threads" if args.threads > 1 else "")
				)
				# warm every worker up (imports, caches) before anything is measured
				for path in calendar_paths(doctors) * 4:
					requests.get(url + path, headers={"Host": args.site}, timeout=60)
				if args.client == "wrk":
					# what Frappe itself answers at best: its ping, with nothing of this app
					floor = wrk_run(url, ["/api/method/ping"], 50, args.seconds, args.site)
					print(
						f"Frappe's floor, /api/method/ping at 50 concurrent: "
						f"{floor['count'] / floor['elapsed']:.1f} req/s, p50 {floor['p50']:.0f} ms, "
						f"p95 {floor['p95']:.0f} ms"
					)
				for guests in (10, 50):
					result = crowd(
						url, doctors, guests, args.seconds, args.site, args.client, args.think, args.bookers
					)
					report(guests, result, args.seconds)
		finally:
			set_trusted(args.site, previous)
		print(f"slots booked twice: {double_bookings()} (target 0)")
	finally:
		frappe.destroy()


def report(guests: int, result: dict, seconds: float) -> None:
	cal, book = result["calendar"], result["bookings"]
	print(
		f"{guests:>3} concurrent: {cal['count'] / cal['elapsed']:.1f} calendar req/s, "
		f"p50 {cal['p50']:.0f} ms, p95 {cal['p95']:.0f} ms, p99 {cal['p99']:.0f} ms "
		f"(target p95 <= 150 ms: {'met' if cal['p95'] <= 150 else 'not met'}); "
		f"calendar errors {cal['errors']}; "
		f"bookings {len(book)} ({len(book) / seconds:.1f}/s): "
		+ ", ".join(f"{code}: {book.count(code)}" for code in sorted(set(book)))
	)
	if result["failures"]:
		print("  unexpected answers:", "; ".join(sorted(set(map(str, result["failures"])))))


if __name__ == "__main__":
	main()
