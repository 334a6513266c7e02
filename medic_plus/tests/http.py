"""Requests to this site's WSGI application, in-process, on another thread (so with their
own database connection, seeing committed data only, as a real request would)."""

from __future__ import annotations

import threading
from unittest.mock import patch

import frappe
from frappe.utils import get_test_client


def request(method: str, path: str, headers: dict | None = None, **kwargs):
	"""One request through a fresh test client (no cookies kept)."""
	site = frappe.local.site
	client = get_test_client()
	out = {}

	def run():
		with patch("frappe.app.get_site_name", return_value=site):
			out["response"] = getattr(client, method.lower())(path, headers=headers or {}, **kwargs)

	t = threading.Thread(target=run)
	t.start()
	t.join()
	return out["response"]
