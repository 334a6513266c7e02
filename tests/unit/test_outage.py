"""Which errors are an outage (answered 503 with a retry hint), and which are not."""

import pytest

from medic_plus.core import outage


def _error(module: str, name: str, *args):
	cls = type(name, (Exception,), {"__module__": module})
	return cls(*args)


@pytest.mark.parametrize(
	"error, expected",
	[
		(
			_error("pymysql.err", "OperationalError", 2013, "Lost connection to MySQL server during query"),
			"database",
		),
		(_error("pymysql.err", "OperationalError", 2003, "Can't connect to MySQL server"), "database"),
		(_error("pymysql.err", "OperationalError", 2006, "MySQL server has gone away"), "database"),
		(_error("pymysql.err", "OperationalError", 1927, "Connection was killed"), "database"),
		(_error("pymysql.err", "InterfaceError", 0, ""), "database"),
		(_error("pymysql.err", "OperationalError", 1213, "Deadlock found"), "busy"),
		(_error("frappe.exceptions", "QueryDeadlockError"), "busy"),
		(_error("frappe.exceptions", "QueryTimeoutError"), "busy"),
		(_error("redis.exceptions", "ConnectionError", "Error 111 connecting"), "redis"),
		(_error("redis.exceptions", "TimeoutError", "Timeout reading from socket"), "redis"),
		(_error("redis.exceptions", "BusyLoadingError", "Redis is loading the dataset in memory"), "redis"),
	],
)
def test_an_outage_is_known_by_its_class_and_code(error, expected):
	assert outage.kind(error) == expected


@pytest.mark.parametrize(
	"error",
	[
		_error("pymysql.err", "OperationalError", 1054, "Unknown column 'x'"),
		_error("pymysql.err", "ProgrammingError", 1064, "syntax"),
		_error("redis.exceptions", "ResponseError", "WRONGTYPE"),
		_error("requests.exceptions", "ConnectionError", "the SMS gateway"),
		_error("frappe.exceptions", "ValidationError", "bad input"),
		ValueError("no"),
		None,
	],
)
def test_other_errors_are_not_an_outage(error):
	assert outage.kind(error) is None


def test_an_outage_behind_another_error_is_found():
	lost = _error("pymysql.err", "OperationalError", 2013, "Lost connection")
	try:
		try:
			raise lost
		except Exception as e:
			raise RuntimeError("while booking") from e
	except RuntimeError as wrapped:
		assert outage.kind(wrapped) == "database"
