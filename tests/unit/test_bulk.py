import json
import os
from datetime import datetime, timedelta, timezone

import pytest

from medic_plus.core import bulk

TYPES = ("Patient", "Practitioner", "Appointment", "Encounter")
ASYNC = "respond-async"


def test_a_kickoff_without_respond_async_is_refused():
	for prefer in (None, "", "return=minimal", "respond-sync"):
		with pytest.raises(bulk.BulkError) as e:
			bulk.kickoff({}, prefer, TYPES)
		assert e.value.status == 400 and "respond-async" in e.value.message


def test_respond_async_among_other_preferences():
	assert bulk.kickoff({}, "handling=lenient, Respond-Async", TYPES).types == TYPES


def test_no_type_exports_every_type_in_the_servers_order():
	assert bulk.kickoff({}, ASYNC, TYPES) == bulk.ExportRequest(TYPES, None)


def test_types_are_taken_from_every_value_deduplicated_in_the_servers_order():
	request = bulk.kickoff({"_type": ["Encounter,Patient", " Patient "]}, ASYNC, TYPES)
	assert request.types == ("Patient", "Encounter")


def test_an_unknown_type_is_refused_by_name():
	with pytest.raises(bulk.BulkError) as e:
		bulk.kickoff({"_type": ["Patient,Claim"]}, ASYNC, TYPES)
	assert e.value.status == 400 and e.value.code == "not-supported" and "Claim" in e.value.message


@pytest.mark.parametrize("fmt", ["application/fhir+ndjson", "application/ndjson", "ndjson"])
def test_the_ndjson_formats_are_accepted(fmt):
	assert bulk.kickoff({"_outputFormat": [fmt]}, ASYNC, TYPES).types == TYPES


def test_another_format_is_refused():
	with pytest.raises(bulk.BulkError) as e:
		bulk.kickoff({"_outputFormat": ["text/csv"]}, ASYNC, TYPES)
	assert e.value.code == "not-supported"


def test_an_unsupported_parameter_is_refused():
	for name in ("_typeFilter", "patient", "_elements", "includeAssociatedData"):
		with pytest.raises(bulk.BulkError) as e:
			bulk.kickoff({name: ["x"]}, ASYNC, TYPES)
		assert name in e.value.message


def test_since_is_an_instant_read_as_utc():
	request = bulk.kickoff({"_since": ["2026-03-01T10:00:00+02:00"]}, ASYNC, TYPES)
	assert request.since == datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
	assert bulk.instant("2026-03-01T08:00:00Z") == request.since
	assert bulk.instant("2026-03-01T08:00:00.123456789Z").microsecond == 123456


@pytest.mark.parametrize(
	"value", ["2026-03-01", "2026-03-01T10:00:00", "yesterday", "2026-13-01T00:00:00Z", ""]
)
def test_since_without_an_offset_or_not_a_time_is_refused(value):
	with pytest.raises(bulk.BulkError) as e:
		bulk.kickoff({"_since": [value]}, ASYNC, TYPES)
	assert e.value.status == 400


def test_since_twice_is_refused():
	with pytest.raises(bulk.BulkError):
		bulk.kickoff({"_since": ["2026-03-01T10:00:00Z", "2026-03-02T10:00:00Z"]}, ASYNC, TYPES)


def test_file_names_never_leave_the_export_folder():
	assert bulk.is_file_name("Patient-1.ndjson")
	assert bulk.is_file_name("documents/0a1b2c.pdf")
	for name in (
		"../Patient-1.ndjson",
		"Patient-1.ndjson/..",
		"/etc/passwd",
		"documents/../x.pdf",
		"patient-1.ndjson",
		"",
	):
		assert not bulk.is_file_name(name), name


def test_the_writer_splits_types_and_large_types_into_files_with_their_hashes(tmp_path):
	writer = bulk.NDJSONWriter(str(tmp_path), per_file=2)
	for i in range(5):
		writer.write("Patient", json.dumps({"resourceType": "Patient", "id": str(i)}))
	writer.write("Encounter", json.dumps({"resourceType": "Encounter", "id": "e"}))
	files = writer.close()
	assert [(f.type, f.name, f.count) for f in files] == [
		("Patient", "Patient-1.ndjson", 2),
		("Patient", "Patient-2.ndjson", 2),
		("Patient", "Patient-3.ndjson", 1),
		("Encounter", "Encounter-1.ndjson", 1),
	]
	for f in files:
		path = os.path.join(tmp_path, f.name)
		assert os.path.getsize(path) == f.size
		assert bulk.sha256_of(path) == f.sha256
		lines = open(path).read().splitlines()
		assert len(lines) == f.count and all(json.loads(line)["resourceType"] == f.type for line in lines)


def test_the_manifest_lists_each_file_with_its_url_and_count():
	files = [
		bulk.OutputFile("Patient", "Patient-1.ndjson", 3),
		bulk.OutputFile("Condition", "Condition-1.ndjson", 0),
	]
	body = bulk.manifest(
		datetime(2026, 12, 6, 12, 0, tzinfo=timezone(timedelta(hours=2))),
		"https://x/fhir/R4/Group/P1/$export",
		files,
		lambda name: f"https://x/files/{name}",
	)
	assert body == {
		"transactionTime": "2026-12-06T10:00:00Z",
		"request": "https://x/fhir/R4/Group/P1/$export",
		"requiresAccessToken": True,
		"output": [{"type": "Patient", "url": "https://x/files/Patient-1.ndjson", "count": 3}],
		"error": [],
	}


def test_progress_and_the_wait_it_suggests():
	assert bulk.progress(0, 0) == "Starting"
	assert bulk.progress(250, 1000) == "25% (250 of about 1000 resources)"
	assert bulk.progress(2000, 1000).startswith("99%")
	assert bulk.retry_after(0, 1000, 0) == 5
	assert bulk.retry_after(500, 1000, 10) == 5
	assert bulk.retry_after(1, 10**6, 10) == 60
	assert bulk.retry_after(10, 10, 3) == 2
