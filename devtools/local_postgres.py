"""A throwaway local PostgreSQL server (initdb + pg_ctl) for tests and the CLI.

Tests use the server at env ``DESK_TEST_POSTGRES_URL`` instead when it is set (see
``ExternalPostgres``); it must name a role allowed to ``CREATE DATABASE``.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from devtools.service import free_port, log_tail

PG_LIB_ROOT = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"
# Unix socket paths are limited to 107 bytes (sun_path); leave room for ".s.PGSQL.NNNNN".
_MAX_SOCKET_DIR = 90
_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class PostgresError(RuntimeError):
    """Raised when the local server cannot be set up, started or stopped."""


def find_pg_bin_dir() -> Path:
    """Return the newest ``/usr/lib/postgresql/<ver>/bin`` with initdb, else PATH's dir."""
    candidates = [p.parent for p in PG_LIB_ROOT.glob("*/bin/initdb")]
    if candidates:
        return max(candidates, key=lambda p: _version_key(p.parent.name))
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    raise PostgresError(
        "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb and no "
        "initdb/pg_ctl on PATH); run scripts/install-system-deps.sh"
    )


def _version_key(name: str) -> tuple[int, ...]:
    """Sort "9.6" < "15" < "16" numerically."""
    return tuple(int(part) for part in re.findall(r"\d+", name)) or (0,)


