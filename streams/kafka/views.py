"""The Kafka runtime as the API sees it: the workers' read model, and commands to the log.

In this mode no handler runs in the API process. The relay publishes what the API commits;
the workers' process managers react (approval → cash reserved → order) and their
projections write partial views to the store's `desk_views` table, which `view` merges
(`kafka_view`) and caches. The merged view is re-read at most every `refresh` seconds, and
only when the workers have consumed something since (their offsets or process-manager
progress moved). The API's own writes are folded into the cached view at once, so an
approval shows as approved before the workers have caught up with it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping

from adapters.eventstore.store import DeskStore, ViewSnapshots
from domain.events import Recorded
from domain.inputs import InputFact
from domain.instruments import Instrument
from projections.desk import DeskView, apply
from streams.bootstrap import Desk
from streams.embedded import input_streams
from streams.kafka.app import OFFSET_PREFIX, PM_PROGRESS
from streams.kafka.stack import kafka_view
from streams.ports import Clock
from streams.unit_of_work import UnitOfWork

REFRESH_SECONDS = 0.2

Marks = tuple[tuple[str, int], ...]


class WorkerViews:
    """A `DeskRuntime` whose reactions happen in the Kafka runtime's workers."""

    def __init__(self, store: DeskStore, clock: Clock, refresh: float = REFRESH_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.clock = clock
        self.refresh = refresh
        self._monotonic = monotonic
        self._snapshots = ViewSnapshots(store)
        self._lock = threading.Lock()
        self._view = DeskView()
        self._marks: Marks | None = None
        self._checked: float | None = None
        self._own: list[Recorded] = []  # written here, not yet in the workers' views
        self._known: dict[str, int] | None = None  # logged versions of the input streams

    @property
    def view(self) -> DeskView:
        """The workers' merged view (plus this process's own writes), at most `refresh`
        seconds old."""
        now = self._monotonic()
        with self._lock:
            if self._checked is None or now - self._checked >= self.refresh:
                self._checked = now
                self._reload()
            return self._view

    def execute(self, uow: UnitOfWork) -> list[Recorded]:
        """Commit an operator's unit of work for the relay to publish; the workers react."""
        recorded = uow.commit()
        with self._lock:
            self._own.extend(recorded)
            for rec in recorded:
                # Position 0: the view's position stays what the workers have handled.
                apply(self._view, rec.event, 0)
        return recorded

    def ingest(self, facts: Iterable[InputFact]) -> int:
        """Append the facts not yet logged (by stream and version); nothing reacts here."""
        if self._known is None:
            self._known = {}
            for rec in self.store.read_all():
                self._known[rec.event.stream_id] = rec.event.stream_version
        streams = input_streams(facts, self._known, self.clock)
        if streams:
            for rec in self.store.commit(*streams):
                self._known[rec.event.stream_id] = rec.event.stream_version
        return len(streams)

    def _reload(self) -> None:
        offsets = self._snapshots.load_prefix(OFFSET_PREFIX)
        progress = self._snapshots.load(PM_PROGRESS)
        handled = progress[0] if progress else 0
        marks = (*sorted((name, pos) for name, (pos, _) in offsets.items()),
                 (PM_PROGRESS, handled))
        if marks == self._marks:
            return
        view = kafka_view(self.store)
        # Bars and news fold into no account's view; the process managers see every event.
        view.position = max(view.position, handled)
        self._own = [r for r in self._own
                     if view.stream_versions.get(r.event.stream_id, 0) < r.event.stream_version]
        for rec in self._own:
            apply(view, rec.event, 0)
        self._marks = marks
        self._view = view


def serve_workers(store_url: str, instruments: Mapping[str, Instrument], clock: Clock
                  ) -> Desk[WorkerViews]:
    """A desk for the API over the Kafka runtime: the store, and the workers' views."""
    store = DeskStore(store_url)
    return Desk(store, WorkerViews(store, clock), instruments, clock)
