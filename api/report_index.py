"""The report index for the API: caught up from the last log position it folded on each
report request, under a lock so two requests never fold the same events twice, and asked
for the report while the lock is held (the index must not move under a report)."""

from __future__ import annotations

import asyncio

from api.gate import DeskGate
from projections.reports.index import ReportIndex
from streams.ports import EventLog
from streams.report_index import build_indexed_report, catch_up
from streams.reports import BuiltReport, ReportRequest


class ReportShelf:
    """The reports' index, folded incrementally as report requests arrive."""

    def __init__(self) -> None:
        self._index = ReportIndex()
        self._lock = asyncio.Lock()

    async def build(self, gate: DeskGate, store: EventLog, request: ReportRequest) -> BuiltReport:
        """The report asked for, as of the log head now (ValueError as `build_report`)."""
        async with self._lock:
            return await gate.read_store(self._build, store, request)

    def _build(self, store: EventLog, request: ReportRequest) -> BuiltReport:
        catch_up(self._index, store)
        return build_indexed_report(request, self._index, store)
