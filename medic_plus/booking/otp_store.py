"""The OTP store on a site: Frappe's Redis cache (a ``redis.Redis``), one Lua script per
step, so that each read-and-write is atomic however many workers race it. Keys carry the
site's prefix (``frappe.cache.make_key``)."""

from __future__ import annotations

import frappe

from medic_plus.core import otp

# KEYS: the budget counters; ARGV: their limits, then their windows (seconds)
TAKE = """
local n = #KEYS
for i = 1, n do
	if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then return 0 end
end
for i = 1, n do
	if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], tonumber(ARGV[n + i])) end
end
return 1
"""

# KEYS[1]: the code; ARGV: digest, ttl
PUT = """
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'attempts', 0, 'held', 0)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""

# KEYS[1]: the code, KEYS[2]: the site's tally of tries by outcome; ARGV: digest of the try, max attempts
TRY = """
local function tally(outcome)
	redis.call('HINCRBY', KEYS[2], outcome, 1)
	return outcome
end
if redis.call('EXISTS', KEYS[1]) == 0 then return tally('missing') end
if redis.call('HGET', KEYS[1], 'held') == '1' then return tally('busy') end
local n = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local max = tonumber(ARGV[2])
if n > max then redis.call('DEL', KEYS[1]) return tally('dead') end
if redis.call('HGET', KEYS[1], 'hash') == ARGV[1] then
	redis.call('HSET', KEYS[1], 'held', 1)
	return tally('reserved')
end
if n >= max then redis.call('DEL', KEYS[1]) end
return tally('wrong')
"""

# KEYS[1]: the code
RELEASE = """
if redis.call('HGET', KEYS[1], 'held') == '1' then
	redis.call('HSET', KEYS[1], 'held', 0)
	redis.call('HINCRBY', KEYS[1], 'attempts', -1)
end
return 1
"""


def _run(script: str, keys: list[str], args: list) -> object:
	keys = [frappe.cache.make_key(key) for key in keys]
	result = frappe.cache.eval(script, len(keys), *keys, *args)
	return result.decode() if isinstance(result, bytes) else result


class RedisStore:
	def take(self, budgets) -> bool:
		budgets = list(budgets)
		args = [b.limit for b in budgets] + [b.window for b in budgets]
		return bool(_run(TAKE, [b.key for b in budgets], args))

	def put_code(self, key: str, digest: str, ttl: int) -> None:
		_run(PUT, [key], [digest, ttl])

	def try_code(self, key: str, digest: str, max_attempts: int) -> otp.Outcome:
		return otp.Outcome(_run(TRY, [key, TALLY], [digest, max_attempts]))

	def burn(self, key: str) -> None:
		frappe.cache.delete(frappe.cache.make_key(key))

	def release(self, key: str) -> None:
		_run(RELEASE, [key], [])


TALLY = "medic_plus:otp-tries"


def get_tally() -> dict[str, int]:
	"""How many code tries the site has seen, by outcome (reserved, wrong, dead, missing,
	busy): a rise in "wrong" and "dead" is someone guessing."""
	raw = frappe.cache.execute_command("HGETALL", frappe.cache.make_key(TALLY)) or {}
	return {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in raw.items()}


def secret() -> str:
	"""The site's own secret (``encryption_key``), so that codes hash differently per site."""
	from frappe.utils.password import get_encryption_key

	return get_encryption_key()


def issue(practice: str, identifier: str, sms: bool = False) -> str:
	return otp.issue(
		RedisStore(), secret(), practice, identifier, getattr(frappe.local, "request_ip", None), sms=sms
	)


def reserve_for_this_transaction(practice: str, identifier: str, code: str) -> None:
	"""Hold the code while the booking is made: it is spent when the transaction commits
	and given back, with its tries, when it rolls back (a slot just taken, say)."""
	store = RedisStore()
	key = otp.reserve(store, secret(), practice, identifier, code)
	frappe.db.after_commit.add(lambda: store.burn(key))
	frappe.db.after_rollback.add(lambda: store.release(key))


def take_budgets(budgets) -> bool:
	return RedisStore().take(budgets)
