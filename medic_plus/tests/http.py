"""Requests to this site's WSGI application, in-process, on another thread (so with their
own database connection, seeing committed data only, as a real request would)."""

from __future__ import annotations

import json
import threading
from functools import partial
from unittest.mock import patch

import frappe
from frappe.utils import get_test_client


def new_client():
	"""Frappe's test client, with each response read whole on the request's own thread, so
	that the request's end (``frappe.destroy``, which closes its database connection) runs
	there and then. Unbuffered, it waits until the response is closed, which no test does:
	the connection, its read transaction still open, then lives until the garbage collector
	finds it, and holds its tables' metadata locks; a later ALTER TABLE waits on it."""
	client = get_test_client()
	client.open = partial(client.open, buffered=True)
	return client


def request(method: str, path: str, headers: dict | None = None, **kwargs):
	"""One request through a fresh test client (no cookies kept)."""
	site = frappe.local.site
	client = new_client()
	out = {}

	def run():
		with patch("frappe.app.get_site_name", return_value=site):
			out["response"] = getattr(client, method.lower())(path, headers=headers or {}, **kwargs)

	t = threading.Thread(target=run)
	t.start()
	t.join()
	return out["response"]


def body_text(response) -> str:
	"""The body of a response of the in-process client or of ``requests``."""
	text = getattr(response, "text", None)
	return text if isinstance(text, str) else response.get_data(as_text=True)


def shape(response, name: str):
	"""What a client can learn from a response, with the probed name blanked out (and the
	random id Frappe gives every error, which differs between any two requests)."""
	text = body_text(response).replace(name, "<name>")
	try:
		body = json.loads(text)
	except ValueError:
		return response.status_code, text
	messages = [json.loads(m) for m in json.loads(body.pop("_server_messages", "[]"))]
	for m in messages:
		m.pop("__frappe_exc_id", None)
	for error in body.get("errors", []):
		error.pop("exc_id", None)
	return response.status_code, body, messages
