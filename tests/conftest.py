"""Shared fixtures for real local services: PostgreSQL and Kafka.

A service that cannot be started skips the test locally but fails it when ``CI=true``.
Env overrides: ``DESK_TEST_POSTGRES_URL`` (use that server), ``KAFKA_BOOTSTRAP`` (use
that broker).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest

from devtools.local_kafka import ExternalKafka, KafkaBrokerError, LocalKafkaBroker
from devtools.local_postgres import ExternalPostgres, LocalPostgres, PostgresError


def service_unavailable(reason: str) -> NoReturn:
    """Fail in CI (a missing service must never pass silently there), else skip."""
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"service unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


# --- PostgreSQL -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres | ExternalPostgres]:
    """A running server: ``DESK_TEST_POSTGRES_URL`` if set, else a LocalPostgres."""
    external = os.environ.get("DESK_TEST_POSTGRES_URL")
    if external:
        server: LocalPostgres | ExternalPostgres = ExternalPostgres(external)
        data_dir = None
    else:
        # Not pytest's tmp_path: under root it sits in a 0700 dir the postgres user can't enter.
        data_dir = tempfile.mkdtemp(prefix="desk-pg-")
        try:
            server = LocalPostgres(data_dir)
        except PostgresError as exc:
            shutil.rmtree(data_dir, ignore_errors=True)
            service_unavailable(str(exc))
    try:
        server.start()
    except Exception as exc:  # any start failure means "no server" for the tests
        with contextlib.suppress(Exception):
            server.stop()
        if data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
        service_unavailable(f"PostgreSQL could not be started: {exc}")
    yield server
    server.stop()
    if data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: LocalPostgres | ExternalPostgres) -> Iterator[str]:
    """URL of a fresh, empty database, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)


# --- Kafka ------------------------------------------------------------------------------


def _docker_engine_answers() -> bool:
    """Return True if a Docker engine answers ``/_ping`` (a docker CLI alone is not enough)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    parts = urlsplit(host)
    try:
        if parts.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(2)
            sock.connect(parts.path)
        elif parts.scheme == "tcp" and parts.hostname:
            sock = socket.create_connection((parts.hostname, parts.port or 2375), timeout=2)
        else:
            return False
        with sock:
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            return b" 200 " in sock.recv(1024)
    except OSError:
        return False


def _start_testcontainers_kafka() -> Any | None:
    """Start a KRaft Kafka container if testcontainers is installed, else None."""
    try:
        from testcontainers.kafka import KafkaContainer  # type: ignore[import-not-found]
    except ImportError:
        return None
    container = KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft()
    # testcontainers leaves these at 3, which a single broker cannot satisfy.
    container.with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
    container.with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
    container.start()
    return container


def _start_local_broker(data_dir: Path) -> LocalKafkaBroker:
    """Start a LocalKafkaBroker from the cached jars, or skip/fail with the reason."""
    broker = LocalKafkaBroker(data_dir)
    try:
        broker.start()
    except (KafkaBrokerError, OSError) as exc:
        broker.kill()
        service_unavailable(f"local Kafka broker could not be started: {exc}")
    return broker


@pytest.fixture(scope="session")
def kafka_broker(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalKafkaBroker | ExternalKafka]:
    """A broker exposing ``.bootstrap``: KAFKA_BOOTSTRAP, else Docker, else local jars."""
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP")
    if bootstrap:
        yield ExternalKafka(bootstrap)
        return
    if _docker_engine_answers():
        container = _start_testcontainers_kafka()
        if container is not None:
            yield ExternalKafka(container.get_bootstrap_server())
            container.stop()
            return
    broker = _start_local_broker(tmp_path_factory.mktemp("kafka"))
    yield broker
    broker.stop()


@pytest.fixture
def local_kafka_broker(tmp_path: Path) -> Iterator[LocalKafkaBroker]:
    """A private local broker from jars, for tests that kill or restart it."""
    broker = _start_local_broker(tmp_path / "kafka")
    yield broker
    broker.stop()
