"""A server the app depends on is down: answer 503 with a retry hint, never a 500.

The public booking API (every guest method, through ``booking/guard.limit``) turns an
outage of the database or of Redis (``core/outage.py`` says which errors are one) into
``ServiceUnavailable``: HTTP 503, a translated message and ``Retry-After``. Nothing is half
written: the request's transaction is rolled back where the server still answers, and its
rollback callbacks run either way, so a one-time code held for the booking is given back.
A database connection that broke is dropped, so that Frappe's own rollback at the end of
the request does not fail on it.
"""

from __future__ import annotations

import functools
import json

import frappe
from frappe import _

from medic_plus.core import outage as core

RETRY_AFTER = 15  # seconds


class ServiceUnavailable(frappe.ValidationError):
	http_status_code = 503


def answers_503_in_an_outage(fn):
	"""Decorator: an outage met by ``fn`` ends the request with ServiceUnavailable."""

	@functools.wraps(fn)
	def wrapper(*args, **kwargs):
		try:
			return fn(*args, **kwargs)
		except ServiceUnavailable:
			raise
		except Exception as e:
			if not core.kind(e):
				raise
			unavailable(e)

	return wrapper


def page_answers_503_in_an_outage(get_context):
	"""The same for a web page's ``get_context(context)`` (Frappe passes ``context`` only to a
	function whose own argument list names it)."""

	guarded = answers_503_in_an_outage(get_context)

	@functools.wraps(get_context)
	def wrapper(context):
		return guarded(context)

	return wrapper


def unavailable(error: BaseException):
	"""End the request with a 503: the work so far undone, the broken connection dropped."""
	if core.kind(error) in (core.DATABASE, core.BUSY):
		_undo()
	frappe.local.flags.medic_plus_retry_after = RETRY_AFTER
	frappe.clear_last_message()
	frappe.throw(
		_("The service is briefly unavailable. Please try again in a moment."),
		ServiceUnavailable,
		title=_("Service Unavailable"),
	)


def _undo() -> None:
	"""Roll back; where the server cannot be reached, run the rollback's callbacks anyway
	(they give back what the transaction held outside the database) and drop the handle."""
	db = getattr(frappe.local, "db", None)
	if not db:
		return
	try:
		db.rollback()
		return
	except Exception:
		pass
	for callbacks in ("before_rollback", "after_rollback"):
		try:
			getattr(db, callbacks).run()
		except Exception:
			pass
	try:
		db.close()
	except Exception:
		pass
	frappe.local.db = None  # Frappe's own end-of-request rollback skips a missing handle


def add_retry_after(response=None, request=None) -> None:
	"""after_request: a request that ended in an outage answers 503 with its retry hint
	(Frappe renders a web page's error as a 500 whatever the error's own status)."""
	seconds = (
		frappe.local.flags.get("medic_plus_retry_after") if getattr(frappe.local, "flags", None) else None
	)
	if response is not None and seconds and response.status_code in (500, 503):
		response.status_code = 503
		response.headers["Retry-After"] = str(seconds)
		response.headers["Cache-Control"] = "no-store"


def unavailable_body(message: str, exc_type: str) -> str:
	"""The JSON of a 503 in Frappe's shape (the Desk and the booking page show its message)."""
	return json.dumps(
		{
			"exc_type": exc_type,
			"_server_messages": json.dumps(
				[json.dumps({"message": message, "title": str(_("Service Unavailable")), "indicator": "red"})]
			),
		}
	)
