"""A real MariaDB replica of the bench's server, for the replica tests (tests/replica.py).

``Replica()`` as a context manager:

1. makes sure the bench's server writes a binary log (if it does not, it is restarted once
   with ``--log-bin --server-id=1 --binlog-format=ROW``, as the fault tests restart it);
2. starts a second ``mariadbd`` on 127.0.0.1:3307 with a data directory of its own under
   /tmp, ``--read-only`` and ``--server-id=2``;
3. copies the site's database into it (``mariadb-dump --master-data``, so the copy knows the
   binary log position it was taken at), and starts replicating from that position;
4. gives the site's database user the same password on the replica, without the right to
   write past ``read_only``.

``pause()`` stops applying what the primary writes (a replica that lags), ``resume()``
catches up, ``caught_up()`` waits until the replica has applied everything. On exit the
replica is stopped and its directory removed; the primary keeps its binary log.

Needs root on the machine (the bench's server is started as in ``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import frappe

PORT = 3307
REPLICATION_USER, REPLICATION_PASSWORD = "medic_plus_repl", "medic-plus-repl"


def _mysql(sql: str, socket: str | None = None, timeout: int = 60) -> str:
	command = ["mariadb", "-uroot", "-N", "-B", "-e", sql]
	if socket:
		command[1:1] = ["-S", socket]
	return subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout).stdout


def _wait(check, seconds: float, what: str) -> None:
	deadline = time.monotonic() + seconds
	while time.monotonic() < deadline:
		if check():
			return
		time.sleep(0.2)
	raise RuntimeError(f"gave up waiting for {what}")


def _alive(socket: str | None = None) -> bool:
	command = ["mysqladmin", "-uroot", "ping"] + (["-S", socket] if socket else [])
	return subprocess.run(command, capture_output=True).returncode == 0


def ensure_binary_log() -> bool:
	"""The primary writes a binary log; returns whether it had to be restarted for it."""
	if _mysql("select @@log_bin").strip() == "1":
		return False
	subprocess.run(["mysqladmin", "-uroot", "shutdown"], check=True, timeout=120)
	_wait(lambda: not _alive(), 60, "the primary to stop")
	os.makedirs("/run/mysqld", exist_ok=True)
	shutil.chown("/run/mysqld", "mysql", "mysql")
	subprocess.run(
		[
			"start-stop-daemon",
			"--start",
			"--oknodo",
			"--background",
			"--exec",
			"/usr/sbin/mariadbd",
			"--",
			"--log-bin=mysql-bin",
			"--server-id=1",
			"--binlog-format=ROW",
		],
		check=True,
	)
	_wait(_alive, 60, "the primary to start with its binary log")
	# this process's connection went with the old server
	frappe.db.close()
	frappe.db.connect()
	return True


class Replica:
	def __init__(self, port: int = PORT):
		self.port = port
		self.dir = tempfile.mkdtemp(prefix="medic-plus-replica-")
		self.data = os.path.join(self.dir, "data")
		self.socket = os.path.join(self.dir, "mysqld.sock")
		self.process: subprocess.Popen | None = None
		self.restarted_primary = False
		self.copy_seconds = 0.0

	# --- lifecycle ------------------------------------------------------------------------

	def __enter__(self) -> Replica:
		try:
			self.restarted_primary = ensure_binary_log()
			self._start()
			self._copy_and_follow()
		except BaseException:
			self.__exit__(None, None, None)
			raise
		return self

	def __exit__(self, *exc) -> None:
		if self.process and self.process.poll() is None:
			subprocess.run(["mysqladmin", "-uroot", "-S", self.socket, "shutdown"], capture_output=True)
			try:
				self.process.wait(timeout=60)
			except subprocess.TimeoutExpired:
				self.process.kill()
		shutil.rmtree(self.dir, ignore_errors=True)

	def _start(self) -> None:
		os.makedirs(self.data)
		shutil.chown(self.dir, "mysql", "mysql")
		shutil.chown(self.data, "mysql", "mysql")
		subprocess.run(
			[
				"mariadb-install-db",
				"--user=mysql",
				f"--datadir={self.data}",
				"--skip-test-db",
				"--auth-root-authentication-method=socket",
			],
			check=True,
			capture_output=True,
			timeout=180,
		)
		self.process = subprocess.Popen(
			[
				"/usr/sbin/mariadbd",
				"--no-defaults",
				"--user=mysql",
				f"--datadir={self.data}",
				f"--socket={self.socket}",
				f"--pid-file={os.path.join(self.dir, 'mysqld.pid')}",
				"--bind-address=127.0.0.1",
				f"--port={self.port}",
				"--server-id=2",
				"--read-only=ON",
				"--skip-log-bin",
				"--character-set-server=utf8mb4",
				"--collation-server=utf8mb4_unicode_ci",
				"--innodb-buffer-pool-size=256M",
				"--skip-name-resolve",
			],
			stdout=subprocess.DEVNULL,
			stderr=open(os.path.join(self.dir, "error.log"), "w"),
		)
		_wait(lambda: _alive(self.socket), 60, "the replica to start")

	def _copy_and_follow(self) -> None:
		conf = frappe.conf
		db, password = conf.db_name, conf.db_password
		_mysql(
			f"create user if not exists '{REPLICATION_USER}'@'127.0.0.1' identified by '{REPLICATION_PASSWORD}';"
			f"grant replication slave on *.* to '{REPLICATION_USER}'@'127.0.0.1';"
		)
		_mysql(
			f"change master to master_host='127.0.0.1', master_port=3306, "
			f"master_user='{REPLICATION_USER}', master_password='{REPLICATION_PASSWORD}';",
			socket=self.socket,
		)
		started = time.monotonic()
		dump = subprocess.Popen(
			[
				"mariadb-dump",
				"-uroot",
				"--single-transaction",
				"--master-data=1",
				"--routines",
				"--databases",
				db,
			],
			stdout=subprocess.PIPE,
		)
		subprocess.run(["mariadb", "-uroot", "-S", self.socket], stdin=dump.stdout, check=True, timeout=900)
		if dump.wait(timeout=60):
			raise RuntimeError("mariadb-dump failed")
		self.copy_seconds = time.monotonic() - started
		# the dump names the primary's binary log position it was taken at (it keeps the
		# primary named here before; naming the primary after it would forget the position)
		_mysql(
			f"create user if not exists '{db}'@'%' identified by '{password}';"
			f"grant all privileges on `{db}`.* to '{db}'@'%';"
			"start slave;",
			socket=self.socket,
		)
		_wait(self.running, 60, "replication to start")
		self.caught_up()

	# --- what the tests do with it ------------------------------------------------------------

	def status(self) -> dict[str, str]:
		out = subprocess.run(
			["mariadb", "-uroot", "-S", self.socket, "-e", "show slave status\\G"],
			check=True,
			capture_output=True,
			text=True,
		).stdout
		rows = (line.partition(":") for line in out.splitlines() if ":" in line)
		return {key.strip(): value.strip() for key, _colon, value in rows}

	def running(self) -> bool:
		status = self.status()
		return status.get("Slave_IO_Running") == "Yes" and status.get("Slave_SQL_Running") == "Yes"

	def caught_up(self, seconds: float = 60) -> None:
		"""Wait until the replica has applied everything the primary has written so far."""
		position = _mysql("show master status").split()
		target = (position[0], int(position[1]))

		def applied():
			status = self.status()
			return (
				status.get("Relay_Master_Log_File"),
				int(status.get("Exec_Master_Log_Pos") or 0),
			) >= target

		_wait(applied, seconds, "the replica to catch up")

	def pause(self) -> None:
		_mysql("stop slave sql_thread", socket=self.socket)

	def resume(self) -> None:
		_mysql("start slave sql_thread", socket=self.socket)
		self.caught_up()

	def site_config(self) -> dict:
		"""What a site sets to read from this replica (Frappe's ``read_from_replica``)."""
		return {"read_from_replica": 1, "replica_host": "127.0.0.1", "replica_db_port": self.port}
