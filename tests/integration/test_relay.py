"""The relay on a real Kafka broker: every event, in order, at least once, from SQLite and
PostgreSQL, across a crash between publish and record, and across a broker outage.

Topics are shared by every test on the session broker, so each test tags its events with its
own correlation id and reads back only those.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiokafka import AIOKafkaConsumer

from adapters.eventstore.store import DeskStore
from adapters.kafka.relay import Relay, RelayMetrics, RelaySettings
from adapters.kafka.topics import DOMAIN_TOPICS, LOG_TOPIC
from devtools.kafka_jars import KafkaBrokerError, ensure_jars
from devtools.local_kafka import (
    ExternalKafka,
    LocalKafkaBroker,
    free_port,
)
from domain.aggregates import Account, Cause, InputStream, RiskGuard
from domain.events import BarClosed, Envelope, NewsArrived, Recorded
from tests.conftest import service_unavailable

# The first run may fetch the Kafka jars with Maven before the broker starts.
pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]

T0 = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
ConsumerRecord = Any  # aiokafka ships no type hints


# --- Arrange: events in the store ---------------------------------------------------------


def _store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> DeskStore:
    if backend == "sqlite":
        return DeskStore(f"sqlite:///{tmp_path / 'desk.db'}")
    return DeskStore(request.getfixturevalue("postgres_url"))


def _cause(correlation_id: str) -> Cause:
    return Cause(T0, T0, "operator:test", correlation_id)


def _commit_accounts(store: DeskStore, correlation_id: str, count: int, first: int = 0) -> int:
    """Open and fund `count` accounts (two events each), 100 accounts a commit."""
    cause = _cause(correlation_id)
    accounts = []
    for i in range(first, first + count):
        account = Account(f"account-a{i}")
        account.open(f"A{i}", cause)
        account.deposit(Decimal("1000.00"), "initial", cause)
        accounts.append(account)
    for start in range(0, len(accounts), 100):
        store.commit(*accounts[start : start + 100])
    return store.head()


def _commit_mixed(store: DeskStore, correlation_id: str) -> None:
    """A small log touching the accounts, market, news and risk topics."""
    cause = _cause(correlation_id)
    _commit_accounts(store, correlation_id, 3)
    bars = InputStream.at("bars-TCS", 1)
    for minute in range(3):
        start = T0 + timedelta(minutes=minute)
        bars.append(
            BarClosed(
                symbol="TCS", start=start, end=start + timedelta(minutes=1),
                open=Decimal("500"), high=Decimal("501"), low=Decimal("499"),
                close=Decimal("500.5"), volume=1000,
            ),
            cause,
        )
    news = InputStream.at("news-wire-1", 1)
    news.append(
        NewsArrived(
            source_id="wire-1", source="wire", published_at=T0, headline="TCS buyback",
            symbols=("TCS",), category="buyback",
        ),
        cause,
    )
    guard = RiskGuard("risk-desk")
    guard.trip("test", "daily_pnl", Decimal("-6000"), Decimal("-5000"), cause)
    store.commit(bars, news, guard)


def _commit_one(store: DeskStore, correlation_id: str, n: int) -> list[Recorded]:
    account = Account(f"account-push{n}")
    account.open(f"Push {n}", _cause(correlation_id))
    return store.commit(account)


# --- Kafka reading -------------------------------------------------------------------------


def _header(record: ConsumerRecord, name: str) -> str:
    value: bytes = dict(record.headers)[name]
    return value.decode()


def _position(record: ConsumerRecord) -> int:
    return int(_header(record, "notification_id"))


async def _read(
    bootstrap: str, topics: list[str], correlation_id: str, count: int, timeout: float = 60.0,
    enough: Callable[[list[ConsumerRecord]], bool] | None = None,
) -> list[ConsumerRecord]:
    """The records tagged `correlation_id` from the start of `topics`: the first `count`,
    or as many as it takes to be `enough`."""
    enough = enough or (lambda records: len(records) >= count)
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    mine: list[ConsumerRecord] = []
    try:
        async with asyncio.timeout(timeout):
            while not enough(mine):
                batches = await consumer.getmany(timeout_ms=200)
                for records in batches.values():
                    mine += [r for r in records if _header(r, "correlation_id") == correlation_id]
    except TimeoutError:
        raise AssertionError(f"read {len(mine)} of {count} records from {topics}") from None
    finally:
        await consumer.stop()
    return mine


async def _until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await asyncio.sleep(0.01)


async def _arrival(arrived: dict[int, float], position: int) -> float:
    """When `position` arrived, waiting up to 5 s for it."""
    await _until(lambda: position in arrived, timeout=5.0, what=f"position {position}")
    return arrived[position]


async def _run_once(store: DeskStore, bootstrap: str) -> tuple[int, RelayMetrics]:
    async with Relay(store, bootstrap) as relay:
        published = await relay.run_once()
        return published, relay.metrics


# --- The relay command in a subprocess -----------------------------------------------------


def _relay_command(url: str, bootstrap: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "cli", "relay", "--store", url, "--bootstrap", bootstrap,
            *args]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DESK_STORE", "KAFKA_BOOTSTRAP")}


def _relay_once(url: str, bootstrap: str, cwd: Path) -> dict[str, Any]:
    proc = subprocess.run(
        _relay_command(url, bootstrap, "--once", "--json"), cwd=cwd, env=_env(),
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


# --- Tests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_run_once_when_log_pending_then_every_event_on_its_topic_and_log_in_order(
    backend: str, kafka_broker: LocalKafkaBroker | ExternalKafka, tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    store = _store(backend, tmp_path, request)
    correlation_id = f"relay-{uuid.uuid4().hex}"
    _commit_mixed(store, correlation_id)
    stored = store.recorder.select_notifications(1, 100)

    published, metrics = asyncio.run(_run_once(store, kafka_broker.bootstrap))
    on_log = asyncio.run(_read(kafka_broker.bootstrap, [LOG_TOPIC], correlation_id, len(stored)))
    on_domain = asyncio.run(
        _read(kafka_broker.bootstrap, list(DOMAIN_TOPICS), correlation_id, len(stored))
    )

    assert published == len(stored) == 11
    assert metrics.position == store.head() == store.tracked("relay") and metrics.lag == 0
    assert [_position(r) for r in on_log] == [n.id for n in stored]
    assert [r.value for r in on_log] == [bytes(n.state) for n in stored]
    for record, notification in zip(on_log, stored, strict=True):
        event = Envelope.model_validate_json(notification.state)
        assert record.key == event.stream_id.encode()
        assert dict(record.headers) == {
            "notification_id": str(notification.id).encode(),
            "event_id": str(event.event_id).encode(),
            "event_type": event.type.encode(),
            "stream_id": event.stream_id.encode(),
            "stream_version": str(event.stream_version).encode(),
            "correlation_id": correlation_id.encode(),
        }
    by_position = {_position(r): r for r in on_domain}
    assert sorted(by_position) == [n.id for n in stored] and len(on_domain) == len(stored)
    assert {r.topic for r in on_domain} == {
        "desk.accounts", "desk.market", "desk.news", "desk.risk"
    }
    assert {
        (r.topic, r.key) for r in on_domain if r.topic in ("desk.market", "desk.risk")
    } == {("desk.market", b"TCS"), ("desk.risk", b"desk")}
    assert all(by_position[n.id].value == bytes(n.state) for n in stored)
    partitions: dict[tuple[str, int], list[int]] = defaultdict(list)
    for record in on_domain:
        partitions[(record.topic, record.partition)].append(_position(record))
    assert all(positions == sorted(positions) for positions in partitions.values())
    store.close()


def test_relay_when_killed_between_publish_and_record_then_restart_republishes_only_that_page(
    kafka_broker: LocalKafkaBroker | ExternalKafka, tmp_path: Path
) -> None:
    path = tmp_path / "desk.db"
    url, bootstrap = f"sqlite:///{path}", kafka_broker.bootstrap
    store = DeskStore(url)
    correlation_id = f"relay-{uuid.uuid4().hex}"
    _commit_accounts(store, correlation_id, 150)  # positions 1..300
    assert _relay_once(url, bootstrap, tmp_path)["position"] == 300
    _commit_accounts(store, correlation_id, 450, first=150)  # 301..1200: pages of 500, 400
    # Holding SQLite's write lock lets the relay publish its next page but not record it.
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    relay = subprocess.Popen(
        _relay_command(url, bootstrap), cwd=tmp_path, env=_env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        asyncio.run(_read(bootstrap, [LOG_TOPIC], correlation_id, 800))
        assert relay.poll() is None, "the relay should be waiting to record its page"
        relay.send_signal(signal.SIGKILL)
        relay.wait(timeout=10)
    finally:
        relay.kill()
        lock.rollback()
        lock.close()
    recorded_at_crash = store.tracked("relay")

    report = _relay_once(url, bootstrap, tmp_path)
    on_log = asyncio.run(_read(bootstrap, [LOG_TOPIC], correlation_id, 300 + 500 + 900))

    assert recorded_at_crash == 300
    assert report["published"] == 900
    assert report["position"] == report["head"] == store.head() == 1200 and report["lag"] == 0
    assert [_position(r) for r in on_log] == [*range(1, 801), *range(301, 1201)]
    store.close()


def test_relay_when_sigterm_then_it_exits_zero_with_everything_recorded(
    kafka_broker: LocalKafkaBroker | ExternalKafka, tmp_path: Path
) -> None:
    url, bootstrap = f"sqlite:///{tmp_path / 'desk.db'}", kafka_broker.bootstrap
    store = DeskStore(url)
    correlation_id = f"relay-{uuid.uuid4().hex}"
    head = _commit_accounts(store, correlation_id, 20)
    relay = subprocess.Popen(
        _relay_command(url, bootstrap, "--json"), cwd=tmp_path, env=_env(),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        asyncio.run(_read(bootstrap, [LOG_TOPIC], correlation_id, head))
        relay.send_signal(signal.SIGTERM)
        out, _ = relay.communicate(timeout=30)
    finally:
        relay.kill()

    assert relay.returncode == 0
    report = json.loads(out)
    assert report["published"] == report["position"] == report["head"] == head == 40
    assert store.tracked("relay") == head
    store.close()


@pytest.mark.postgres
def test_commit_when_relay_idle_on_postgres_then_event_reaches_kafka_well_before_the_poll(
    kafka_broker: LocalKafkaBroker | ExternalKafka, postgres_url: str
) -> None:
    store = DeskStore(postgres_url)
    correlation_id = f"relay-{uuid.uuid4().hex}"
    _commit_accounts(store, correlation_id, 2)
    bootstrap = kafka_broker.bootstrap

    async def scenario() -> tuple[list[float], bool]:
        relay = Relay(store, bootstrap, RelaySettings(fallback_poll=5.0))
        stop = asyncio.Event()
        running = asyncio.create_task(relay.run(stop))
        consumer = AIOKafkaConsumer(
            LOG_TOPIC, bootstrap_servers=bootstrap, group_id=None,
            auto_offset_reset="earliest", fetch_max_wait_ms=20,
        )
        await consumer.start()
        arrived: dict[int, float] = {}

        async def watch() -> None:
            while True:
                batches = await consumer.getmany(timeout_ms=50)
                now = time.monotonic()
                for records in batches.values():
                    for r in records:
                        if _header(r, "correlation_id") == correlation_id:
                            arrived.setdefault(_position(r), now)

        watcher = asyncio.create_task(watch())
        latencies: list[float] = []
        try:
            await _until(lambda: 4 in arrived and relay.listening, what="catch-up and LISTEN")
            listening = relay.listening
            for n in range(3):
                await asyncio.sleep(0.3)  # the relay is idle, its fallback poll 5 s away
                committed_at = time.monotonic()
                recorded = await asyncio.to_thread(_commit_one, store, correlation_id, n)
                latencies.append(await _arrival(arrived, recorded[0].position) - committed_at)
        finally:
            watcher.cancel()
            stop.set()
            await asyncio.gather(watcher, running, return_exceptions=True)
            await relay.close()
            await consumer.stop()
        return latencies, listening

    latencies, listening = asyncio.run(scenario())

    assert listening
    assert max(latencies) < 0.9, f"commit-to-Kafka latencies {latencies}"
    store.close()


def test_relay_when_broker_down_for_ten_seconds_then_every_event_arrives_after_it_returns(
    local_kafka_broker: LocalKafkaBroker, tmp_path: Path
) -> None:
    broker = local_kafka_broker
    store = DeskStore(f"sqlite:///{tmp_path / 'desk.db'}")
    correlation_id = f"relay-{uuid.uuid4().hex}"

    async def scenario() -> tuple[int, int, RelayMetrics]:
        relay = Relay(store, broker.bootstrap, RelaySettings(ack_wait_log=1.0))
        stop, committing = asyncio.Event(), asyncio.Event()
        running = asyncio.create_task(relay.run(stop))
        committing.set()

        async def commit_steadily() -> None:
            n = 0
            while committing.is_set():
                await asyncio.to_thread(_commit_accounts, store, correlation_id, 1, n)
                n += 1
                await asyncio.sleep(0.1)

        committer = asyncio.create_task(commit_steadily())
        await asyncio.sleep(1.0)
        await asyncio.to_thread(broker.stop)
        down_at = store.head()
        await asyncio.sleep(10.0)
        up_at = store.head()
        await asyncio.to_thread(broker.start)
        await asyncio.sleep(1.0)
        committing.clear()
        await committer
        head = store.head()
        await _until(lambda: relay.metrics.position == head, timeout=60.0, what="catch-up")
        stop.set()
        await running
        await relay.close()
        return down_at, up_at, relay.metrics

    with structlog.testing.capture_logs() as logs:
        down_at, up_at, metrics = asyncio.run(scenario())
    head = store.head()
    on_log = asyncio.run(
        _read(
            broker.bootstrap, [LOG_TOPIC], correlation_id, head,
            enough=lambda records: {_position(r) for r in records} >= set(range(1, head + 1)),
        )
    )
    first_seen = list(dict.fromkeys(_position(r) for r in on_log))

    assert up_at > down_at + 50, "events should have been committed while the broker was down"
    assert metrics.position == head == store.tracked("relay") and metrics.lag == 0
    assert first_seen == list(range(1, head + 1))
    assert {e["event"] for e in logs} & {
        "relay.waiting_for_acks", "relay.publish_failed", "relay.broker_unavailable"
    }
    store.close()


@pytest.fixture
def unstarted_kafka_broker(tmp_path: Path) -> Iterator[LocalKafkaBroker]:
    """A private local broker with its port chosen, not started yet (the test starts it)."""
    try:
        ensure_jars()
    except KafkaBrokerError as exc:
        service_unavailable(f"local Kafka broker cannot be started: {exc}")
    broker = LocalKafkaBroker(tmp_path / "kafka", port=free_port())
    yield broker
    broker.stop()


def test_relay_when_started_while_broker_down_then_publishes_everything_once_it_is_up(
    unstarted_kafka_broker: LocalKafkaBroker, tmp_path: Path
) -> None:
    broker = unstarted_kafka_broker
    store = DeskStore(f"sqlite:///{tmp_path / 'desk.db'}")
    correlation_id = f"relay-{uuid.uuid4().hex}"
    head = _commit_accounts(store, correlation_id, 10)

    async def scenario() -> tuple[int, RelayMetrics]:
        relay = Relay(store, broker.bootstrap)
        stop = asyncio.Event()
        running = asyncio.create_task(relay.run(stop))
        await asyncio.sleep(2.0)
        published_while_down = relay.metrics.published
        await asyncio.to_thread(broker.start)
        await _until(lambda: relay.metrics.position == head, timeout=60.0, what="catch-up")
        stop.set()
        await running
        await relay.close()
        return published_while_down, relay.metrics

    with structlog.testing.capture_logs() as logs:
        published_while_down, metrics = asyncio.run(scenario())
    on_log = asyncio.run(_read(broker.bootstrap, [LOG_TOPIC], correlation_id, head))

    assert published_while_down == 0
    assert sum(e["event"] == "relay.broker_unavailable" for e in logs) >= 2
    assert metrics.published == metrics.position == store.tracked("relay") == head
    assert [_position(r) for r in on_log] == list(range(1, head + 1))
    store.close()
