"""Another practice's record answers exactly like a missing one, for every verb and every
kind of scoped doctype, over HTTP with practice A's admin's API key: the responses for
B's record and for a random name are compared byte for byte (the name blanked out)."""

from __future__ import annotations

import frappe

from medic_plus.tests.compat import TenancyFixtureTestCase
from medic_plus.tests.fixtures import api_token
from medic_plus.tests.http import request, shape
from medic_plus.tests.test_isolation import ISOLATED_DOCTYPES

MISSING = "ISO-NO-SUCH-RECORD"

VERBS = (
	("GET", "/api/resource/{dt}/{name}", {}),
	("PUT", "/api/resource/{dt}/{name}", {"json": {"modified_by": "x"}}),
	("DELETE", "/api/resource/{dt}/{name}", {}),
	("GET", "/api/v2/document/{dt}/{name}", {}),
	("PATCH", "/api/v2/document/{dt}/{name}", {"json": {"modified_by": "x"}}),
	("DELETE", "/api/v2/document/{dt}/{name}", {}),
	("GET", "/api/v2/document/{dt}/{name}/copy", {}),
	("GET", "/api/method/frappe.desk.form.load.getdoc?doctype={dt}&name={name}", {}),
	("POST", "/api/method/frappe.client.get", {"json": {"doctype": "{dt}", "name": "{name}"}}),
	(
		"POST",
		"/api/method/frappe.desk.form.document_follow.follow_document",
		{"json": {"doctype": "{dt}", "doc_name": "{name}", "user": "x"}},
	),
	("POST", "/api/method/frappe.share.add", {"json": {"doctype": "{dt}", "name": "{name}", "user": "x"}}),
	("GET", "/api/method/frappe.utils.print_format.download_pdf?doctype={dt}&name={name}", {}),
	("GET", "/printview?doctype={dt}&name={name}&trigger_print=1", {}),
	(
		"POST",
		"/api/method/upload_file",
		{"data": {"doctype": "{dt}", "docname": "{name}", "file_url": "/files/iso-x.png", "is_private": "1"}},
	),
	(
		"POST",
		"/api/method/frappe.client.rename_doc",
		{"json": {"doctype": "{dt}", "old_name": "{name}", "new_name": "ISO-RENAMED"}},
	),
	(
		"POST",
		"/api/method/frappe.model.rename_doc.update_document_title",
		{"json": {"doctype": "{dt}", "docname": "{name}", "name": "ISO-RENAMED", "title": "x"}},
	),
	# the other direction: one's own record renamed to the probed name
	(
		"POST",
		"/api/method/frappe.client.rename_doc",
		{"json": {"doctype": "{dt}", "old_name": "{own}", "new_name": "{name}"}},
	),
	(
		"POST",
		"/api/method/frappe.model.rename_doc.update_document_title",
		{"json": {"doctype": "{dt}", "docname": "{own}", "name": "{name}", "merge": 0}},
	),
	(
		"POST",
		"/api/method/frappe.desk.form.utils.add_comment",
		{
			"json": {
				"reference_doctype": "{dt}",
				"reference_name": "{name}",
				"content": "x",
				"comment_email": "x",
				"comment_by": "x",
			}
		},
	),
)


def fill(value, dt: str, name: str, own: str = ""):
	if isinstance(value, str):
		return value.replace("{dt}", dt).replace("{name}", name).replace("{own}", own)
	if isinstance(value, dict):
		return {k: fill(v, dt, name, own) for k, v in value.items()}
	return value


def records_of(fx, side: str) -> dict[str, str]:
	"""One record of practice ``side`` for each kind of doctype the verbs are tried on."""
	from medic_plus.tests.test_scope_kinds import ensure_note

	s = fx.a if side == "a" else fx.b
	records = {dt: fx.record(side, dt) for dt in ISOLATED_DOCTYPES}
	records["Clinical Note"] = ensure_note(f"ISO-{side.upper()}-NOTE", s.patient)
	records["Practice"] = s.practice
	records["Practice Member"] = frappe.db.get_value("Practice Member", {"practice": s.practice}, "name")
	records["Healthcare Practitioner"] = s.practitioner
	return records


class TestEveryVerb(TenancyFixtureTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.auth = {"Authorization": api_token(cls.fx.a.admin)}
		cls.others, cls.own = records_of(cls.fx, "b"), records_of(cls.fx, "a")
		frappe.db.commit()  # nosemgrep: fixture, seen by the request threads

	def test_other_practice_record_answers_like_a_missing_one_for_every_verb(self):
		for dt, other in self.others.items():
			for verb, path, kwargs in VERBS:
				own = self.own[dt]
				with self.subTest(doctype=dt, verb=verb, path=path, kwargs=kwargs):
					foreign = request(
						verb, fill(path, dt, other, own), self.auth, **fill(kwargs, dt, other, own)
					)
					missing = request(
						verb, fill(path, dt, MISSING, own), self.auth, **fill(kwargs, dt, MISSING, own)
					)
					self.assertEqual(shape(foreign, other), shape(missing, MISSING))
		frappe.db.rollback()
		for dt, other in self.others.items():
			self.assertTrue(frappe.db.exists(dt, other), f"{dt} {other} was deleted or renamed")
			self.assertTrue(frappe.db.exists(dt, self.own[dt]), f"{dt} {self.own[dt]} was renamed")
