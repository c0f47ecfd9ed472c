"""The desk's view folded from the log itself, for venue sessions on the Kafka runtime.

On the Kafka runtime the views the API serves are the faust workers' partial views, merged
as they flush: they lag the log by a flush or more, and by how much is not known. A
reconciliation that compared the venue with them would see a fill it has just imported as
missing and record a break that is not there. So a venue session beside the Kafka runtime
folds its own view from the store, in log order, and brings it up to the log's head before
each comparison: what it compares is the desk as of a position it can name.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters.brokers.logins import Link
from adapters.eventstore.store import DeskStore
from domain.instruments import Instrument
from projections.desk import DeskView, apply
from streams.ports import Clock
from streams.routing.reconcile import DEFAULT_RECONCILE_SECONDS
from streams.routing.serving import VenueSessions, open_sessions

BATCH = 1000


class LogView:
    """A `DeskView` folded from the store's log, up to the position it names."""

    def __init__(self, store: DeskStore) -> None:
        self.store = store
        self.view = DeskView()
        # Read here, not from the view: a duplicate the fold skips leaves the view's own
        # position behind, and the next read must still start after it.
        self.position = 0

    def catch_up(self) -> int:
        """Fold every event committed after the view's position; how many it read."""
        read = 0
        while batch := self.store.read(self.position, BATCH):
            for rec in batch:
                apply(self.view, rec.event, rec.position)
                self.position = rec.position
            read += len(batch)
        return read

    async def settle(self) -> int:
        """`catch_up` as a reconciliation's settle step (the view reaches the log's head)."""
        return self.catch_up()


def log_sessions(
    store: DeskStore,
    links: Mapping[str, Link],
    instruments: Mapping[str, Instrument],
    clock: Clock,
    reconcile_seconds: float = DEFAULT_RECONCILE_SECONDS,
) -> VenueSessions:
    """The venue sessions of the linked accounts, each reconciling against one `LogView`
    brought up to the log's head before it compares (the Kafka runtime's sessions)."""
    folded = LogView(store)
    return open_sessions(
        store,
        links,
        instruments,
        lambda: folded.view,
        clock,
        reconcile_seconds,
        settle=folded.settle,
    )
