"""Cost of the request gate per request, over HTTP.

Starts two gunicorn servers of this bench (one worker each): one as installed, one
with the gate's hook replaced by a no-op (``gate_off_wsgi.py``, a benchmark-only
module: the app itself has no switch to turn the gate off). Then sends interleaved
requests to ``frappe.auth.get_logged_user`` as a practice receptionist (API key), one
to each server in turn, and prints the ratio of the median latencies. Target: <= 1.05x.

Run by hand on a bench where medic_plus is installed and its test fixture exists
(``bench --site test_site run-tests --module medic_plus.tests.test_gate`` builds it):

    cd ~/frappe-bench/sites
    ../env/bin/python ../apps/medic_plus/benchmarks/request_gate.py --site test_site
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
USER = "iso-a-recep@example.com"
SECRET = "iso-api-secret-2026"  # the test fixture's API secret
METHOD = "/api/method/frappe.auth.get_logged_user"


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def start(app: str, site: str, workers: int = 1) -> tuple[subprocess.Popen, str]:
	port = free_port()
	gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
	env = {**os.environ, "MEDIC_PLUS_TEST_SITE": site, "PYTHONPATH": HERE}
	proc = subprocess.Popen(
		[gunicorn, "-b", f"127.0.0.1:{port}", "-w", str(workers), "-t", "120", app],
		cwd=os.getcwd(),
		env=env,
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)
	url = f"http://127.0.0.1:{port}"
	for _ in range(180):
		try:
			if requests.get(f"{url}/api/method/ping", timeout=2).ok:
				return proc, url
		except requests.RequestException:
			pass
		time.sleep(0.5)
	proc.kill()
	raise SystemExit(f"{app} did not start")


def interleaved(session, urls, path: str, headers: dict, requests_each: int) -> dict[str, list[float]]:
	"""``requests_each`` GETs of ``path`` to each server in turn: their latencies, by server."""
	samples: dict[str, list[float]] = {url: [] for url in urls}
	for _ in range(requests_each):
		for url in urls:
			start_at = time.perf_counter()
			response = session.get(url + path, headers=headers)
			samples[url].append(time.perf_counter() - start_at)
			response.raise_for_status()
	return samples


def api_key(site: str) -> str:
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	try:
		key = frappe.db.get_value("User", USER, "api_key")
	finally:
		frappe.destroy()
	if not key:
		raise SystemExit(f"{USER} has no API key: run the gate tests once to build the fixture")
	return key


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--requests", type=int, default=2000, help="requests to each server")
	args = parser.parse_args()

	headers = {"Authorization": f"token {api_key(args.site)}:{SECRET}"}
	on, on_url = start("medic_plus.tests.wsgi:application", args.site)
	off, off_url = start("gate_off_wsgi:application", args.site)
	try:
		session = requests.Session()
		for url in (on_url, off_url):  # warm up both workers
			for _ in range(50):
				session.get(url + METHOD, headers=headers).raise_for_status()
		samples = interleaved(session, (on_url, off_url), METHOD, headers, args.requests)
	finally:
		on.terminate()
		off.terminate()
	gate_on = statistics.median(samples[on_url])
	gate_off = statistics.median(samples[off_url])
	print(f"requests: {args.requests} with the gate on, {args.requests} with it off, interleaved")
	print(f"median with the gate:    {gate_on * 1000:.2f} ms")
	print(f"median without the gate: {gate_off * 1000:.2f} ms")
	print(f"ratio: {gate_on / gate_off:.3f}x (target <= 1.05x)")


if __name__ == "__main__":
	main()
