"""A backtest run: bars in the calendar's zone, the strategies it can replay, features,
the engine and the metrics. The CLI, the API and the bench all run backtests through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import polars as pl

from domain.backtest.engine import BacktestConfig, BacktestResult, run_backtest
from domain.backtest.metrics import compute_metrics
from domain.feature_periods import periodic_features
from domain.features import SESSION_TIME_ZONE
from domain.strategy.book import Kind, SizingRule, Strategy, StrategyBook
from domain.strategy.rules import features_named


class Calendar(StrEnum):
    NSE = "nse"  # naive times are IST; fills on the NSE tick grid
    NONE = "none"  # other markets: naive times are UTC; prices as given


ZONES = {Calendar.NSE: SESSION_TIME_ZONE, Calendar.NONE: "UTC"}


class BacktestSetupError(ValueError):
    """The run cannot start (a strategy it cannot replay, no bars in range); says why."""


@dataclass(frozen=True)
class BacktestRun:
    result: BacktestResult
    metrics: dict[str, float | int | str]
    strategies: tuple[str, ...]
    config: BacktestConfig


def bars_in_utc(
    bars: pl.DataFrame, calendar: Calendar, start: date | None = None, end: date | None = None
) -> pl.DataFrame:
    """`bars` with `ts` as aware UTC (dates at midnight and naive times read in the
    calendar's zone), kept from `start` to `end` inclusive (calendar days), sorted by time."""
    zone = ZONES[calendar]
    ts = pl.col("ts")
    dtype = bars.schema["ts"]
    if dtype == pl.Date:
        ts = ts.cast(pl.Datetime("us"))
    if dtype == pl.Date or getattr(dtype, "time_zone", None) is None:
        ts = ts.dt.replace_time_zone(zone)
    frame = bars.with_columns(ts.dt.convert_time_zone("UTC").alias("ts"))
    local_day = pl.col("ts").dt.convert_time_zone(zone).dt.date()
    if start is not None:
        frame = frame.filter(local_day >= start)
    if end is not None:
        frame = frame.filter(local_day <= end)
    return frame


def replayable(book: StrategyBook) -> tuple[Strategy, ...]:
    """The book's bar strategies, each able to run on bars alone; else why not."""
    strategies = tuple(s for s in book.strategies.values() if s.kind is Kind.BARS)
    if not strategies:
        raise BacktestSetupError("the strategy file has no bar strategy (kind: bar)")
    for s in strategies:
        if s.sizing.rule is SizingRule.ALLOCATION:
            raise BacktestSetupError(
                f"strategies.{s.name}: give `sizing` (fixed_quantity or pct_equity); "
                "sizing by the desk's allocation is not replayed by backtests yet"
            )
        if not s.exit_when:
            raise BacktestSetupError(
                f"strategies.{s.name}: give `exit_when`; ATR-bracket exits are not "
                "replayed by backtests yet"
            )
    return strategies


def run(bars: pl.DataFrame, book: StrategyBook, config: BacktestConfig) -> BacktestRun:
    """Features for every clause, the engine over time-ordered bars, and the metrics."""
    strategies = replayable(book)
    if bars.is_empty():
        raise BacktestSetupError("no bars in the chosen range")
    names = features_named([c for s in strategies for c in s.when + s.exit_when])
    frame = periodic_features(bars, names).sort("ts", "symbol")
    result = run_backtest(frame, strategies, config)
    return BacktestRun(
        result, compute_metrics(result, config.cash), tuple(s.name for s in strategies), config
    )
