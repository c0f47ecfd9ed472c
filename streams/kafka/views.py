"""The Kafka runtime as the API sees it: the workers' read model, and commands to the log.

In this mode no handler runs in the API process. The relay publishes what the API commits;
the workers' process managers react (approval → cash reserved → order) and their
projections write partial views to the store's `desk_views` table, which `view` merges
(`kafka_view`, with the process managers' research state) and caches. The merged view is
re-read at most every `refresh` seconds, and only when the workers have consumed something
since (their offsets or process-manager progress moved). The API's own writes are folded
into the cached view at once, so an approval shows as approved before the workers have
caught up with it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from adapters.eventstore.store import DeskStore, ViewSnapshots
from domain.events import Recorded
from domain.inputs import InputFact
from projections.codec import decode_bar, decode_research, decode_view
from projections.desk import DeskView, apply
from projections.merge import merge
from streams.feed import input_streams
from streams.input_gate import InputGate
from streams.kafka.rows import BAR_PREFIX, OFFSET_PREFIX, PM_PROGRESS, RESEARCH, VIEW_PREFIX
from streams.ports import Clock
from streams.unit_of_work import UnitOfWork

REFRESH_SECONDS = 0.2

Marks = tuple[tuple[str, int], ...]


class WorkerViews:
    """A `DeskRuntime` whose reactions happen in the Kafka runtime's workers."""

    def __init__(self, store: DeskStore, clock: Clock, refresh: float = REFRESH_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic,
                 gate: InputGate | None = None) -> None:
        self.store = store
        self.clock = clock
        self.gate = gate if gate is not None else InputGate()
        self.refresh = refresh
        self._monotonic = monotonic
        self._snapshots = ViewSnapshots(store)
        self._lock = threading.Lock()
        self._view = DeskView()
        self._marks: Marks | None = None
        self._checked: float | None = None
        self._own: list[Recorded] = []  # written here, not yet in the workers' views

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
        streams = input_streams(facts, self.store, self.clock, self.gate)
        if streams:
            self.store.commit(*streams)
        return len(streams)

    def _reload(self) -> None:
        offsets = self._snapshots.load_prefix(OFFSET_PREFIX)
        progress = self._snapshots.load(PM_PROGRESS)
        handled = progress[0] if progress else 0
        research = self._snapshots.load(RESEARCH)
        marks = (*sorted((name, pos) for name, (pos, _) in offsets.items()),
                 (PM_PROGRESS, handled), (RESEARCH, research[0] if research else 0))
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


def kafka_view(store: DeskStore) -> DeskView:
    """The desk's read model merged from what the workers wrote."""
    snapshots = ViewSnapshots(store)
    parts = [decode_view(state) for _, state in snapshots.load_prefix(VIEW_PREFIX).values()]
    market = {name.removeprefix(BAR_PREFIX): decode_bar(state)
              for name, (_, state) in snapshots.load_prefix(BAR_PREFIX).items()}
    research = snapshots.load(RESEARCH)
    return merge(parts, market, decode_research(research[1]) if research else None)
