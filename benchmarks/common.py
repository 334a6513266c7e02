"""Shared helpers of the benchmark scripts."""

from __future__ import annotations

import statistics
import time

import frappe


def timed(fn, runs: int) -> float:
	"""Median seconds of ``runs`` calls of ``fn``, after one warm-up call."""
	fn()
	samples = []
	for _ in range(runs):
		start = time.perf_counter()
		fn()
		samples.append(time.perf_counter() - start)
	return statistics.median(samples)


class QueryCounter:
	"""How many SQL statements run inside the ``with`` block."""

	def __enter__(self):
		self.count = 0
		self._orig = frappe.db.__class__.sql
		counter = self

		def sql(db, *args, **kwargs):
			counter.count += 1
			return counter._orig(db, *args, **kwargs)

		frappe.db.__class__.sql = sql
		return self

	def __exit__(self, *exc):
		frappe.db.__class__.sql = self._orig
