"""The report book: each report's name, how it is computed from the log and how it is
drawn, so the CLI, the API and the scheduler's EOD job make the same report the same way.

    built = build_report(ReportRequest("eod", day=date(2026, 11, 20)), store.read_all())
    write_report(out, built.stem, built.data, built.html())
"""

from __future__ import annotations

import re
import tempfile
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
from adapters.reports.pdf import PdfUnavailable as PdfUnavailable  # the API reports it
from adapters.reports.pdf import print_pdf
from domain.events import Recorded
from domain.reports import ComplianceReport, EodReport, MonthlyReport, ReportModel
from domain.session import ist
from projections.reports.compliance import compliance_report
from projections.reports.eod import eod_report
from projections.reports.monthly import monthly_report

log = structlog.get_logger("eventdesk.reports")
KINDS = ("eod", "monthly", "compliance")
_UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9._-]+")
EMPTY_LOG = "the log is empty: no day to report on (give a date)"


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
        raise ValueError(EMPTY_LOG)
    return ist(latest).date()


def _suffix(account: str | None) -> str:
    return f"-{account}" if account else ""


def eod_built(report: EodReport) -> BuiltReport:
    """An EOD report with its file stem and page."""
    stem = f"eod-{report.day:%Y-%m-%d}{_suffix(report.account)}"
    return BuiltReport("eod", stem, report, partial(eod_html, report))


def monthly_built(report: MonthlyReport) -> BuiltReport:
    """A monthly report with its file stem and page."""
    stem = f"monthly-{report.month}{_suffix(report.account)}"
    return BuiltReport("monthly", stem, report, partial(monthly_html, report))


def compliance_built(report: ComplianceReport) -> BuiltReport:
    """A compliance report with its file stem and page."""
    stem = (f"compliance-{report.start:%Y-%m-%d}-to-{report.end:%Y-%m-%d}"
            f"{_suffix(report.account)}")
    return BuiltReport("compliance", stem, report, partial(compliance_html, report))


def _eod(request: ReportRequest, events: list[Recorded]) -> BuiltReport:
    day = request.day or _last_day(events)
    return eod_built(eod_report(events, day, request.account))


def _monthly(request: ReportRequest, events: list[Recorded]) -> BuiltReport:
    month = (request.month or _last_day(events)).replace(day=1)
    return monthly_built(monthly_report(events, month, request.account))


def _compliance(request: ReportRequest, events: list[Recorded]) -> BuiltReport:
    end = request.end or (request.start if request.start and not events else _last_day(events))
    start = request.start or end
    return compliance_built(compliance_report(events, start, end, request.account))


_BOOK: dict[str, Callable[[ReportRequest, list[Recorded]], BuiltReport]] = {
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
    return make(request, list(events))


def write_eod_files(built: BuiltReport, day: date, out: Path) -> str:
    """Write `day`'s EOD report (JSON and HTML) under `out`, for the scheduler's EOD job;
    says what was written, or why nothing was (a full disk must not stop the desk's day)."""
    try:
        written = write_report(out, file_stem(built.stem), built.data, built.html())
    except OSError as e:
        log.warning("EOD report files not written", day=str(day), error=str(e))
        return f"report files not written to {out}: {e.strerror or e}"
    return f"report written to {written[1]}"


def file_stem(stem: str) -> str:
    """A report's stem as a file name and a header value take it: letters, digits, `.`,
    `_` and `-` (a run of anything else, such as `/` or a control character from an account
    id, becomes one `_`; no leading dot)."""
    return _UNSAFE_IN_NAMES.sub("_", stem).lstrip(".") or "report"


def printed_pdf(stem: str, page: str) -> bytes:
    """A report page printed to PDF by headless Chromium, as `desk report --pdf` prints
    it, in a throwaway directory; `PdfUnavailable` says why when it cannot be."""
    with tempfile.TemporaryDirectory(prefix="desk-report-") as tmp:
        name = file_stem(stem)
        html, pdf = Path(tmp) / f"{name}.html", Path(tmp) / f"{name}.pdf"
        html.write_text(page, encoding="utf-8")
        print_pdf(html, pdf)
        return pdf.read_bytes()