def with_database(url: str, dbname: str) -> str:
    """Return ``url`` pointing at database ``dbname`` instead."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", parts.query, parts.fragment))


def create_database(admin_url: str, name: str) -> str:
    """Create database ``name`` via ``admin_url`` and return a URL for it."""
    if not _DB_NAME.match(name):
        raise ValueError(f"invalid database name: {name!r}")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, disconnecting its sessions (PG 13+)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@dataclass
class ExternalPostgres:
    """An already running server (e.g. ``DESK_TEST_POSTGRES_URL``); start/stop do nothing."""

    url: str

    def start(self, timeout: float = 30.0) -> None:
        """Check that the server answers."""
        with psycopg.connect(self.url, connect_timeout=max(1, int(timeout))) as conn:
            conn.execute("select 1")

    def stop(self) -> None:
        """Leave the external server running."""

    def create_database(self, name: str) -> str:
        """Create a database and return its URL."""
        return create_database(self.url, name)

    def drop_database(self, name: str) -> None:
        """Drop a database created by ``create_database``."""
        drop_database(self.url, name)


class LocalPostgres:
    """A PostgreSQL server owned by this process, living entirely in ``data_dir``.

    Layout: ``pgdata/`` (the cluster, also the unix socket dir) and ``postgres.log``.
    As root the server runs as the ``postgres`` system user (created if missing), since
    PostgreSQL refuses to run as root; ``data_dir``'s parents must then be traversable by
    that user (``tempfile.mkdtemp()`` is, pytest's ``tmp_path`` under root is not).
    """

    def __init__(
        self,
        data_dir: Path | str,
        port: int | None = None,
        user: str = "desk",
        password: str = "desk",
        dbname: str = "desk",
        durable: bool = False,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.pgdata = self.data_dir / "pgdata"
        self.log_path = self.data_dir / "postgres.log"
        self.port = port
        self.user = user
        self.password = password
        self.dbname = dbname
        self.durable = durable
        self._bin = find_pg_bin_dir()
        self._as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        """URL of the main database; valid once ``start()`` has chosen a port."""
        if self.port is None:
            raise PostgresError("LocalPostgres has no port yet: call start() first")
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.dbname}"

    def start(self, timeout: float = 60.0) -> None:
        """Init the cluster if needed, start it, and return once psycopg can connect."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._as_root:
            self._prepare_for_service_user()
        fresh = not (self.pgdata / "PG_VERSION").exists()
        if fresh:
            self._initdb()
        running_port = self._running_port()
        if running_port is not None:  # started earlier (maybe by another process): reuse it
            self.port = running_port
        else:
            if self.port is None:
                self.port = free_port()
            self._pg_ctl_start(timeout)
        self._wait_ready(timeout)
        if fresh:
            with psycopg.connect(with_database(self.url, "postgres"), autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.dbname)))

    def stop(self) -> None:
        """Stop the server with ``pg_ctl stop -m fast``; no-op when it is not running."""
        if not (self.pgdata / "postmaster.pid").exists():
            return
        result = self._run(
            [str(self._bin / "pg_ctl"), "stop", "-D", str(self.pgdata), "-m", "fast", "-w"],
            check=False,
        )
        if result.returncode != 0 and (self.pgdata / "postmaster.pid").exists():
            raise PostgresError(f"pg_ctl stop failed:\n{result.stdout}\n{log_tail(self.log_path)}")

    def create_database(self, name: str) -> str:
        """Create a database on this server and return its URL."""
        return create_database(self.url, name)

    def drop_database(self, name: str) -> None:
        """Drop a database created by ``create_database``."""
        drop_database(self.url, name)

    def _running_port(self) -> int | None:
        """Return the port of a live server on this cluster, read from postmaster.pid."""
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return None
        status = self._run([str(self._bin / "pg_ctl"), "status", "-D", str(self.pgdata)], False)
        if status.returncode != 0:
            return None
        # postmaster.pid line 4 is the port (see PostgreSQL's pidfile.h).
        lines = pid_file.read_text().splitlines()
        return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None

    def _prepare_for_service_user(self) -> None:
        """Ensure the ``postgres`` user exists and owns ``data_dir``."""
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    SERVICE_USER,
                ],
                check=True,
            )
        self._run(["chown", "-R", f"{SERVICE_USER}:", str(self.data_dir)], as_service=False)
        probe = self._run(["test", "-w", str(self.data_dir)], check=False)
        if probe.returncode != 0:
            raise PostgresError(
                f"user {SERVICE_USER!r} cannot reach {self.data_dir} (a parent dir is not "
                "traversable); use a data dir under e.g. tempfile.mkdtemp()"
            )

    def _initdb(self) -> None:
        """Create the cluster with a password-protected superuser ``self.user``."""
        fd, pwfile = tempfile.mkstemp(prefix="desk-pgpw-")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(self.password + "\n")
            if self._as_root:
                shutil.chown(pwfile, SERVICE_USER)
            self._run(
                [
                    str(self._bin / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    self.user,
                    f"--pwfile={pwfile}",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--no-locale",
                    "--no-sync",
                ]
            )
        finally:
            os.unlink(pwfile)

    def _pg_ctl_start(self, timeout: float) -> None:
        """Start the postmaster on 127.0.0.1:port, socket inside the cluster dir."""
        socket_dir = str(self.pgdata) if len(str(self.pgdata)) <= _MAX_SOCKET_DIR else ""
        opts = [f"-p {self.port}", "-h 127.0.0.1", f"-k '{socket_dir}'"]
        if not self.durable:
            # Test data is disposable: skipping fsync makes DDL-heavy tests much faster.
            opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        result = self._run(
            [
                str(self._bin / "pg_ctl"),
                "start",
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log_path),
                "-w",
                "-t",
                str(max(1, int(timeout))),
                "-o",
                " ".join(opts),
            ],
            check=False,
        )
        if result.returncode != 0:
            raise PostgresError(
                f"pg_ctl start failed (exit {result.returncode}):\n{result.stdout}\n"
                f"--- {self.log_path} ---\n{log_tail(self.log_path)}"
            )

    def _wait_ready(self, timeout: float) -> None:
        """Poll until a psycopg connection succeeds or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        admin_url = with_database(self.url, "postgres")
        while True:
            try:
                with psycopg.connect(admin_url, connect_timeout=2) as conn:
                    conn.execute("select 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PostgresError(
                        f"PostgreSQL on port {self.port} not reachable after {timeout:.0f}s: "
                        f"{exc}\n--- {self.log_path} ---\n{log_tail(self.log_path)}"
                    ) from exc
                time.sleep(0.2)

    def _run(
        self, cmd: list[str], check: bool = True, as_service: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a command, as the ``postgres`` user when we are root."""
        if self._as_root and as_service:
            cmd = ["runuser", "-u", SERVICE_USER, "--", *cmd]
        # cwd must be readable by the service user, else initdb/pg_ctl warn about getcwd.
        result = subprocess.run(
            cmd,
            cwd=self.data_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        if check and result.returncode != 0:
            raise PostgresError(
                f"{' '.join(cmd)} failed (exit {result.returncode}):\n{result.stdout}"
            )
        return result
