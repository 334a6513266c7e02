"""The FHIR Bulk Data Access IG (v2) ``$export``: what a kick-off asks for, the NDJSON
files an export writes and the manifest that lists them.

Pure: no Frappe import. The routes and the background job are ``fhir/bulk.py``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

NDJSON = "application/fhir+ndjson"
# the IG's abbreviations of NDJSON that a server must accept
OUTPUT_FORMATS = frozenset({NDJSON, "application/ndjson", "ndjson"})
PARAMETERS = frozenset({"_type", "_since", "_outputFormat"})
FILE_LINES = 50_000  # resources in one output file, at most
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
_FILE = re.compile(r"^(?:[A-Z][A-Za-z]{1,63}-\d{1,6}\.ndjson|documents/[0-9a-f]{1,64}\.[a-z0-9]{1,8})$")


class BulkError(ValueError):
	"""A kick-off the server refuses: the HTTP status and the OperationOutcome's code."""

	def __init__(self, status: int, code: str, message: str):
		super().__init__(message)
		self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class ExportRequest:
	types: tuple[str, ...]
	since: datetime | None = None  # aware, UTC


def kickoff(
	params: Mapping[str, Sequence[str]], prefer: str | None, supported: Sequence[str]
) -> ExportRequest:
	"""The export a kick-off asks for. ``params``: each query parameter with its values;
	``supported``: the resource types the server exports, in the order it writes them."""
	if "respond-async" not in {p.strip().lower() for p in (prefer or "").split(",")}:
		raise BulkError(400, "invalid", "A bulk export runs asynchronously: send 'Prefer: respond-async'.")
	unknown = sorted(set(params) - PARAMETERS)
	if unknown:
		raise BulkError(400, "not-supported", f"Unsupported parameter for $export: {', '.join(unknown)}")
	for fmt in params.get("_outputFormat") or ():
		if fmt.strip() not in OUTPUT_FORMATS:
			raise BulkError(400, "not-supported", f"Unsupported _outputFormat: {fmt} (use {NDJSON})")
	asked = [t.strip() for value in params.get("_type") or () for t in value.split(",") if t.strip()]
	strange = [t for t in asked if t not in supported]
	if strange:
		raise BulkError(
			400,
			"not-supported",
			f"Unsupported _type: {', '.join(strange)} (this server exports {', '.join(supported)})",
		)
	types = tuple(t for t in supported if t in asked) if asked else tuple(supported)
	since = None
	values = params.get("_since") or ()
	if len(values) > 1:
		raise BulkError(400, "invalid", "_since may be given once.")
	if values:
		since = instant(values[0])
	return ExportRequest(types, since)


def instant(value: str) -> datetime:
	"""A FHIR instant (a time with its offset) as an aware UTC datetime."""
	value = (value or "").strip()
	if not _INSTANT.match(value):
		raise BulkError(
			400, "invalid", f"_since must be an instant such as 2026-01-31T00:00:00Z, not {value!r}"
		)
	try:
		# Python 3.10 reads neither "Z" nor more than 6 digits of a fraction
		whole, _dot, rest = value.partition(".")
		if rest:
			digits = re.match(r"\d+", rest).group(0)
			value = f"{whole}.{digits[:6].ljust(6, '0')}{rest[len(digits):]}"
		return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
	except ValueError:
		raise BulkError(400, "invalid", f"Not a valid instant: {value!r}") from None


def is_file_name(name: str) -> bool:
	"""A name an export writes (and nothing that could leave its folder)."""
	return bool(_FILE.match(name or ""))


@dataclass
class OutputFile:
	type: str
	name: str
	count: int = 0
	size: int = 0
	sha256: str = ""


@dataclass
class NDJSONWriter:
	"""Writes each resource type's lines into ``<Type>-<n>.ndjson`` files in ``folder``,
	``per_file`` lines a file, keeping the count, size and SHA-256 of each; memory holds one
	line at a time."""

	folder: str
	per_file: int = FILE_LINES
	files: list[OutputFile] = field(default_factory=list)
	_handle: object = None
	_hash: object = None

	def write(self, rtype: str, line: str) -> None:
		current = self.files[-1] if self.files else None
		if current is None or current.type != rtype or current.count >= self.per_file or self._handle is None:
			self._roll(rtype)
			current = self.files[-1]
		data = line.encode() + b"\n"
		self._handle.write(data)
		self._hash.update(data)
		current.count += 1
		current.size += len(data)

	def _roll(self, rtype: str) -> None:
		self._close()
		part = 1 + sum(1 for f in self.files if f.type == rtype)
		self.files.append(OutputFile(rtype, f"{rtype}-{part}.ndjson"))
		self._handle = open(os.path.join(self.folder, self.files[-1].name), "wb")
		self._hash = hashlib.sha256()

	def _close(self) -> None:
		if self._handle is not None:
			self._handle.close()
			self.files[-1].sha256 = self._hash.hexdigest()
			self._handle = self._hash = None

	def close(self) -> list[OutputFile]:
		self._close()
		return self.files


def sha256_of(path: str) -> str:
	digest = hashlib.sha256()
	with open(path, "rb") as handle:
		for block in iter(lambda: handle.read(1 << 20), b""):
			digest.update(block)
	return digest.hexdigest()


def manifest(
	transaction_time: datetime,
	request_url: str,
	files: Iterable[OutputFile],
	url_of: Callable[[str], str],
	errors: Iterable[OutputFile] = (),
) -> dict:
	"""The complete-status body: every output file with its URL and count, in the order
	written."""
	return {
		"transactionTime": transaction_time.astimezone(timezone.utc)
		.isoformat(timespec="seconds")
		.replace("+00:00", "Z"),
		"request": request_url,
		"requiresAccessToken": True,
		"output": [{"type": f.type, "url": url_of(f.name), "count": f.count} for f in files if f.count],
		"error": [
			{"type": "OperationOutcome", "url": url_of(f.name), "count": f.count} for f in errors if f.count
		],
	}


def progress(done: int, total: int) -> str:
	"""The X-Progress header of a running export."""
	if total <= 0:
		return "Starting"
	share = min(99, int(100 * done / total))
	return f"{share}% ({done} of about {total} resources)"


def retry_after(done: int, total: int, seconds_running: float) -> int:
	"""Seconds a client should wait before asking again: the time left at the pace so far,
	between 2 and 60."""
	if done <= 0 or seconds_running <= 0 or total <= done:
		return 2 if total <= done and done else 5
	left = (total - done) * seconds_running / done
	return max(2, min(60, int(left / 2)))
