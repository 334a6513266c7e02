"""Shared helpers of the benchmark scripts."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

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


def paired(first, second, runs: int) -> tuple[float, float]:
	"""Median seconds of ``first`` and of ``second``, called in turn ``runs`` times each
	after one warm-up call of each: a drift of the machine's speed touches both alike."""
	first(), second()
	samples: tuple[list[float], list[float]] = ([], [])
	for _ in range(runs):
		for fn, out in ((first, samples[0]), (second, samples[1])):
			start = time.perf_counter()
			fn()
			out.append(time.perf_counter() - start)
	return statistics.median(samples[0]), statistics.median(samples[1])


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


def on_site(
	description: str,
	runs: int,
	cleanup: Callable[[], None],
	run: Callable,
	options: Callable[[argparse.ArgumentParser], None] | None = None,
) -> None:
	"""The command line every benchmark takes (``--site``, ``--runs``, ``--cleanup``, and
	any ``options`` of its own): connects to the site as Administrator, then removes the
	benchmark's data or runs it."""
	parser = argparse.ArgumentParser(description=description.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--runs", type=int, default=runs)
	parser.add_argument("--cleanup", action="store_true")
	if options:
		options(parser)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		if args.cleanup:
			cleanup()
			print("benchmark data removed")
			return
		run(args)
	finally:
		frappe.destroy()
