"""What stands between the public booking API and a stranger: the client's real IP, the
form token and honeypot, the budgets per method, and the mobile numbers a practice texts."""

from __future__ import annotations

import functools
import time

import frappe
from frappe import _

from medic_plus.core import client_ip, form_token, phone
from medic_plus.core.otp import Budget
from medic_plus.outage import answers_503_in_an_outage

TRUSTED_PROXIES = "medic_plus_trusted_proxies"  # site config: addresses or CIDR ranges


class NotAccepted(frappe.ValidationError):
	http_status_code = 400


class TooManyRequests(frappe.ValidationError):
	http_status_code = 429


# --- the client's IP -----------------------------------------------------------------


def set_request_ip() -> None:
	"""before_request: Frappe took the first ``X-Forwarded-For`` entry, which any client
	writes. Recompute it from the trusted proxies of the site config (none by default):
	Frappe's login throttling and rate limiter count the real client too."""
	request = getattr(frappe.local, "request", None)
	if request is None:
		return
	trusted = client_ip.parse_networks(frappe.conf.get(TRUSTED_PROXIES))
	frappe.local.request_ip = client_ip.client_ip(
		request.environ.get("REMOTE_ADDR"), request.headers.get("X-Forwarded-For"), trusted
	)


# --- budgets per method --------------------------------------------------------------


def limit(calls: int, seconds: int):
	"""Rate limit a guest method per client IP, keyed by the method itself (Frappe's own
	``rate_limit`` keys on ``cmd``, which ``/api/v2`` never sets), atomically, in the durable
	Redis; an outage of the database or of Redis that the method meets is a clean 503
	(``medic_plus/outage.py``)."""

	def decorator(fn):
		key = f"medic_plus:rl:{fn.__module__}.{fn.__qualname__}"

		def take_budget() -> bool:
			"""One call of this client's budget, if there is one left."""
			if frappe.flags.in_test:  # in-process tests call these many times from one "IP"
				return True
			from medic_plus.booking.otp_store import take_budgets

			ip = getattr(frappe.local, "request_ip", None) or "-"
			return take_budgets([Budget(f"{key}:{ip}", calls, seconds)])

		@functools.wraps(fn)
		@answers_503_in_an_outage
		def wrapper(*args, **kwargs):
			if not take_budget():
				frappe.local.rate_limiter = _Refused()
				frappe.throw(
					_("Too many requests. Please wait a while and try again."),
					TooManyRequests,
					title=_("Too Many Requests"),
				)
			return fn(*args, **kwargs)

		wrapper.take_budget = take_budget
		return wrapper

	return decorator


class _Refused:
	"""What Frappe's error handler asks for a 429 that it answers as a page (``?cmd=``
	without a JSON Accept header): Frappe's own limiter, or this."""

	def respond(self):
		from werkzeug.wrappers import Response

		return Response(_("Too Many Requests"), status=429)

	def update(self):
		pass

	def headers(self):
		return {}


# --- the form token ------------------------------------------------------------------


def _secret() -> str:
	from medic_plus.booking.otp_store import secret

	return "form:" + secret()


def new_form_token() -> str:
	return form_token.make(_secret(), time.time())


def check_form(token: str | None, honeypot: str | None) -> None:
	"""The public form was filled by a person: a signed token, not too fast, not stale,
	used once, and an empty honeypot. Every refusal reads the same, and costs nothing."""
	try:
		nonce = form_token.check(_secret(), token, time.time(), honeypot)
	except form_token.NotAccepted:
		_refuse()
	# used tokens are remembered in the durable Redis: an evicted one could be sent again
	from medic_plus import durable

	if not durable.conn().set(
		durable.key(f"medic_plus:form-token:{nonce}"), 1, ex=form_token.MAX_SECONDS, nx=True
	):
		_refuse()


def _refuse():
	frappe.throw(_("Please reload the page and try again."), NotAccepted, title=_("Not Accepted"))


# --- mobile numbers ------------------------------------------------------------------


def sms_regions(practice) -> list[str]:
	"""The countries whose mobile numbers the practice texts: its SMS Countries, else its
	own country (or its company's, or the site's)."""
	if listed := phone.regions(practice.get("sms_countries")):
		return listed
	country = (
		practice.get("country")
		or (practice.get("company") and frappe.db.get_value("Company", practice.company, "country"))
		or frappe.db.get_default("country")
	)
	code = frappe.db.get_value("Country", country, "code") if country else None
	return phone.regions([code]) if code else []


def clean_mobile(practice, value: str | None) -> str:
	"""The number in E.164, or a clear 400 naming the countries accepted."""
	regions = sms_regions(practice)
	try:
		return phone.check_mobile(value, regions)
	except phone.PhoneError as e:
		names = ", ".join(regions) or _("the practice's country")
		frappe.throw(_(e.reason).format(countries=names), NotAccepted, title=_("Please check Mobile"))
