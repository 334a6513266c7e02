"""The in-process request helper (tests/http.py) ends each request as a real server does:
its database connection is closed on the request's own thread. One left open keeps its
read transaction and the metadata locks on the tables it read, and the next ALTER TABLE
of the suite (``install.setup`` adds indexes) waits on it for good."""

from __future__ import annotations

import frappe

from medic_plus.tests.compat import IntegrationTestCase
from medic_plus.tests.http import request


def open_connections() -> int:
	"""The site's database connections other than this one."""
	return frappe.db.sql(
		"select count(*) from information_schema.processlist where user = %s and id != connection_id()",
		frappe.conf.db_user or frappe.conf.db_name,
	)[0][0]


class TestInProcessRequests(IntegrationTestCase):
	def test_a_request_leaves_no_connection_behind(self):
		before = open_connections()
		for path in ("/api/method/ping", "/book", "/api/method/frappe.auth.get_logged_user"):
			with self.subTest(path=path):
				request("GET", path)
				self.assertEqual(open_connections(), before)
