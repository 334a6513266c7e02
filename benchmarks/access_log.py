"""Cost of the access log per read, over HTTP, and whether a burst of reads loses entries.

Starts two gunicorn servers of this bench (one worker each): one as installed, one with
the access log's hooks replaced by no-ops (``access_log_off_wsgi.py``, a benchmark-only
module). Sends interleaved ``GET /api/resource/Patient/<name>`` as a practice
receptionist (API key), one to each server in turn, and prints the ratio of the median
latencies (target <= 1.10x). Then writes the queued entries as the minute job does and
checks that every logged read is in the log, once.

Then the burst: ``--burst`` reads (default 10,000) from 16 parallel clients against a
4-worker server, as fast as it answers, with the access log and without; prints the
reads per minute of each and checks, once the job has written the queue, that each
answered read left exactly one entry. In the logged burst the cache Redis is killed and
started again half-way (``--no-restart``: not), and still no entry may be missing.

The servers run against two Redis servers of the benchmark's own, configured as bench
configures its two: a cache (no persistence, ``allkeys-lru``) and a queue (snapshots, no
eviction), where the access log's queue lives.

Run by hand on a bench where medic_plus is installed and its test fixture exists
(``bench --site test_site run-tests --module medic_plus.tests.test_gate`` builds it):

    cd ~/frappe-bench/sites
    ../env/bin/python ../apps/medic_plus/benchmarks/access_log.py --site test_site --requests 10000
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from request_gate import SECRET, USER, api_key, interleaved, start


def patient_of(site: str) -> str:
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	try:
		practice = frappe.db.get_value("Practice", {"slug": "iso-alpha"}, "name")
		return frappe.db.get_value("Patient", {"custom_practice": practice}, "name")
	finally:
		frappe.destroy()


def written(site: str) -> tuple[int, float]:
	"""Write the queue as the job does; (the receptionist's entries in all, seconds taken)."""
	import frappe

	from medic_plus.privacy import access_log

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	try:
		started = time.perf_counter()
		access_log.flush()
		took = time.perf_counter() - started
		return frappe.db.count("Patient Access Log", {"user": USER}), took
	finally:
		frappe.destroy()


def parallel_reads(
	url: str, path: str, headers: dict, reads: int, clients: int = 16
) -> tuple[int, int, float]:
	"""``reads`` GETs of ``path`` from ``clients`` threads, each on its own keep-alive
	connection (``http.client``: a light client leaves the cores to the server):
	(answered 200, other, seconds)."""
	host, port = url.removeprefix("http://").split(":")
	counts = {"ok": 0, "other": 0}
	lock = threading.Lock()
	share = [reads // clients + (1 if n < reads % clients else 0) for n in range(clients)]

	def client(n: int) -> None:
		connection = http.client.HTTPConnection(host, int(port), timeout=60)
		ok = other = 0
		for _ in range(share[n]):
			try:
				connection.request("GET", path, headers=headers)
				response = connection.getresponse()
				response.read()
				ok, other = (ok + 1, other) if response.status == 200 else (ok, other + 1)
			except (OSError, http.client.HTTPException):
				other += 1
				connection.close()
				connection = http.client.HTTPConnection(host, int(port), timeout=60)
		with lock:
			counts["ok"] += ok
			counts["other"] += other

	started = time.perf_counter()
	with ThreadPoolExecutor(max_workers=clients) as pool:
		list(pool.map(client, range(clients)))
	return counts["ok"], counts["other"], time.perf_counter() - started


def restart_half_way(cache, reads: int) -> None:
	"""Kill the cache Redis and start it again about half-way through the burst."""
	time.sleep(max(1.0, reads / 150 / 2 * 0.9))  # about half of a burst at ~150 reads/s
	cache.restart()
	print(f"  the cache Redis was killed and started again at {time.strftime('%H:%M:%S')}")


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--requests", type=int, default=2000, help="requests to each server")
	parser.add_argument("--burst", type=int, default=10000, help="parallel reads of the burst (0: none)")
	parser.add_argument("--no-restart", action="store_true", help="no cache restart in the burst")
	args = parser.parse_args()

	from medic_plus.tests.faults import RedisServer

	cache = RedisServer(
		("--save", "", "--appendonly", "no", "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru")
	).start()
	queue = RedisServer(("--appendonly", "yes", "--appendfsync", "everysec")).start()
	# the servers started below and this process's own Frappe use them
	os.environ.update({"FRAPPE_REDIS_CACHE": cache.url, "FRAPPE_REDIS_QUEUE": queue.url})
	try:
		run(args, cache)
	finally:
		cache.remove()
		queue.remove()


def run(args, cache) -> None:
	headers = {"Authorization": f"token {api_key(args.site)}:{SECRET}"}
	path = f"/api/resource/Patient/{patient_of(args.site)}"
	on, on_url = start("medic_plus.tests.wsgi:application", args.site)
	off, off_url = start("access_log_off_wsgi:application", args.site)
	try:
		session = requests.Session()
		for url in (on_url, off_url):  # warm up both workers
			for _ in range(50):
				session.get(url + path, headers=headers).raise_for_status()
		before, _took = written(args.site)  # with the warm-up's entries
		burst = time.perf_counter()
		samples = interleaved(session, (on_url, off_url), path, headers, args.requests)
		burst = time.perf_counter() - burst
	finally:
		on.terminate()
		off.terminate()
	logged = statistics.median(samples[on_url])
	unlogged = statistics.median(samples[off_url])
	after, took = written(args.site)
	count = after - before
	print(f"reads: {args.requests} logged, {args.requests} not, interleaved, in {burst:.0f} s")
	print(f"median with the access log:    {logged * 1000:.2f} ms")
	print(f"median without the access log: {unlogged * 1000:.2f} ms")
	print(f"ratio: {logged / unlogged:.3f}x (target <= 1.10x)")
	print(
		f"entries written: {count} of {args.requests} logged reads "
		f"({'none lost' if count == args.requests else 'MISSING ' + str(args.requests - count)}), "
		f"by the job in {took:.1f} s"
	)
	if args.burst:
		rates = {}
		for label, app in (
			("on", "medic_plus.tests.wsgi:application"),
			("off", "access_log_off_wsgi:application"),
		):
			server, url = start(app, args.site, workers=4)
			try:
				requests.get(url + path, headers=headers).raise_for_status()  # wait for the workers
				before, _took = written(args.site)
				restart = None
				if label == "on" and not args.no_restart:
					restart = threading.Thread(target=restart_half_way, args=(cache, args.burst))
					restart.start()
				ok, other, seconds = parallel_reads(url, path, headers, args.burst)
				if restart:
					restart.join()
			finally:
				server.terminate()
			after, took = written(args.site)
			rates[label] = args.burst / seconds * 60
			print(
				f"burst, access log {label}: {args.burst} parallel reads (16 clients, 4 workers) in "
				f"{seconds:.1f} s = {rates[label]:,.0f} reads/minute; answered 200: {ok}, other: {other}"
			)
			if label == "on":
				print(
					f"  entries written: {after - before} of {ok} answered reads "
					f"({'none lost' if after - before == ok else 'MISMATCH ' + str(after - before - ok)}), "
					f"by the job in {took:.1f} s"
				)
		print(f"burst throughput with / without the access log: {rates['on'] / rates['off']:.3f}x")


if __name__ == "__main__":
	main()
