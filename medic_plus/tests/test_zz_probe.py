import frappe

from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import PASSWORD
from medic_plus.tests.server import running_server
from medic_plus.tests.test_browser import log_in, new_page, sync_playwright


class TestProbe(TenancyFixtureTestCase):
	def test_probe(self):
		si = frappe.db.get_value(
			"Sales Invoice",
			{"company": frappe.db.get_value("Practice", self.fx.a.practice, "company"), "docstatus": 1},
			"name",
		)
		pe = frappe.db.get_value(
			"Payment Entry",
			{"company": frappe.db.get_value("Practice", self.fx.a.practice, "company"), "docstatus": 1},
			"name",
		)
		print("DOCS", si, pe)
		with running_server(workers=2) as url, sync_playwright() as pw:
			browser, page = new_page(pw, 1400, 900)
			bad = set()
			page.on(
				"response",
				lambda r: bad.add(
					(
						r.status,
						r.url.replace(url, "")[:200],
						(r.request.post_data or "")[:300],
						r.text()[:200],
					)
				)
				if r.status >= 400 and "socket.io" not in r.url
				else None,
			)
			log_in(page, url, self.fx.a.recep, PASSWORD)
			for path in (
				f"/app/sales-invoice/{si}",
				"/app/sales-invoice/new",
				f"/app/payment-entry/{pe}",
				"/app/payment-entry/new",
				"/app/sales-invoice",
				"/app/payment-entry",
				"/app/customer",
				"/app/insurance-claim",
				"/app/claims",
				"/app/query-report/Accounts Receivable",
				"/app/query-report/General Ledger",
				"/app/query-report/Sales Register",
				"/app/query-report/Accounts Receivable Summary",
				f"/printview?doctype=Sales%20Invoice&name={si}",
			):
				page.goto(url + path)
				page.wait_for_timeout(5000)
			for b in sorted(bad):
				print("BAD", b)
			browser.close()
