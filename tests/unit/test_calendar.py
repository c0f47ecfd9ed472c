"""The trading calendar: holidays have no session, special sessions trade on their own
times, and the market-hours guardrail and the shipped data file follow it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from adapters.files.calendar import CalendarError, load_calendar
from adapters.files.strategy_book import default_book
from domain.calendar import NORMAL, WEEKDAYS
from domain.guardrails import check
from domain.session import IST
from tests.unit.test_guardrails import PASSING

NSE = load_calendar()


def test_shipped_calendar_when_loaded_then_2026_holidays_are_weekdays_without_session() -> None:
    assert 2026 in NSE.years
    assert len(NSE.holidays) >= 10
    assert all(day.weekday() < 5 for day in NSE.holidays)
    assert all(NSE.session(day) is None for day in NSE.holidays)
    assert NSE.session(date(2026, 11, 20)) is NORMAL  # the sample day trades


def test_entries_open_when_a_weekday_holiday_then_closed_all_day_with_its_name() -> None:
    at = datetime(2026, 11, 24, 10, 30, tzinfo=IST)  # Guru Nanak Jayanti, a Tuesday

    assert WEEKDAYS.entries_open(at)  # the weekday rule alone would trade
    assert not NSE.entries_open(at)
    assert "exchange holiday (Prakash Gurpurb" in NSE.why_closed(at)


@pytest.mark.parametrize(("hour", "minute", "open_"), [
    (10, 0, False), (17, 59, False), (18, 0, True), (18, 44, True), (18, 45, False)])
def test_entries_open_when_the_muhurat_session_on_a_sunday_then_its_own_times(
    hour: int, minute: int, open_: bool,
) -> None:
    assert NSE.entries_open(datetime(2026, 11, 8, hour, minute, tzinfo=IST)) is open_


def test_market_hours_guardrail_when_the_book_calendar_has_a_holiday_then_fails_saying_so(
) -> None:
    facts = replace(PASSING, now=datetime(2026, 11, 24, 10, 30, tzinfo=IST),
                    calendar=default_book().calendar)

    [hours] = [g for g in check(facts) if g.name == "market_hours"]

    assert not hours.passed
    assert hours.detail == "Tue 24 Nov 2026 is an exchange holiday (Prakash Gurpurb Sri Guru " \
                           "Nanak Dev)"


def test_load_calendar_when_a_date_is_outside_its_year_then_error_names_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "nse-2027.yaml").write_text(
        'exchange: NSE\nyear: 2027\nnormal_session: {open: "09:15", close: "15:30", '
        'entry_cutoff: "15:15"}\nholidays:\n  2026-12-25: Christmas\n')

    with pytest.raises(CalendarError, match=r"nse-2027.yaml: dates outside 2027: 2026-12-25"):
        load_calendar(tmp_path)
