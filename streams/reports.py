"""The report book: each report's name, how it is computed from the log and how it is
drawn, so the CLI, the API and the scheduler's EOD job make the same report the same way.

    built = build_report(ReportRequest("eod", day=date(2026, 11, 20)), store.read_all())
    write_report(out, built.stem, built.data, built.html())
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import structlog

from adapters.files.report_output import write_report
from adapters.reports.compliance_page import compliance_html
from adapters.reports.eod_page import eod_html
from adapters.reports.monthly_page import monthly_html
from domain.events import Recorded
from domain.reports import ReportModel
from domain.session import ist
from projections.reports.compliance import compliance_report
from projections.reports.eod import eod_report
from projections.reports.monthly import monthly_report

log = structlog.get_logger("eventdesk.reports")
KINDS = ("eod", "monthly", "compliance")
Made = tuple[str, ReportModel, Callable[[], str]]  # file stem, the report, its page drawn


@dataclass(frozen=True)
class ReportRequest:
    """Which report, for when and whom. Unset dates default to the log's last IST day
    (its month for `monthly`; that day alone for `compliance`)."""

    kind: str
    day: date | None = None  # eod
    month: date | None = None  # monthly: any day of the month
    start: date | None = None  # compliance
    end: date | None = None
    account: str | None = None


@dataclass(frozen=True)
class BuiltReport:
    """A computed report: its file stem and figures; its page is drawn when asked for."""

    kind: str
    stem: str
    report: ReportModel
    draw: Callable[[], str]

    @property
    def data(self) -> dict[str, Any]:
        """The figures as JSON-ready data (money as exact decimal text)."""
        return self.report.model_dump(mode="json")

    def html(self) -> str:
        """The self-contained page (bokeh's JS inlined: it works offline)."""
        return self.draw()


def _last_day(events: list[Recorded]) -> date:
    latest = max((r.event.occurred_at for r in events), default=None)
    if latest is None:
        raise ValueError("the log is empty: no day to report on (give a date)")
    return ist(latest).date()


def _suffix(request: ReportRequest) -> str:
    return f"-{request.account}" if request.account else ""


def _eod(request: ReportRequest, events: list[Recorded]) -> Made:
    day = request.day or _last_day(events)
    report = eod_report(events, day, request.account)
    return f"eod-{day:%Y-%m-%d}{_suffix(request)}", report, partial(eod_html, report)


def _monthly(request: ReportRequest, events: list[Recorded]) -> Made:
    month = (request.month or _last_day(events)).replace(day=1)
    report = monthly_report(events, month, request.account)
    return f"monthly-{month:%Y-%m}{_suffix(request)}", report, partial(monthly_html, report)


def _compliance(request: ReportRequest, events: list[Recorded]) -> Made:
    end = request.end or (request.start if request.start and not events else _last_day(events))
    start = request.start or end
    report = compliance_report(events, start, end, request.account)
    return (
        f"compliance-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}{_suffix(request)}",
        report,
        partial(compliance_html, report),
    )


_BOOK: dict[str, Callable[[ReportRequest, list[Recorded]], Made]] = {
    "eod": _eod,
    "monthly": _monthly,
    "compliance": _compliance,
}


def build_report(request: ReportRequest, events: Iterable[Recorded]) -> BuiltReport:
    """The report asked for, computed from `events` (the log in order). ValueError, with
    the reason, for an unknown kind, an empty log without a date, or a backwards range."""
    make = _BOOK.get(request.kind)
    if make is None:
        raise ValueError(f"no report {request.kind!r}; one of {', '.join(KINDS)}")
    stem, report, draw = make(request, list(events))
    return BuiltReport(request.kind, stem, report, draw)


def write_eod_files(events: Iterable[Recorded], day: date, out: Path) -> str:
    """Write `day`'s EOD report (JSON and HTML) under `out`, for the scheduler's EOD job;
    says what was written, or why nothing was (a full disk must not stop the desk's day)."""
    try:
        built = build_report(ReportRequest("eod", day=day), events)
        written = write_report(out, built.stem, built.data, built.html())
    except OSError as e:
        log.warning("EOD report files not written", day=str(day), error=str(e))
        return f"report files not written to {out}: {e.strerror or e}"
    return f"report written to {written[1]}"
