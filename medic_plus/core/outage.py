"""Which errors are an outage of a server the app depends on, not a fault of the request.

Pure: no Frappe import. A request that meets one is answered 503 with a retry hint (never
a 500 or a traceback): the database server restarting or gone (pymysql's connection
errors), a Redis server down, loading its snapshot or too slow, or the database giving
way to a parallel transaction more often than a request retries.
"""

from __future__ import annotations

DATABASE = "database"
REDIS = "redis"
BUSY = "busy"

# MySQL/MariaDB client and server error numbers of a connection that is gone or refused
LOST_CONNECTION = frozenset(
	{
		0,  # pymysql: the connection was already closed
		1053,  # server shutdown in progress
		1077,  # normal shutdown
		1927,  # connection was killed
		2002,  # can't connect through socket
		2003,  # can't connect to server
		2006,  # server has gone away
		2013,  # lost connection during query
		2014,  # commands out of sync (a half-read answer of a lost connection)
		2055,  # lost connection at handshake
	}
)
# Frappe's names for a deadlock and a lock wait timeout, and pymysql's for both
BUSY_ERRORS = frozenset({"QueryDeadlockError", "QueryTimeoutError"})
BUSY_CODES = frozenset({1205, 1213})
REDIS_ERRORS = frozenset({"ConnectionError", "TimeoutError", "BusyLoadingError"})


def _chain(exc: BaseException | None):
	seen = set()
	while exc is not None and id(exc) not in seen:
		seen.add(id(exc))
		yield exc
		exc = exc.__cause__ or exc.__context__


def _code(exc: BaseException) -> int | None:
	args = getattr(exc, "args", ())
	return args[0] if args and isinstance(args[0], int) else None


def kind(exc: BaseException | None) -> str | None:
	"""DATABASE, REDIS or BUSY when ``exc`` (or what caused it) is an outage, else None."""
	for e in _chain(exc):
		module = type(e).__module__ or ""
		name = type(e).__name__
		if module.startswith("redis") and name in REDIS_ERRORS:
			return REDIS
		if name in BUSY_ERRORS:
			return BUSY
		if module.startswith("pymysql"):
			if name == "InterfaceError":
				return DATABASE
			if name in ("OperationalError", "InternalError"):
				if _code(e) in LOST_CONNECTION:
					return DATABASE
				if _code(e) in BUSY_CODES:
					return BUSY
	return None
