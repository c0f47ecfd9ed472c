"""Reports drawn from the report index: it is caught up from the last position it folded,
then a report reads the index and only the log positions of the days it covers.

    index = ReportIndex()
    catch_up(index, store)
    built = build_indexed_report(ReportRequest("eod", day=date(2026, 11, 20)), index, store)

A report whose window reaches a day the index cannot vouch for (a back-dated event was
logged after a later day's) is read from the whole log instead: same figures, slower.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import partial

from domain.events import Recorded
from projections.reports.eod import DayActivity, eod_from
from projections.reports.index import ReportIndex, Span, day_before
from projections.reports.monthly import MonthActivity, monthly_from, next_month
from streams.ports import EventLog
from streams.reports import (
    EMPTY_LOG,
    KINDS,
    BuiltReport,
    ReportRequest,
    build_report,
    compliance_built,
    eod_built,
    monthly_built,
)

READ_PAGE = 2000


def catch_up(index: ReportIndex, log: EventLog) -> int:
    """Fold what the log added since the index's last position; how many events."""
    folded = 0
    while page := log.read(index.position, READ_PAGE):
        for rec in page:
            index.note(rec)
        folded += len(page)
    return folded


def _read_span(log: EventLog, span: Span | None) -> Iterator[Recorded]:
    """The events at positions span.first..span.last, in order."""
    if span is None:
        return
    after = span.first - 1
    while after < span.last and (page := log.read(after, min(READ_PAGE, span.last - after))):
        yield from page
        after = page[-1].position


def _last_day(index: ReportIndex) -> date:
    if index.last_day is None:
        raise ValueError(EMPTY_LOG)
    return index.last_day


def _eod(request: ReportRequest, index: ReportIndex, log: EventLog) -> BuiltReport | None:
    day = request.day or _last_day(index)
    if not index.exact_through(day):
        return None
    activity = DayActivity()
    for rec in _read_span(log, index.span_of(day, day)):
        activity.note(rec.event, partial(index.symbol_of, at=rec.position))
    return eod_built(eod_from(day, request.account, index.close_at(day), activity))


def _monthly(request: ReportRequest, index: ReportIndex, log: EventLog) -> BuiltReport | None:
    first = (request.month or _last_day(index)).replace(day=1)
    last = day_before(next_month(first))
    if not index.exact_through(last):
        return None
    activity = MonthActivity(request.account)
    for rec in _read_span(log, index.span_of(first, last)):
        activity.note(rec.event, rec.position, index.attributions)
    closes = [(d, index.close_at(d)) for d in index.days_between(first, last)]
    opening = index.close_at(day_before(first))
    as_of = index.close_at(last).position
    return monthly_built(monthly_from(first, opening, closes, activity, as_of))


def _compliance(request: ReportRequest, index: ReportIndex, log: EventLog) -> BuiltReport:
    empty = index.position == 0
    end = request.end or (request.start if request.start and empty else _last_day(index))
    start = request.start or end
    return compliance_built(index.compliance.report(start, end, request.account))


_BOOK: dict[str, Callable[[ReportRequest, ReportIndex, EventLog], BuiltReport | None]] = {
    "eod": _eod,
    "monthly": _monthly,
    "compliance": _compliance,
}


def build_indexed_report(request: ReportRequest, index: ReportIndex, log: EventLog) -> BuiltReport:
    """The report asked for, from `index` (caught up with `log`) and the events of its
    days; the same report `build_report` makes from the whole log, and the same errors."""
    make = _BOOK.get(request.kind)
    if make is None:
        raise ValueError(f"no report {request.kind!r}; one of {', '.join(KINDS)}")
    return make(request, index, log) or build_report(request, log.read_all())
