"""Equity curves for the API, folded from the log on demand and kept between requests.

The live view holds only the present, so the curves come from a private fold of the log
(`projections.equity_curve`), caught up with the log head on each request and guarded by a
lock so two requests never fold the same events twice.
"""

from __future__ import annotations

import asyncio

from api.gate import DeskGate
from projections.desk import DeskView, apply
from projections.equity_curve import EquityCurves, EquityPoint, sample_equity
from streams.ports import EventLog

_READ_PAGE = 2000


class EquityHistory:
    """Each account's equity curve, folded incrementally from the log as requests ask for it."""

    def __init__(self) -> None:
        self._view = DeskView()
        self._curves = EquityCurves()
        self._after = 0  # log position folded up to (the view skips duplicates)
        self._lock = asyncio.Lock()

    async def points(self, gate: DeskGate, store: EventLog, account_id: str
                     ) -> list[EquityPoint]:
        """The account's curve up to the log head as it is now."""
        async with self._lock:
            await gate.read_store(self._catch_up, store)
            return list(self._curves.points.get(account_id, []))

    def _catch_up(self, store: EventLog) -> None:
        while page := store.read(self._after, _READ_PAGE):
            for rec in page:
                apply(self._view, rec.event, rec.position)
                sample_equity(self._curves, self._view)
            self._after = page[-1].position
