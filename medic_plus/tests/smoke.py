"""Over HTTP, what a newcomer does right after ``bench --site <site> medic-plus-demo``:
every demo login signs in, opens its workspace (cards and charts with their values) and
a list; the platform owner opens the platform workspace; a guest opens each practice's
booking page and its calendar. Run by ``.ci/run`` against a brand-new site:

    bench --site <site> medic-plus-demo --json demo.json
    python -m medic_plus.tests.smoke --url http://127.0.0.1:8000 --site <site> --demo demo.json

Exits 1 with one line per failure. Imports nothing of Frappe's: it is a client."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta

import requests

LISTS = {"Admin": "Practice Member", "Doctor": "Patient Encounter", "Receptionist": "Patient Appointment"}


class Smoke:
	def __init__(self, url: str, site: str):
		self.url = url.rstrip("/")
		self.site = site
		self.failures: list[str] = []

	def session(self, user: str | None = None, password: str | None = None) -> requests.Session:
		s = requests.Session()
		s.headers["Host"] = self.site
		if user:
			r = s.post(f"{self.url}/api/method/login", data={"usr": user, "pwd": password}, timeout=60)
			self.expect(r, f"{user} logs in")
		return s

	def expect(self, response: requests.Response, what: str) -> dict:
		if response.status_code != 200:
			self.failures.append(f"{what}: HTTP {response.status_code} {response.text[:300]}")
			return {}
		try:
			return response.json()
		except ValueError:
			return {}

	def call(self, s: requests.Session, method: str, what: str, **params) -> object:
		r = s.get(f"{self.url}/api/method/{method}", params=params, timeout=60)
		return self.expect(r, what).get("message")

	def workspace(self, s: requests.Session, user: str, name: str) -> None:
		page = self.call(
			s,
			"frappe.desk.desktop.get_desktop_page",
			f"{user} opens {name}",
			page=json.dumps({"name": name, "title": name, "public": 1}),
		)
		if not page:
			self.failures.append(f"{user} opens {name}: empty workspace")
			return
		for card in page.get("number_cards", {}).get("items", []):
			# as Desk's number card widget asks for its value
			doc = self.get(s, "Number Card", card["number_card_name"], user)
			what = f"{user}: card {card['number_card_name']}"
			if doc.get("type") == "Custom":
				self.call(s, doc["method"], what, filters=json.dumps([]))
			else:
				self.call(
					s,
					"frappe.desk.doctype.number_card.number_card.get_result",
					what,
					doc=json.dumps(doc),
					filters=json.dumps([]),
				)
		for chart in page.get("charts", {}).get("items", []):
			self.call(
				s,
				"frappe.desk.doctype.dashboard_chart.dashboard_chart.get",
				f"{user}: chart {chart['chart_name']}",
				chart_name=chart["chart_name"],
				refresh=1,
			)

	def get(self, s: requests.Session, doctype: str, name: str, user: str) -> dict:
		r = s.get(f"{self.url}/api/resource/{doctype}/{name}", timeout=60)
		return self.expect(r, f"{user} reads {doctype} {name}").get("data", {})

	def list(self, s: requests.Session, doctype: str, user: str) -> list:
		r = s.get(f"{self.url}/api/resource/{doctype}", params={"limit_page_length": 20}, timeout=60)
		return self.expect(r, f"{user} lists {doctype}").get("data", [])

	def practice_user(self, user: str, role: str, password: str) -> None:
		s = self.session(user, password)
		self.workspace(s, user, "My Practice")
		if not self.list(s, "Patient", user):
			self.failures.append(f"{user} sees no patient")
		self.list(s, LISTS[role], user)

	def platform_owner(self, password: str) -> None:
		s = self.session("Administrator", password)
		self.workspace(s, "Administrator", "Medic Plus Platform")
		if len(self.list(s, "Practice", "Administrator")) < 2:
			self.failures.append("Administrator sees fewer than the two demo practices")

	def guest(self, slug: str) -> None:
		s = self.session()
		r = s.get(f"{self.url}/book", params={"practice": slug}, timeout=60)
		self.expect(r, f"guest opens /book?practice={slug}")
		doctors = self.call(
			s, "medic_plus.api.booking.get_practice_practitioners", f"{slug}: doctors", practice=slug
		)
		if not doctors:
			self.failures.append(f"{slug}: no bookable doctor")
			return
		start = date.today() + timedelta(days=1)
		calendar = self.call(
			s,
			"medic_plus.api.booking.get_availability",
			f"{slug}: calendar",
			practice=slug,
			practitioner=doctors[0]["practitioner"],
			from_date=str(start),
			to_date=str(start + timedelta(days=13)),
		)
		if not any((calendar or {}).get("days", {}).values()):
			self.failures.append(f"{slug}: no free slot in the next two weeks")


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--url", required=True)
	parser.add_argument("--site", required=True)
	parser.add_argument("--admin-password", default="admin")
	parser.add_argument("--demo", required=True, help="what `medic-plus-demo --json FILE` wrote")
	args = parser.parse_args(argv)
	with open(args.demo) as f:
		demo = json.load(f)
	smoke = Smoke(args.url, args.site)
	for practice in demo["practices"]:
		for user, role in practice["logins"]:
			smoke.practice_user(user, role, demo["password"])
	smoke.platform_owner(args.admin_password)
	for practice in demo["practices"]:
		smoke.guest(practice["slug"])
	for failure in smoke.failures:
		print(f"FAILED: {failure}")
	print(f"smoke: {len(smoke.failures)} failure(s)")
	return 1 if smoke.failures else 0


if __name__ == "__main__":
	sys.exit(main())
