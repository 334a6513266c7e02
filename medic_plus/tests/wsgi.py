"""Frappe's WSGI application plus /assets, as nginx serves them in production: what
the test web server (server.py) runs, so that pages load their scripts and styles.
It serves the site named in MEDIC_PLUS_TEST_SITE whatever the Host header says."""

import os

import frappe.app
from werkzeug.middleware.shared_data import SharedDataMiddleware

frappe.app._site = os.environ.get("MEDIC_PLUS_TEST_SITE") or None

application = SharedDataMiddleware(frappe.app.application, {"/assets": os.path.join(os.getcwd(), "assets")})
