"""A real multi-process web server of this bench for tests that need true parallel
requests: gunicorn with several workers, on a free loopback port, stopped afterwards.
Set MEDIC_PLUS_TEST_URL to use a server that is already running instead."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import frappe
import requests


def _free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


SERVERS: dict[str, subprocess.Popen] = {}  # url -> gunicorn's master process


def worker_pids(url: str) -> list[int]:
	"""The worker processes of the server at ``url`` (children of its master)."""
	out = subprocess.run(["pgrep", "-P", str(SERVERS[url].pid)], capture_output=True, text=True)
	return [int(pid) for pid in out.stdout.split()]


@contextmanager
def running_server(workers: int = 4, threads: int = 1, env: dict | None = None):
	"""``env``: more environment for the server (FRAPPE_REDIS_CACHE, say)."""
	if url := os.environ.get("MEDIC_PLUS_TEST_URL"):
		yield url.rstrip("/")
		return
	port = _free_port()
	sites = os.path.abspath(frappe.local.sites_path)
	gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
	log = open(os.path.join(sites, "..", "logs", "medic_plus_test_server.log"), "ab")
	proc = subprocess.Popen(
		[
			gunicorn,
			"-b",
			f"127.0.0.1:{port}",
			"-w",
			str(workers),
			"-t",
			# under libfaketime the worker heartbeat (a file's real ctime against the faked
			# monotonic clock) looks days old and the arbiter would kill every worker
			"0" if "FAKETIME" in os.environ else "120",
			*(["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []),
			"medic_plus.tests.wsgi:application",
		],
		cwd=sites,
		env={**os.environ, **(env or {}), "MEDIC_PLUS_TEST_SITE": frappe.local.site},
		stdout=log,
		stderr=subprocess.STDOUT,
	)
	url = f"http://127.0.0.1:{port}"
	SERVERS[url] = proc
	try:
		deadline = time.monotonic() + 90
		while time.monotonic() < deadline:
			try:
				if requests.get(f"{url}/api/method/ping", headers={"Host": frappe.local.site}, timeout=2).ok:
					break
			except requests.RequestException:
				time.sleep(0.5)
		else:
			raise RuntimeError("the test web server did not start")
		yield url
	finally:
		SERVERS.pop(url, None)
		proc.terminate()
		try:
			proc.wait(timeout=20)
		except subprocess.TimeoutExpired:
			proc.kill()
		log.close()
