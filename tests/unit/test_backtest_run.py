"""A backtest run's setup: times in the calendar's zone, the date range, what it refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from adapters.files.strategy_book import parse_strategy_book
from replay.backtest import BacktestSetupError, Calendar, bars_in_utc, replayable

NAIVE = pl.DataFrame(
    {
        "symbol": ["A", "A", "A"],
        "ts": [
            datetime(2025, 1, 1, 9, 15),
            datetime(2025, 1, 2, 9, 15),
            datetime(2025, 1, 3, 9, 15),
        ],
        "open": [1.0] * 3,
        "close": [1.0] * 3,
    }
)


@pytest.mark.parametrize(
    ("calendar", "first"),
    [
        (Calendar.NSE, datetime(2025, 1, 1, 3, 45, tzinfo=UTC)),  # 09:15 IST
        (Calendar.NONE, datetime(2025, 1, 1, 9, 15, tzinfo=UTC)),
    ],
)
def test_bars_in_utc_when_times_are_naive_then_read_in_the_calendars_zone(
    calendar: Calendar,
    first: datetime,
) -> None:
    assert bars_in_utc(NAIVE, calendar)["ts"][0] == first


def test_bars_in_utc_when_from_and_to_given_then_only_those_days_kept() -> None:
    kept = bars_in_utc(NAIVE, Calendar.NSE, date(2025, 1, 2), date(2025, 1, 2))

    assert kept["ts"].to_list() == [datetime(2025, 1, 2, 3, 45, tzinfo=UTC)]


def test_replayable_when_bar_strategy_sizes_by_allocation_then_refused_naming_it() -> None:
    book = parse_strategy_book("""
version: v
strategies:
  cross:
    kind: bar
    direction: long
    when: ["close crosses_above sma_5"]
    exit_when: ["close crosses_below sma_5"]
""")

    with pytest.raises(BacktestSetupError, match=r"strategies\.cross: give `sizing`"):
        replayable(book)
