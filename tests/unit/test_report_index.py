"""The report index against the full read, on the hand-checked log of `test_reports`: the
same report JSON for every day, month, range and account, at every length of the log, and
still the same when a back-dated event arrives after a later day's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from domain.events import Recorded
from projections.reports.index import ReportIndex
from streams.report_index import build_indexed_report, catch_up
from streams.reports import ReportRequest, build_report
from tests.unit.conftest import bar, envelope
from tests.unit.test_reports import MON, WED
from tests.unit.test_reports import events as events  # the hand-checked log

DAYS = [date(2025, 1, d) for d in (5, 6, 7, 8, 9)]
ACCOUNTS = [None, "acc-1", "acc-2"]
REQUESTS = [
    *(ReportRequest("eod", day=d, account=a) for d in DAYS for a in ACCOUNTS),
    ReportRequest("eod"),
    *(
        ReportRequest("monthly", month=m, account=a)
        for m in (date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1))
        for a in ACCOUNTS
    ),
    ReportRequest("monthly"),
    *(
        ReportRequest("compliance", start=s, end=e, account=a)
        for s, e in ((DAYS[1], DAYS[1]), (DAYS[2], DAYS[3]), (DAYS[0], DAYS[4]))
        for a in ACCOUNTS
    ),
    ReportRequest("compliance"),
]


class ListLog:
    """The log as its readers see it, from a list (positions 1, 2, ...)."""

    def __init__(self, recorded: list[Recorded]) -> None:
        self.recorded = list(recorded)
        self.reads = 0  # events handed out by `read`

    def stream(self, stream_id: str) -> list[object]:
        return [r.event for r in self.recorded if r.event.stream_id == stream_id]

    def read(self, after: int = 0, limit: int = 1000) -> list[Recorded]:
        page = self.recorded[after : after + limit]
        self.reads += len(page)
        return page

    def read_all(self, after: int = 0, batch: int = 2000) -> Iterator[Recorded]:
        yield from self.recorded[after:]

    def head(self) -> int:
        return len(self.recorded)


def _json(request: ReportRequest, index: ReportIndex, log: ListLog) -> tuple[str, str]:
    indexed = build_indexed_report(request, index, log)  # type: ignore[arg-type]
    full = build_report(request, log.read_all())
    assert indexed.stem == full.stem
    return json.dumps(indexed.data), json.dumps(full.data)


def test_reports_when_drawn_from_the_index_then_the_same_json_as_the_full_read(
    events: list[Recorded],
) -> None:
    log = ListLog(events)
    index = ReportIndex()
    catch_up(index, log)  # type: ignore[arg-type]

    pairs = [_json(r, index, log) for r in REQUESTS]

    assert all(indexed == full for indexed, full in pairs)
    assert len({full for _, full in pairs}) > len(REQUESTS) // 2  # the requests differ


def test_reports_when_the_log_grows_between_requests_then_each_answer_reflects_the_new_events(
    events: list[Recorded],
) -> None:
    log, index = ListLog([]), ReportIndex()
    answers = []
    for n in range(1, len(events) + 1):
        log.recorded.append(events[n - 1])
        catch_up(index, log)  # type: ignore[arg-type]
        answers.append([_json(r, index, log) for r in REQUESTS[::4]])

    assert all(indexed == full for step in answers for indexed, full in step)
    eod_wed = [json.loads(step[3][0]) for step in answers]  # EOD of Wed 8 Jan, desk-wide
    assert eod_wed[0]["as_of_position"] == 1 and eod_wed[-1]["as_of_position"] == len(events)
    assert eod_wed[-1]["halted_at_end"] == ["acc-1"] and eod_wed[-2]["halted_at_end"] == []


def test_eod_when_asked_of_the_index_then_reads_only_that_days_events(
    events: list[Recorded],
) -> None:
    log, index = ListLog(events), ReportIndex()
    catch_up(index, log)  # type: ignore[arg-type]
    log.reads = 0

    build_indexed_report(ReportRequest("eod", day=DAYS[2]), index, log)  # type: ignore[arg-type]

    tuesday = sum(1 for r in events if r.event.occurred_at.date() == DAYS[2])
    assert 0 < log.reads == tuesday < len(events)


def test_reports_when_a_back_dated_event_follows_a_later_day_then_still_the_full_reads_json(
    events: list[Recorded],
) -> None:
    late = envelope(
        bar("1790", "1795", "1700", "1705", MON + timedelta(hours=3), "INFY"),
        "bars-INFY-late",
        1,
        MON + timedelta(hours=3),
    )
    later = envelope(
        bar("1790", "1795", "1770", "1771", WED + timedelta(hours=3), "INFY"),
        "bars-INFY-later",
        1,
        WED + timedelta(hours=3),
    )
    log = ListLog([*events, Recorded(len(events) + 1, later), Recorded(len(events) + 2, late)])
    index = ReportIndex()
    catch_up(index, log)  # type: ignore[arg-type]

    pairs = [_json(r, index, log) for r in REQUESTS]

    assert not index.exact_through(DAYS[1]) and index.exact_through(DAYS[0])
    assert all(indexed == full for indexed, full in pairs)


@pytest.mark.parametrize("kind", ["eod", "monthly", "compliance"])
def test_reports_when_the_log_is_empty_and_no_date_then_the_same_refusal(kind: str) -> None:
    log, index = ListLog([]), ReportIndex()

    with pytest.raises(ValueError, match="log is empty") as indexed:
        build_indexed_report(ReportRequest(kind), index, log)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="log is empty") as full:
        build_report(ReportRequest(kind), log.read_all())

    assert str(indexed.value) == str(full.value)
