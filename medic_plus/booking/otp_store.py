"""The OTP store on a site: Frappe's Redis cache."""

import frappe

from medic_plus.core import otp


class CacheStore:
	def get(self, key: str) -> dict | None:
		return frappe.cache.get_value(key)

	def set(self, key: str, value: dict, ttl: int) -> None:
		frappe.cache.set_value(key, value, expires_in_sec=ttl)

	def delete(self, key: str) -> None:
		frappe.cache.delete_value(key)

	def incr(self, key: str, ttl: int) -> int:
		full = frappe.cache.make_key(key)
		count = frappe.cache.incr(full)
		if count == 1:
			frappe.cache.expire(full, ttl)
		return int(count)


def secret() -> str:
	"""The site's own secret (``encryption_key``), so that codes hash differently per site."""
	from frappe.utils.password import get_encryption_key

	return get_encryption_key()


def issue(practice: str, identifier: str) -> str:
	return otp.issue(CacheStore(), secret(), practice, identifier, getattr(frappe.local, "request_ip", None))


def verify(practice: str, identifier: str, code: str) -> None:
	otp.verify(CacheStore(), secret(), practice, identifier, code)
