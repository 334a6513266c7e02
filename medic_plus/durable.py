"""The durable Redis: where what must outlive a restart or a full cache lives.

Frappe's cache Redis is disposable: bench runs it with no persistence (``save ""``,
``appendonly no``) and ``maxmemory-policy allkeys-lru``, so a restart, a deploy or plain
memory pressure drops any key. That is fine for what can be rebuilt on a miss (calendars,
practice lookups, memberships) and wrong for what a promise rests on. These live here:

- the access log's queue (``privacy/access_log.py``);
- one-time codes, their tries and holds, the send and request budgets and used form
  tokens (``booking/otp_store.py``, ``booking/guard.py``), each with its own expiry.

"Here" is the Redis named by the site config key ``medic_plus_redis`` (a URL), else
Frappe's queue Redis (``redis_queue``), which bench runs with snapshots and without
eviction. Keys carry the site's prefix. A client with short timeouts answers fast when the
server is down (``redis.exceptions.ConnectionError``), and reconnects by itself when it is
back; ``check()`` tells an operator whether the server evicts or keeps nothing on disk.
"""

from __future__ import annotations

import threading

import frappe
import redis

CONFIG_KEY = "medic_plus_redis"
TIMEOUT = 2.0  # seconds: a stuck server fails a request quickly rather than hanging it

_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def url() -> str:
	return frappe.conf.get(CONFIG_KEY) or frappe.conf.get("redis_queue") or "redis://127.0.0.1:11311"


def conn() -> redis.Redis:
	"""This process's client of the durable Redis (a pool, shared by its threads)."""
	if not frappe.conf.get(CONFIG_KEY) and frappe.conf.get("use_rq_auth"):
		from frappe.utils.background_jobs import get_redis_conn

		return get_redis_conn()  # the queue Redis with the bench's RQ credentials
	address = url()
	client = _clients.get(address)
	if client is None:
		with _lock:
			client = _clients.get(address) or redis.Redis.from_url(
				address,
				socket_timeout=TIMEOUT,
				socket_connect_timeout=TIMEOUT,
				health_check_interval=30,
			)
			_clients[address] = client
	return client


def key(name: str) -> str:
	"""``name`` with the site's prefix (sites share the queue Redis)."""
	return f"{frappe.conf.db_name}|{name}"


def run(script: str, keys: list[str], args: list) -> object:
	"""A Lua script over the site's ``keys``: one atomic step however many workers race it."""
	result = conn().eval(script, len(keys), *(key(k) for k in keys), *args)
	return result.decode() if isinstance(result, bytes) else result


def check() -> dict:
	"""How the durable Redis keeps what it holds: its eviction policy, memory cap and
	persistence, and whether that is safe (no eviction of keys that carry an expiry)."""
	client = conn()
	config = {}
	for name in ("maxmemory-policy", "maxmemory", "save", "appendonly"):
		try:
			config.update(client.config_get(name))
		except redis.exceptions.ResponseError:  # CONFIG may be renamed or refused
			pass
	config = {k: v.decode() if isinstance(v, bytes) else v for k, v in config.items()}
	policy = config.get("maxmemory-policy", "unknown")
	return {
		"url": url().split("@")[-1],  # without credentials
		**config,
		"evicts": policy not in ("noeviction", "unknown") and str(config.get("maxmemory", "0")) != "0",
		"persists": bool(config.get("save")) or config.get("appendonly") == "yes",
	}


def delete_keys(prefix: str) -> int:
	"""Remove the site's keys that start with ``prefix`` (tests, and an operator's reset)."""
	client = conn()
	names = list(client.scan_iter(match=key(prefix) + "*", count=1000))
	for start in range(0, len(names), 1000):
		client.delete(*names[start : start + 1000])
	return len(names)
