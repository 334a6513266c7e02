"""The OTP store on a site: the durable Redis (``medic_plus/durable.py``, never the cache
that evicts), one Lua script per step, so that each read-and-write is atomic however many
workers race it. Keys carry the site's prefix.

A right code is *held* for one booking until a deadline on the Redis server's clock
(``OTPPolicy.hold_seconds``): the booking burns it when it commits and gives it back when it
rolls back; a hold whose worker died before either (killed, or its server gone) lapses at
the deadline and the code is usable again, with the try refunded."""

from __future__ import annotations

import frappe

from medic_plus import durable
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

# KEYS[1]: the code, KEYS[2]: the site's tally of tries by outcome;
# ARGV: digest of the try, max attempts, seconds a hold lasts
TRY = """
local function tally(outcome)
	redis.call('HINCRBY', KEYS[2], outcome, 1)
	return outcome
end
if redis.call('EXISTS', KEYS[1]) == 0 then return tally('missing') end
local now = tonumber(redis.call('TIME')[1])
local held = tonumber(redis.call('HGET', KEYS[1], 'held') or '0')
if held > now then return tally('busy') end
if held > 0 then
	-- a hold whose booking never ended (its worker died): lapsed, its try given back
	redis.call('HSET', KEYS[1], 'held', 0)
	redis.call('HINCRBY', KEYS[1], 'attempts', -1)
end
local n = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local max = tonumber(ARGV[2])
if n > max then redis.call('DEL', KEYS[1]) return tally('dead') end
if redis.call('HGET', KEYS[1], 'hash') == ARGV[1] then
	redis.call('HSET', KEYS[1], 'held', now + tonumber(ARGV[3]))
	return tally('reserved')
end
if n >= max then redis.call('DEL', KEYS[1]) end
return tally('wrong')
"""

# KEYS[1]: the code
RELEASE = """
if tonumber(redis.call('HGET', KEYS[1], 'held') or '0') > 0 then
	redis.call('HSET', KEYS[1], 'held', 0)
	redis.call('HINCRBY', KEYS[1], 'attempts', -1)
end
return 1
"""


class RedisStore:
	def take(self, budgets) -> bool:
		budgets = list(budgets)
		args = [b.limit for b in budgets] + [b.window for b in budgets]
		return bool(durable.run(TAKE, [b.key for b in budgets], args))

	def put_code(self, key: str, digest: str, ttl: int) -> None:
		durable.run(PUT, [key], [digest, ttl])

	def try_code(self, key: str, digest: str, max_attempts: int, hold_seconds: int) -> otp.Outcome:
		return otp.Outcome(durable.run(TRY, [key, TALLY], [digest, max_attempts, hold_seconds]))

	def burn(self, key: str) -> None:
		durable.conn().delete(durable.key(key))

	def release(self, key: str) -> None:
		durable.run(RELEASE, [key], [])


TALLY = "medic_plus:otp-tries"


def get_tally() -> dict[str, int]:
	"""How many code tries the site has seen, by outcome (reserved, wrong, dead, missing,
	busy): a rise in "wrong" and "dead" is someone guessing."""
	raw = durable.conn().hgetall(durable.key(TALLY)) or {}
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
