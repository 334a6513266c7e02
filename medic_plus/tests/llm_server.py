"""A local OpenAI-compatible chat server for the assistant's tests: a real HTTP server on
a loopback port that records every request it receives (path, headers, body) and answers
as it is told (a draft, a rate limit, an error, a malformed body, or slowly)."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler

from medic_plus.tests.loopback import LoopbackServer


class LLMServer(LoopbackServer):
	def __init__(self):
		self.received: list[dict] = []
		self.mode = "ok"
		self.content = '{"plan": "Rest.", "letter": "Dear [PATIENT]"}'
		self.delay = 0.0
		server = self

		class Handler(BaseHTTPRequestHandler):
			def log_message(self, *args):
				pass

			def do_POST(self):
				body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
				server.received.append(
					{
						"path": self.path,
						"headers": dict(self.headers),
						"body": body.decode("utf-8", "replace"),
					}
				)
				if server.delay:
					time.sleep(server.delay)
				if server.mode == "429":
					return self.answer(
						429, {"error": {"message": "Rate limit reached"}}, {"Retry-After": "20"}
					)
				if server.mode == "500":
					return self.answer(500, {"error": {"message": "internal"}})
				if server.mode == "401":
					return self.answer(401, {"error": {"message": "bad key"}})
				if server.mode == "garbage":
					return self.answer(200, None, raw=b"<html>not json</html>")
				if server.mode == "shape":
					return self.answer(200, {"choices": []})
				return self.answer(
					200,
					{
						"id": "chatcmpl-test",
						"object": "chat.completion",
						"model": json.loads(body or b"{}").get("model", "test-model"),
						"choices": [
							{
								"index": 0,
								"message": {"role": "assistant", "content": server.content},
								"finish_reason": "stop",
							}
						],
						"usage": {"prompt_tokens": 321, "completion_tokens": 54, "total_tokens": 375},
					},
				)

			def answer(self, status, payload, headers=None, raw=None):
				data = raw if raw is not None else json.dumps(payload).encode()
				try:
					self.send_response(status)
					self.send_header("Content-Type", "application/json")
					self.send_header("Content-Length", str(len(data)))
					for key, value in (headers or {}).items():
						self.send_header(key, value)
					self.end_headers()
					self.wfile.write(data)
				except (BrokenPipeError, ConnectionResetError):
					pass  # the client gave up waiting (a time-out test)

		super().__init__(Handler)

	@property
	def base_url(self) -> str:
		return f"http://127.0.0.1:{self.port}/v1"

	def sent_text(self) -> str:
		"""Everything the server received, as one text."""
		return "\n".join(json.dumps(r) + r["body"] for r in self.received)


def free_port_with_nothing_listening() -> int:
	"""A loopback port no server listens on (a provider that is down)."""
	import socket

	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]
