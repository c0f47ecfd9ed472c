"""`desk demo --days`: the sample day's facts fed again on a later trading day are new facts
of that day (new bar minutes, new news ids), none a repeat of the recorded day's."""

from __future__ import annotations

from datetime import date, timedelta

from adapters.files.calendar import load_calendar
from adapters.files.sample import SAMPLE_DIR
from domain.events import AnnouncementArrived, BarClosed, NewsArrived
from domain.session import IST
from streams.feed import later_day, sample_day


def test_later_day_when_sample_day_is_a_friday_then_next_day_is_monday_at_nine_ist() -> None:
    first = sample_day(SAMPLE_DIR)

    second = later_day(first, 1, load_calendar())

    assert first.day.astimezone(IST).date() == date(2026, 11, 20)
    assert second.day.astimezone(IST).date() == date(2026, 11, 23)
    assert second.day.astimezone(IST).hour == 9
    assert later_day(first, 0, load_calendar()) is first


def test_later_day_groups_when_fed_then_same_facts_three_days_on_under_new_streams() -> None:
    first = sample_day(SAMPLE_DIR)
    recorded = [f for group in first.groups() for f in group]

    moved = [f for group in later_day(first, 1, load_calendar()).groups() for f in group]

    assert len(moved) == len(recorded)
    assert not {f.stream_id for f in moved} & {f.stream_id for f in recorded}
    for old, new in zip(recorded, moved, strict=True):
        assert new.occurred_at - old.occurred_at == timedelta(days=3)
        if isinstance(new.payload, BarClosed):
            assert isinstance(old.payload, BarClosed)
            assert new.payload.start - old.payload.start == timedelta(days=3)
            assert new.payload.close == old.payload.close
        elif isinstance(new.payload, NewsArrived | AnnouncementArrived):
            assert isinstance(old.payload, NewsArrived | AnnouncementArrived)
            assert new.payload.source_id == f"{old.payload.source_id}@2026-11-23"
            assert new.payload.headline == old.payload.headline
