"""A real HTTP server on a free loopback port, served from a thread of the test's own
process: what the tests' stand-ins for outside services (the claims switch, the
assistant's provider) are built on. No Frappe import (the unit tests use it too)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer:
	def __init__(self, handler: type[BaseHTTPRequestHandler]):
		self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
		self.httpd.daemon_threads = True
		self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

	@property
	def port(self) -> int:
		return self.httpd.server_address[1]

	def start(self):
		self._thread.start()
		return self

	def stop(self) -> None:
		self.httpd.shutdown()
		self.httpd.server_close()

	def __enter__(self):
		return self.start()

	def __exit__(self, *exc) -> None:
		self.stop()
