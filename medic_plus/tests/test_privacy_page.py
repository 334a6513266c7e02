"""The public privacy page of a practice: its contact for privacy requests and the
platform's sub-processors; unknown and inactive practices are not found."""

from __future__ import annotations

import frappe

from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.http import body_text, request


class TestPrivacyPage(TenancyFixtureTestCase):
	def test_the_page_names_the_contact_and_the_sub_processors(self):
		fx = self.fx
		frappe.get_doc(
			{
				"doctype": "Sub-processor",
				"processor_name": "ISO Mail Relay",
				"purpose": "Sends appointment e-mails",
				"data_categories": "Name, e-mail address",
				"location": "Germany",
				"agreement": "DPA signed 2026-01-10",
			}
		).insert()
		frappe.db.set_value("Practice", fx.a.practice, "privacy_contact", "privacy@iso-alpha.example")
		frappe.db.commit()  # nosemgrep: the page is fetched on another connection
		try:
			response = request("GET", f"/privacy?practice={fx.a.slug}")
			self.assertEqual(response.status_code, 200)
			html = body_text(response)
			for shown in (
				"privacy@iso-alpha.example",
				"ISO Mail Relay",
				"Sends appointment e-mails",
				"DPA signed",
			):
				self.assertIn(shown, html)
			self.assertEqual(request("GET", "/privacy?practice=no-such-practice").status_code, 404)
			frappe.db.set_value("Practice", fx.b.practice, "status", "Inactive")
			frappe.db.commit()  # nosemgrep: as above
			self.assertEqual(request("GET", f"/privacy?practice={fx.b.slug}").status_code, 404)
		finally:
			frappe.db.set_value("Practice", fx.b.practice, "status", "Active")
			frappe.db.set_value("Practice", fx.a.practice, "privacy_contact", None)
			frappe.db.delete("Sub-processor", {"processor_name": "ISO Mail Relay"})
			frappe.db.commit()  # nosemgrep: put the fixture back
