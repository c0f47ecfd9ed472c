"""The relay (transactional outbox): the event log, in order, onto Kafka, at least once.

A page of the log is sent to each event's domain topic and to `desk.log`; only when every
send is acknowledged (idempotent producer, acks=all) is the page's last position recorded.
A crash in between republishes that page on restart, so consumers dedupe on
`(stream_id, stream_version)`. It never skips an event: a broker or store outage is retried
with backoff until it ends. On PostgreSQL the relay wakes on the recorder's NOTIFY
(`adapters.eventstore.notify`, with a slow poll as a fallback); on SQLite it polls.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlparse

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from eventsourcing.persistence import IntegrityError, PersistenceError, Tracking

from adapters.eventstore.notify import CommitListener
from adapters.eventstore.store import DeskStore
from adapters.eventstore.url import redact
from adapters.kafka.admin import ensure_topics
from adapters.kafka.checkpoints import CheckpointSigner, message_for
from adapters.kafka.entries import Entry, entry_for
from adapters.kafka.jitter import Jitter
from adapters.kafka.topics import (
    DEFAULT_NAMESPACE,
    DEFAULT_PARTITIONS,
    in_namespace,
)

log = structlog.get_logger("eventdesk.relay")

RELAY_NAME = "relay"
MAX_PAGE = 500
_TOPIC_ALREADY_EXISTS = 36  # Kafka protocol error code
_MAX_BACKOFF = 10.0
T = TypeVar("T")


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


@dataclass(frozen=True)
class RelaySettings:
    """How a relay publishes: topic layout, page size and how it waits."""

    partitions: int = DEFAULT_PARTITIONS
    replication: int = 1
    page_size: int = MAX_PAGE
    fallback_poll: float = 1.0  # seconds between polls while LISTEN is up (PostgreSQL)
    idle_poll: float = 0.01  # seconds between polls without LISTEN (SQLite)
    ack_wait_log: float = 5.0  # log a warning each time acks take this long
    name: str = RELAY_NAME
    namespace: str = DEFAULT_NAMESPACE
    jitter: Jitter | None = None  # tests only: a random pause before each page
    checkpoints: CheckpointSigner | None = None  # signs the head onto desk.checkpoints


class Relay:
    """Publishes the store's log to Kafka from its recorded position on; see the module doc."""

    def __init__(
        self, store: DeskStore, bootstrap: str, settings: RelaySettings | None = None
    ) -> None:
        settings = settings or RelaySettings()
        if not 1 <= settings.page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE}, got {settings.page_size}")
        self.store = store
        self._recorder = store.chained
        self.bootstrap = bootstrap
        self.settings = settings
        self.name = settings.name
        self._position = store.tracked(settings.name)
        self._head = self._position
        self._published = 0
        self._producer: Any = None
        self._topics_ready = False
        self._wake = asyncio.Event()
        self._password = urlparse(store.url).password or ""
        self._log = log.bind(store=redact(store.url), bootstrap=bootstrap, relay=settings.name)
        self._commits = CommitListener(store, settings.fallback_poll, self._log)
        self._jitter = settings.jitter

    @property
    def listening(self) -> bool:
        """True while a LISTEN connection is open (PostgreSQL)."""
        return self._commits.listening

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
        before, stop = self._published, stop or asyncio.Event()
        with contextlib.suppress(_Stopped):
            await self._drain(stop)
            await self._checkpoint(stop, final=True)
        return self._published - before

    async def run(self, stop: asyncio.Event) -> None:
        """Publish as the log grows until `stop` is set; the page in hand is finished first."""
        tasks = [asyncio.create_task(self._wake_on(stop))]
        if self._commits.channel is not None:
            tasks.append(asyncio.create_task(self._commits.wait_for_commits(stop, self._wake)))
        self._log.info("relay.started", position=self._position)
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    await self._drain(stop)
                except _Stopped:
                    break
                timeout = (self.settings.fallback_poll if self.listening
                           else self.settings.idle_poll)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(_Stopped, KafkaError, OSError):
                await self._checkpoint(stop, final=True)
            self._log.info("relay.stopped", **self.metrics.as_dict())

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

    async def _drain(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            notifications = await self._store_call(
                "read", stop, self._recorder.select_notifications,
                self._position + 1, self.settings.page_size,
            )
            if not notifications:
                break
            page = [entry_for(n) for n in notifications]
            if self._jitter is not None:
                await self._jitter.pause()
            await self._publish(page, stop)
            await self._record(page[-1].position, stop)
            await self._checkpoint(stop)
            self._published += len(page)
            self._log_page(page)
            if len(notifications) < self.settings.page_size:
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
                    await producer.send(in_namespace(m.topic, self.settings.namespace), m.value,
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
                pending, timeout=self.settings.ack_wait_log, return_when=asyncio.FIRST_EXCEPTION
            )
            for future in done:
                if (error := future.exception()) is not None:
                    raise error
            if pending:
                waited += self.settings.ack_wait_log
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
        created = await ensure_topics(self.bootstrap, self.settings.partitions,
                                      self.settings.replication, self.settings.namespace)
        if created:
            self._log.info("relay.topics_created", topics=created)
        self._topics_ready = True

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                # stop() flushes; with the broker away that could wait forever.
                await asyncio.wait_for(producer.stop(), 5.0)

    async def _checkpoint(self, stop: asyncio.Event, final: bool = False) -> None:
        """Sign the recorded position onto desk.checkpoints (and the checkpoint file) when
        one is due; a broker outage is retried like a page."""
        signer = self.settings.checkpoints
        if signer is None or not signer.due(self._position, final):
            return
        cp = await self._store_call("checkpoint", stop, signer.sign, self._position)
        if cp is None:
            return
        topic, key, value = message_for(cp, self.settings.namespace)
        failures = 0
        while True:
            producer = await self._ready_producer(stop)
            try:
                await producer.send_and_wait(topic, value, key=key)
            except KafkaError as exc:
                failures += 1
                self._log.warning("relay.checkpoint_failed", position=cp.position,
                                  attempt=failures, error=repr(exc))
                await self._drop_producer()
                await self._backoff(failures, stop)
                continue
            self._log.info("relay.checkpoint", position=cp.position, key=cp.key)
            return

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

