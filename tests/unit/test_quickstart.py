"""scripts/quickstart --check: each missing prerequisite of Frappe v15 is named, with how
to get it, and the script stops before making anything (exit code 2)."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "quickstart"
TOOLS = ("grep", "sort", "head", "awk", "dirname", "cat", "ls")

VERSIONS = {
	"python3.11": "Python 3.11.7",
	"node": "v20.11.1",
	"yarn": "1.22.22",
	"git": "git version 2.39.5",
	"mariadb": "mariadb  Ver 15.1 Distrib 10.11.19-MariaDB",
	"redis-server": "Redis server v=7.0.15",
	"wkhtmltopdf": "wkhtmltopdf 0.12.6",
	"bench": "5.29.1",
}


def stub_path(tmp_path: Path, **versions: str | None) -> Path:
	"""A PATH holding the shell tools the script uses and a stub of each program, printing
	``versions`` (None: the program is missing)."""
	folder = tmp_path / "bin"
	folder.mkdir()
	for tool in TOOLS:
		(folder / tool).symlink_to(shutil.which(tool))
	for name, version in {**VERSIONS, **versions}.items():
		if version is None:
			continue
		stub = folder / name
		stub.write_text(f'#!/bin/sh\necho "{version}"\nexit 0\n')
		stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
	return folder


def closed_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def check(tmp_path: Path, path: Path, *args: str) -> subprocess.CompletedProcess:
	return subprocess.run(
		[shutil.which("bash"), str(SCRIPT), "--check", "--dir", str(tmp_path / "bench"), *args],
		env={"PATH": str(path), "HOME": str(tmp_path)},
		capture_output=True,
		text=True,
		timeout=60,
	)


@pytest.fixture
def mariadb():
	"""Something listening where MariaDB would."""
	with socket.socket() as server:
		server.bind(("127.0.0.1", 0))
		server.listen()
		yield server.getsockname()[1]


def test_everything_there(tmp_path, mariadb):
	answer = check(tmp_path, stub_path(tmp_path), "--db-port", str(mariadb))
	assert answer.returncode == 0, answer.stdout + answer.stderr
	assert "prerequisites: all there (Python 3.11.7, Node 20.11.1)" in answer.stdout
	assert not (tmp_path / "bench").exists()


def test_each_missing_piece_is_named_with_how_to_get_it(tmp_path, mariadb):
	path = stub_path(tmp_path, **{"wkhtmltopdf": None, "redis-server": None, "yarn": None, "bench": None})
	answer = check(tmp_path, path, "--db-port", str(mariadb))
	assert answer.returncode == 2
	out = answer.stdout
	assert "Missing before a Frappe v15 bench can be made:" in out
	assert "wkhtmltopdf 0.12.6 (PDF prints)" in out and "sudo apt install wkhtmltopdf" in out
	assert "Redis (redis-server)" in out and "sudo apt install redis-server" in out
	assert "yarn" in out and "npm install -g yarn" in out
	assert "the bench CLI" in out and "pip install frappe-bench" in out
	assert "MariaDB" not in out and "Node" not in out
	assert not (tmp_path / "bench").exists()


def test_no_database_or_redis_on_their_ports(tmp_path):
	db, redis = closed_port(), closed_port()
	answer = check(tmp_path, stub_path(tmp_path), "--db-port", str(db), "--redis-port", str(redis))
	assert answer.returncode == 2
	assert f"a MariaDB server on 127.0.0.1:{db}" in answer.stdout
	assert f"a Redis server on 127.0.0.1:{redis}" in answer.stdout


def test_versions_frappe_does_not_run_on(tmp_path, mariadb):
	path = stub_path(tmp_path, node="v16.20.2", **{"python3.11": None, "python3": "Python 3.13.1"})
	answer = check(tmp_path, path, "--db-port", str(mariadb))
	assert answer.returncode == 2
	assert "Node.js 18 or 20 (found 16.20.2)" in answer.stdout
	assert "Python 3.10 to 3.12 (found 3.13.1" in answer.stdout


def test_an_unknown_option_is_refused(tmp_path):
	answer = check(tmp_path, stub_path(tmp_path), "--frobnicate")
	assert answer.returncode == 2
	assert "Unknown option: --frobnicate" in answer.stderr


@pytest.mark.skipif(os.name != "posix", reason="a POSIX shell script")
def test_help_lists_every_source_option(tmp_path):
	answer = subprocess.run([shutil.which("bash"), str(SCRIPT), "--help"], capture_output=True, text=True)
	for option in (
		"--frappe-path",
		"--erpnext",
		"--healthcare",
		"--medic-plus",
		"--db-root-password",
		"--site",
	):
		assert option in answer.stdout
