"""Card lineage for the API from an index kept between requests, not a scan of the log.

The index (`projections.card_lineage`) catches up with the log head on each request (only
the events logged since the last one are read), under a lock so two requests never fold
the same events twice; then just the card's positions are read from the store. It is built
by the first request, not by a background task at start-up: a read on another thread that
outlived the server touched a closed SQLite connection (a segfault in CI).
"""

from __future__ import annotations

import asyncio

import structlog

from api.gate import DeskGate
from domain.events import Recorded
from projections.card_lineage import LineageIndex, index_event, lineage_positions
from streams.ports import EventLog

_READ_PAGE = 2000
log = structlog.get_logger("eventdesk.api")


class CardLineage:
    """A card's lineage (its trace) read through an index of the log."""

    def __init__(self) -> None:
        self._index = LineageIndex()
        self._lock = asyncio.Lock()

    async def lineage(self, gate: DeskGate, store: EventLog, ident: str) -> list[Recorded]:
        """The events of `ident`'s trace, in log order, as of the log head now."""
        async with self._lock:
            return await gate.read_store(self._read, store, ident)

    def _read(self, store: EventLog, ident: str) -> list[Recorded]:
        self.catch_up(store)
        return [rec for position in lineage_positions(self._index, ident)
                for rec in store.read(position - 1, 1)]

    def catch_up(self, store: EventLog) -> None:
        """Index what the log holds beyond the index (in pages)."""
        while page := store.read(self._index.after, _READ_PAGE):
            for rec in page:
                index_event(self._index, rec)
