"""The desk's event store: an event-sourcing library Application over SQLite or PostgreSQL.

Envelopes are stored as their exact JSON; each insert also extends the hash chain and may
record a tracking position (which event of the log caused it) in the same transaction.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

import psycopg
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import (
    IntegrityError,
    Mapper,
    PersistenceError,
    StoredEvent,
    Tracking,
    Transcoder,
)
from pydantic_core import from_json

from adapters.eventstore.recorders import ChainedPostgresRecorder, ChainedSQLiteRecorder
from adapters.eventstore.url import store_settings
from domain.aggregates import Aggregate, StaleWrite
from domain.events import Envelope, Recorded
from domain.events.fast import decode

A = TypeVar("A", bound=Aggregate)


class _NoTranscoder(Transcoder):
    """The library's Mapper wants a transcoder; EnvelopeMapper never calls it."""

    def encode(self, obj: Any) -> bytes:
        raise TypeError("envelopes are stored as their own JSON; no transcoder is used")

    def decode(self, data: bytes) -> Any:
        raise TypeError("envelopes are read as their own JSON; no transcoder is used")


_TO_JSON = Envelope.__pydantic_serializer__.to_json  # `model_dump_json` without a str detour


class EnvelopeMapper(Mapper[str]):
    """Stores an envelope as its canonical JSON bytes, topic = event type."""

    def __init__(self) -> None:
        super().__init__(transcoder=_NoTranscoder())

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        envelope: Envelope = domain_event
        return StoredEvent(
            originator_id=envelope.stream_id,
            originator_version=envelope.stream_version,
            topic=envelope.type,
            # The bytes `model_dump_json().encode()` gives, straight from the serializer.
            state=_TO_JSON(envelope),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return decode(stored_event.state, stored_event.topic)



class DeskStore(Application[str]):
    """Write side and log: save aggregates atomically, read streams and the global log."""

    name = "desk"

    def __init__(self, url: str) -> None:
        self.url = url
        # Several processes opening a fresh PostgreSQL store race on CREATE TYPE/TABLE IF NOT
        # EXISTS ("tuple concurrently updated", "... already exists") and on recording the
        # schema migration; losers retry once the winner has committed.
        for attempt in range(5):
            try:
                super().__init__(env=store_settings(url))
                return
            except (PersistenceError, psycopg.Error) as e:
                # Losing a race on the library's schema-migration row is an IntegrityError.
                racing = isinstance(e, IntegrityError | psycopg.IntegrityError) or any(
                    m in str(e) for m in ("concurrently", "already exists"))
                if not racing or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def construct_mapper(self) -> Mapper[str]:
        return EnvelopeMapper()

    def construct_recorder(self) -> Any:
        return self.factory.process_recorder()

    @property
    def chained(self) -> ChainedSQLiteRecorder | ChainedPostgresRecorder:
        recorder = self.recorder
        assert isinstance(recorder, ChainedSQLiteRecorder | ChainedPostgresRecorder)
        return recorder

    # Writing ------------------------------------------------------------------
    def commit(
        self, *aggregates: Aggregate, tracking: tuple[str, int] | None = None
    ) -> list[Recorded]:
        """Save every pending event of `aggregates` in one transaction, or none of them."""
        processing = ProcessingEvent[str](
            tracking=Tracking(*tracking) if tracking is not None else None
        )
        # What `collect_events` does, without its two runtime Protocol checks per aggregate
        # (7% of a hot-path step's profiled time when it decides fifty cards).
        for aggregate in aggregates:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        if not processing.events and processing.tracking is None:
            return []
        try:
            recordings = self._record(processing)
        except IntegrityError as e:
            streams = sorted({ev.originator_id for ev in processing.events})
            raise StaleWrite(f"concurrent write to {', '.join(streams)}: {e}") from None
        return [
            Recorded(r.notification.id, r.domain_event)  # type: ignore[arg-type]
            for r in recordings
        ]

    def commit_new(self, events: Sequence[Envelope]) -> list[int]:
        """Save `events`, each the first of a stream, in one transaction, or none of them;
        their log positions. The same rows and chain links `commit` stores for them,
        without the library's objects per event (a tradebook brings 100,000 at once)."""
        if any(e.stream_version != 1 for e in events):
            raise ValueError("commit_new saves the first event of new streams only")
        rows = [(e.stream_id, 1, e.type, _TO_JSON(e)) for e in events]
        try:
            return self.chained.insert_rows(rows)
        except IntegrityError as e:
            streams = sorted({ev.stream_id for ev in events})
            raise StaleWrite(f"concurrent write to {', '.join(streams)}: {e}") from None

    # Reading ------------------------------------------------------------------
    def load(self, cls: type[A], stream_id: str) -> A:
        """The aggregate folded from its stream (a fresh one when the stream is empty)."""
        return cls.replay(stream_id, self.stream(stream_id))

    def stream(self, stream_id: str) -> list[Envelope]:
        return list(self.events.get(stream_id))  # type: ignore[arg-type]

    def read(self, after: int = 0, limit: int = 1000, types: Sequence[str] = ()
             ) -> list[Recorded]:
        """Up to `limit` events of the global log after position `after` (of `types` only,
        when given: the others are not even decoded)."""
        notifications = self.recorder.select_notifications(after + 1, limit, topics=types)
        return [
            Recorded(n.id, decode(n.state, n.topic)) for n in notifications
        ]

    def read_all(self, after: int = 0, batch: int = 2000, types: Sequence[str] = ()
                 ) -> Iterator[Recorded]:
        while True:
            page = self.read(after, batch, types)
            yield from page
            if len(page) < batch:
                return
            after = page[-1].position

    def read_documents(self, after: int = 0, batch: int = 2000, types: Sequence[str] = ()
                       ) -> Iterator[tuple[int, dict[str, Any]]]:
        """The log after `after` (of `types` only, when given) as (position, the envelope's
        stored JSON object), not validated again: for folds that read a few fields of very
        many events, where building each `Envelope` costs more than the fold itself."""
        while True:
            page = self.chained.states(after + 1, batch, types)
            # One parse per page: a call per event costs more than the parsing itself. Only
            # keys are worth caching (values such as ids and times are all different); so
            # pydantic's parser reads a page of trades in about 4/5 of json's time.
            docs = from_json(b"[" + b",".join(state for _, state in page) + b"]",
                             cache_strings="keys")
            yield from zip((position for position, _ in page), docs, strict=True)
            if len(page) < batch:
                return
            after = page[-1][0]

    def event_at(self, stream_id: str, version: int) -> Envelope | None:
        """The event logged at `version` of `stream_id`, or None (one primary-key lookup)."""
        found = self.recorder.select_events(stream_id, gt=version - 1, lte=version, limit=1)
        return decode(found[0].state, found[0].topic) if found else None

    def versions(self, stream_ids: Iterable[str]) -> dict[str, int]:
        """The current version of each of these streams that is logged (absent: none)."""
        return self.chained.stream_versions(list(stream_ids))

    def head(self) -> int:
        """The position of the last event in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def link_at(self, position: int) -> str | None:
        """The chain link stored at log `position` (None when the log has none there)."""
        links = self.chained.chain(position, position)
        return links[0][1] if links else None

    def tracked(self, name: str) -> int:
        """The last log position recorded by process `name` (0 when none)."""
        return self.recorder.max_tracking_id(name) or 0  # type: ignore[attr-defined]

    def followers(self) -> dict[str, int]:
        """Every process that follows the log here (relay, process managers, outboxes,
        workers ...), by name, with the last position it recorded."""
        return self.chained.followers()


class ViewSnapshots:
    """Saved read-model snapshots (JSON) with the log position they reflect."""

    def __init__(self, store: DeskStore) -> None:
        # Hold the store: the library closes its connection pool when the app is collected.
        self.store = store
        self.datastore: Any = store.recorder.datastore  # type: ignore[attr-defined]
        self.sqlite = isinstance(store.chained, ChainedSQLiteRecorder)
        self.mark = "?" if self.sqlite else "%s"
        for attempt in range(5):
            try:
                with self.datastore.transaction(commit=True) as c:
                    c.execute(
                        "CREATE TABLE IF NOT EXISTS desk_views "
                        "(name TEXT PRIMARY KEY, position BIGINT NOT NULL, state TEXT NOT NULL)"
                    )
                return
            except PersistenceError:
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))  # another process is creating it

    def save(self, name: str, position: int, state: str) -> None:
        m = self.mark
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO desk_views (name, position, state) VALUES ({m}, {m}, {m}) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position, "
                "state = excluded.state",
                (name, position, state),
            )

    def save_many(self, rows: list[tuple[str, int, str]]) -> None:
        """Save several (name, position, state) rows in one transaction."""
        m = self.mark
        with self.datastore.transaction(commit=True) as c:
            for row in rows:
                c.execute(
                    f"INSERT INTO desk_views (name, position, state) VALUES ({m}, {m}, {m}) "
                    "ON CONFLICT (name) DO UPDATE SET position = excluded.position, "
                    "state = excluded.state",
                    row,
                )

    def load_prefix(self, prefix: str) -> dict[str, tuple[int, str]]:
        """Every saved row whose name starts with `prefix`."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT name, position, state FROM desk_views WHERE name LIKE {self.mark}",
                (prefix.replace("%", r"\%") + "%",),
            )
            rows = c.fetchall()
        return {str(r["name"]): (int(r["position"]), str(r["state"])) for r in rows}

    def load(self, name: str) -> tuple[int, str] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT position, state FROM desk_views WHERE name = {self.mark}", (name,))
            row = c.fetchone()
        return (int(row["position"]), str(row["state"])) if row else None
