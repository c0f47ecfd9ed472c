"""The scheduler's EOD report files, drawn from a report index the job keeps.

The scheduler runs for days: each EOD job folds only what the log added since the last
one, then draws the day's report from the index and that day's events (the same JSON as a
read of the whole log). The index starts from the one saved beside the store when that
still stands for the log (`streams.saved_index`), and is saved back after each report, so
a restart and `desk report` start warm too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import structlog

from adapters.files.saved_report_index import index_file_for
from projections.reports.index import ReportIndex
from streams.ports import ChainedLog
from streams.report_index import build_indexed_report, catch_up
from streams.reports import ReportRequest, write_eod_files
from streams.saved_index import load_index, save_index

log = structlog.get_logger("eventdesk.reports")


class EodFiles:
    """Writes each day's EOD report under `out`, from an index kept up to date."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.index: ReportIndex | None = None  # loaded at the first report

    def write(self, store: ChainedLog, day: date) -> str:
        """Write `day`'s report (JSON, HTML); says what was written, or why not."""
        saved = index_file_for(store.url)
        if self.index is None:
            warmed = load_index(store, saved)
            if warmed.refused:
                log.info("saved report index not used", reason=warmed.refused)
            self.index = warmed.index
        else:
            catch_up(self.index, store)
        built = build_indexed_report(ReportRequest("eod", day=day), self.index, store)
        outcome = write_eod_files(built, day, self.out)
        if saved is not None:
            try:
                save_index(store, saved, self.index)
            except OSError as e:  # the report is written; the next one folds a little more
                log.warning("report index not saved", path=str(saved), error=str(e))
        return outcome
