"""The report index for the API, kept the way `desk report` keeps it: the first report
request reads the index saved beside the store (`streams.saved_index`: used only when its
chain link still matches the log and the same code folded it, else folded from the start),
later requests fold only what the log added since. Catching up and drawing the report
happen under one lock, so two requests never fold the same events twice and the index
never moves under a report. The index is saved back once the log has moved on enough,
so a restart of the API, `desk report` and the scheduler's EOD job all start warm."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import structlog

from api.gate import DeskGate
from projections.reports.index import ReportIndex, Span
from streams.ports import ChainedLog
from streams.report_index import build_indexed_report, catch_up
from streams.reports import BuiltReport, ReportRequest
from streams.saved_index import index_path, load_index, save_index

log = structlog.get_logger("eventdesk.api")

SAVE_AFTER = 1000  # events folded since the last save that make a save worth its write


class ReportShelf:
    """The reports' index: read from its saved copy, then folded as report requests arrive."""

    def __init__(self) -> None:
        self._index: ReportIndex | None = None
        self._lock = asyncio.Lock()
        self._saved_at = 0  # the index position last saved (or read back)
        self.loaded = 0  # the position the saved index stood for (0: folded from the start)

    async def build(self, gate: DeskGate, store: ChainedLog, request: ReportRequest) -> BuiltReport:
        """The report asked for, as of the log head now (ValueError as `build_report`)."""
        async with self._lock:
            return await gate.read_store(self._build, store, request)

    async def day_span(self, gate: DeskGate, store: ChainedLog, day: date) -> Span | None:
        """Where `day`'s events lie in the log (None: it has none), the index caught up."""
        async with self._lock:
            return await gate.read_store(self._day_span, store, day)

    def _day_span(self, store: ChainedLog, day: date) -> Span | None:
        return self._caught_up(store).span_of(day, day)

    def _build(self, store: ChainedLog, request: ReportRequest) -> BuiltReport:
        return build_indexed_report(request, self._caught_up(store), store)

    def _caught_up(self, store: ChainedLog) -> ReportIndex:
        """The index to the log's head: warmed first if need be, saved once it moved on."""
        path = index_path(store)
        index = self._index if self._index is not None else self._warm(store, path)
        catch_up(index, store)
        if path is not None and index.position - self._saved_at >= SAVE_AFTER:
            self._save(store, path, index)
        return index

    def _warm(self, store: ChainedLog, path: Path | None) -> ReportIndex:
        warmed = load_index(store, path)
        if warmed.refused:
            log.info("saved report index not used", reason=warmed.refused)
        self._index, self.loaded = warmed.index, warmed.loaded
        self._saved_at = warmed.loaded
        if path is not None and (warmed.refused or warmed.folded):
            self._save(store, path, warmed.index)
        return warmed.index

    def _save(self, store: ChainedLog, path: Path, index: ReportIndex) -> None:
        try:
            if save_index(store, path, index):
                self._saved_at = index.position
        except OSError as e:  # the report stands; a restart folds a little more
            log.warning("report index not saved", path=str(path), error=str(e))
