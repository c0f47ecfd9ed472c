"""The relay (transactional outbox): the event log, in order, onto Kafka, at least once.

A page of the log is sent to each event's domain topic and to `desk.log`; only when every
send is acknowledged (idempotent producer, acks=all) is the page's last position recorded.
A crash in between republishes that page on restart, so consumers dedupe on
`(stream_id, stream_version)`. It never skips an event: a broker or store outage is retried
with backoff until it ends. On PostgreSQL the relay wakes on the recorder's NOTIFY (with a
slow poll as a fallback); on SQLite it polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlparse

import psycopg
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from eventsourcing.persistence import IntegrityError, Notification, PersistenceError, Tracking
from psycopg import sql

from adapters.eventstore.recorders import ChainedPostgresRecorder
from adapters.eventstore.store import DeskStore
from adapters.eventstore.url import redact
from adapters.kafka.admin import ensure_topics
from adapters.kafka.topics import (
    DEADLETTER_TOPIC,
    DEFAULT_NAMESPACE,
    LOG_TOPIC,
    UnroutableEvent,
    headers_for,
    in_namespace,
    key_for,
    log_key_for,
    topic_for,
)
from devtools.local_kafka import DEFAULT_PARTITIONS
from domain.events import Envelope

log = structlog.get_logger("eventdesk.relay")

RELAY_NAME = "relay"
MAX_PAGE = 500
_TOPIC_ALREADY_EXISTS = 36  # Kafka protocol error code
_MAX_BACKOFF = 10.0
T = TypeVar("T")


@dataclass(frozen=True)
class Message:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True)
class Entry:
    """One log position and the messages that carry its event."""

    position: int
    correlation_id: str
    messages: tuple[Message, ...]


@dataclass(frozen=True)
class RelayMetrics:
    published: int  # events published since this relay started (republished ones too)
    position: int  # last log position recorded as published
    head: int  # last log position in the store, as of the last pass

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)

    def as_dict(self) -> dict[str, int]:
        return {
            "published": self.published, "position": self.position, "head": self.head,
            "lag": self.lag,
        }


class _Stopped(Exception):
    """Stop was requested while waiting on an outage; the current page is not recorded."""


def entry_for(notification: Notification) -> Entry:
    """The messages for one stored event: its domain topic and `desk.log`, with the same
    bytes and headers. An event this code cannot decode or route goes to `desk.log` and
    `desk.deadletter` instead, so the log stays complete and nothing is skipped."""
    value = bytes(notification.state)
    try:
        envelope = Envelope.model_validate_json(value)
    except ValueError as exc:
        return _dead_letter(notification, value, _raw_headers(notification, value), exc)
    headers = headers_for(notification.id, envelope)
    try:
        topic, key = topic_for(envelope.type), key_for(envelope)
    except UnroutableEvent as exc:
        return _dead_letter(notification, value, headers, exc)
    return Entry(
        notification.id,
        envelope.correlation_id,
        (
            Message(topic, key, value, headers),
            Message(LOG_TOPIC, log_key_for(envelope), value, headers),
        ),
    )


def _raw_headers(notification: Notification, value: bytes) -> list[tuple[str, bytes]]:
    """The usual headers, read from the stored record and whatever of its JSON parses."""
    try:
        raw = json.loads(value)
    except ValueError:
        raw = None
    fields = raw if isinstance(raw, dict) else {}
    return [
        ("notification_id", str(notification.id).encode("ascii")),
        ("event_id", str(fields.get("event_id", "")).encode()),
        ("event_type", notification.topic.encode()),
        ("stream_id", str(notification.originator_id).encode()),
        ("stream_version", str(notification.originator_version).encode()),
        ("correlation_id", str(fields.get("correlation_id", "")).encode()),
    ]


def _dead_letter(
    notification: Notification, value: bytes, headers: list[tuple[str, bytes]], exc: Exception
) -> Entry:
    reason = f"{type(exc).__name__}: {exc}"[:1000]
    correlation_id = dict(headers)["correlation_id"].decode()
    log.error(
        "relay.dead_letter", position=notification.id, stream_id=notification.originator_id,
        event_type=notification.topic, correlation_id=correlation_id, reason=reason,
    )
    key = str(notification.originator_id).encode()
    return Entry(
        notification.id,
        correlation_id,
        (
            Message(LOG_TOPIC, key, value, headers),
            Message(DEADLETTER_TOPIC, key, value, [*headers, ("error", reason.encode())]),
        ),
    )


class Relay:
    """Publishes the store's log to Kafka from its recorded position on; see the module doc."""

    def __init__(
        self,
        store: DeskStore,
        bootstrap: str,
        *,
        partitions: int = DEFAULT_PARTITIONS,
        replication: int = 1,
        page_size: int = MAX_PAGE,
        fallback_poll: float = 1.0,
        idle_poll: float = 0.01,
        ack_wait_log: float = 5.0,
        name: str = RELAY_NAME,
        namespace: str = DEFAULT_NAMESPACE,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE}, got {page_size}")
        self.store = store
        self._recorder = store.chained
        self._channel = (
            self._recorder.channel_name
            if isinstance(self._recorder, ChainedPostgresRecorder) else None
        )
        self.bootstrap = bootstrap
        self.partitions = partitions
        self.replication = replication
        self.page_size = page_size
        self.fallback_poll = fallback_poll
        self.idle_poll = idle_poll
        self.ack_wait_log = ack_wait_log
        self.name = name
        self.namespace = namespace
        self.listening = False  # True while a LISTEN connection is open (PostgreSQL)
        self._position = store.tracked(name)
        self._head = self._position
        self._published = 0
        self._producer: Any = None
        self._topics_ready = False
        self._wake = asyncio.Event()
        self._password = urlparse(store.url).password or ""
        self._log = log.bind(store=redact(store.url), bootstrap=bootstrap, relay=name)

    @property
    def metrics(self) -> RelayMetrics:
        return RelayMetrics(self._published, self._position, max(self._head, self._position))

    async def __aenter__(self) -> Relay:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop the producer (flushing what it can within a few seconds)."""
        await self._drop_producer()

    # Driving ------------------------------------------------------------------
    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Publish everything pending now; return how many events were published.
        `stop` ends it early (after the page in hand, or during an outage)."""
        before = self._published
        with contextlib.suppress(_Stopped):
            await self._drain(stop or asyncio.Event())
        return self._published - before

    async def run(self, stop: asyncio.Event) -> None:
        """Publish as the log grows until `stop` is set; the page in hand is finished first."""
        tasks = [asyncio.create_task(self._wake_on(stop))]
        if self._channel is not None:
            tasks.append(asyncio.create_task(self._listen(stop, self._channel)))
        self._log.info("relay.started", position=self._position)
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    await self._drain(stop)
                except _Stopped:
                    break
                timeout = self.fallback_poll if self.listening else self.idle_poll
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._log.info("relay.stopped", **self.metrics.as_dict())

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

    async def _drain(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            notifications = await self._store_call(
                "read", stop, self._recorder.select_notifications,
                self._position + 1, self.page_size,
            )
            if not notifications:
                break
            page = [entry_for(n) for n in notifications]
            await self._publish(page, stop)
            await self._record(page[-1].position, stop)
            self._published += len(page)
            self._log_page(page)
            if len(notifications) < self.page_size:
                break
        self._head = await self._store_call("head", stop, self.store.head)

    def _log_page(self, page: Sequence[Entry]) -> None:
        correlations = {e.correlation_id for e in page}
        context = (
            {"correlation_id": correlations.pop()} if len(correlations) == 1
            else {"correlations": len(correlations)}
        )
        self._log.info(
            "relay.published", first=page[0].position, last=page[-1].position,
            events=len(page), **context,
        )

    # Kafka --------------------------------------------------------------------
    async def _publish(self, page: Sequence[Entry], stop: asyncio.Event) -> None:
        failures = 0
        while True:
            producer = await self._ready_producer(stop)
            try:
                futures = [
                    await producer.send(in_namespace(m.topic, self.namespace), m.value,
                                        key=m.key, headers=m.headers)
                    for entry in page for m in entry.messages
                ]
                await self._acknowledged(futures, page, stop)
                return
            except KafkaError as exc:
                failures += 1
                self._log.warning(
                    "relay.publish_failed", first=page[0].position, last=page[-1].position,
                    attempt=failures, error=repr(exc),
                )
                # A fresh producer republishes the whole page; duplicates are allowed.
                await self._drop_producer()
                await self._backoff(failures, stop)

    async def _acknowledged(
        self, futures: list[asyncio.Future[Any]], page: Sequence[Entry], stop: asyncio.Event
    ) -> None:
        """Wait for every ack; the idempotent producer itself retries while the broker is
        away, so this logs the wait and gives up only when asked to stop."""
        pending: set[asyncio.Future[Any]] = set(futures)
        waited = 0.0
        while pending:
            done, pending = await asyncio.wait(
                pending, timeout=self.ack_wait_log, return_when=asyncio.FIRST_EXCEPTION
            )
            for future in done:
                if (error := future.exception()) is not None:
                    raise error
            if pending:
                waited += self.ack_wait_log
                self._log.warning(
                    "relay.waiting_for_acks", first=page[0].position, last=page[-1].position,
                    unacknowledged=len(pending), waited_s=waited,
                )
                if stop.is_set():
                    raise _Stopped

    async def _ready_producer(self, stop: asyncio.Event) -> Any:
        failures = 0
        while self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id=f"eventdesk-{self.name}",
                enable_idempotence=True,
                acks="all",
                # Idempotence allows one batch in flight per partition: big batches keep
                # the single-partition desk.log moving.
                max_batch_size=256 * 1024,
                linger_ms=2,
            )
            try:
                if not self._topics_ready:
                    await self._create_topics()
                await producer.start()
            except (KafkaError, OSError) as exc:
                with contextlib.suppress(Exception):
                    await producer.stop()
                failures += 1
                self._log.warning("relay.broker_unavailable", attempt=failures, error=repr(exc))
                await self._backoff(failures, stop)
                continue
            self._producer = producer
            self._log.info("relay.connected")
        return self._producer

    async def _create_topics(self) -> None:
        created = await ensure_topics(self.bootstrap, self.partitions, self.replication,
                                      self.namespace)
        if created:
            self._log.info("relay.topics_created", topics=created)
        self._topics_ready = True

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                # stop() flushes; with the broker away that could wait forever.
                await asyncio.wait_for(producer.stop(), 5.0)

    # Store ----------------------------------------------------------------------
    async def _record(self, position: int, stop: asyncio.Event) -> None:
        try:
            await self._store_call(
                "record", stop, self._recorder.insert_tracking, Tracking(self.name, position)
            )
        except IntegrityError:
            # Another relay of the same name recorded a later position first.
            self._position = await self._store_call("tracked", stop, self.store.tracked, self.name)
            self._log.warning("relay.overtaken", position=self._position)
            return
        self._position = position

    async def _store_call(
        self, what: str, stop: asyncio.Event, fn: Callable[..., T], *args: Any
    ) -> T:
        failures = 0
        while True:
            try:
                return await asyncio.to_thread(fn, *args)
            except IntegrityError:
                raise
            except PersistenceError as exc:
                failures += 1
                self._log.warning(
                    "relay.store_unavailable", operation=what, attempt=failures,
                    error=self._scrub(repr(exc)),
                )
                await self._backoff(failures, stop)

    async def _listen(self, stop: asyncio.Event, channel: str) -> None:
        """Set the wake event on every NOTIFY of the recorder's channel (PostgreSQL)."""
        failures = 0
        while not stop.is_set():
            try:
                conn = await psycopg.AsyncConnection.connect(self.store.url, autocommit=True)
                async with conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    self.listening, failures = True, 0
                    self._wake.set()  # whatever was committed before LISTEN took effect
                    self._log.info("relay.listening", channel=channel)
                    while not stop.is_set():
                        async for _ in conn.notifies(timeout=self.fallback_poll):
                            self._wake.set()
            except (psycopg.Error, OSError) as exc:
                self.listening = False
                failures += 1
                self._log.warning(
                    "relay.listen_failed", attempt=failures, error=self._scrub(repr(exc)),
                )
                with contextlib.suppress(_Stopped):
                    await self._backoff(failures, stop)
            finally:
                self.listening = False

    # Helpers ------------------------------------------------------------------
    async def _backoff(self, failures: int, stop: asyncio.Event) -> None:
        """Sleep 0.25 s doubling up to 10 s; raise `_Stopped` if stop is set meanwhile."""
        delay = min(0.25 * 2 ** (failures - 1), _MAX_BACKOFF)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            raise _Stopped

    def _scrub(self, text: str) -> str:
        return text.replace(self._password, "***") if self._password else text

