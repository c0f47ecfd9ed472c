"""Incremental features: after every bar, the same values as the bulk `compute_features` on
real series, the sample day and random markets; a JSON snapshot carries on bit for bit; the
state does not grow with the number of bars."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import polars as pl
import pytest
from backtesting.test import EURUSD, GOOG
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from adapters.files.sample import SAMPLE_DIR
from domain.features import FEATURE_COLUMNS, Regime, compute_features
from domain.live_features import FeatureValues, SymbolFeatures

RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12
START = datetime(2026, 1, 5, 3, 45, tzinfo=UTC)  # 09:15 IST

Bar = tuple[datetime, float, float, float, float, float]  # ts, open, high, low, close, volume
STATE = TypeAdapter(SymbolFeatures)


def backtesting_bars(ohlc: pd.DataFrame) -> list[Bar]:
    """A `backtesting.test` series (real daily GOOG, hourly EURUSD) as bars."""
    columns = (ohlc[c].to_numpy(float) for c in ("Open", "High", "Low", "Close", "Volume"))
    return [
        (ts.to_pydatetime(), *map(float, row))
        for ts, *row in zip(ohlc.index, *columns, strict=True)
    ]


def sample_day_bars() -> dict[str, list[Bar]]:
    """The sample day's 1-minute bars (aware IST times), per symbol in time order."""
    by_symbol: dict[str, list[Bar]] = {}
    with (SAMPLE_DIR / "bars.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            open_, high, low, close, volume = (
                float(row[c]) for c in ("open", "high", "low", "close", "volume")
            )
            by_symbol.setdefault(row["symbol"], []).append(
                (datetime.fromisoformat(row["ts"]), open_, high, low, close, volume)
            )
    return {symbol: sorted(bars) for symbol, bars in by_symbol.items()}


def bulk(bars: Sequence[Bar]) -> list[dict[str, Any]]:
    """`compute_features` on the whole series, one dict per bar."""
    frame = pl.DataFrame(
        bars, schema=["ts", "open", "high", "low", "close", "volume"], orient="row"
    ).with_columns(symbol=pl.lit("X"))
    return compute_features(frame).rows(named=True)


def fold(bars: Iterable[Bar], state: SymbolFeatures | None = None) -> list[FeatureValues]:
    """Feed the bars one by one; the latest values after each."""
    state = SymbolFeatures() if state is None else state
    values = []
    for bar in bars:
        state.update(*bar)
        values.append(state.latest())
    return values


def mismatches(expected: list[dict[str, Any]], live: list[FeatureValues]) -> list[str]:
    """Every (bar, feature) where the live value is not the bulk one, as readable lines."""
    assert len(live) == len(expected)
    found = []
    for bar, (row, values) in enumerate(zip(expected, live, strict=True)):
        got = asdict(values)
        assert got["bars"] == bar + 1
        for column in FEATURE_COLUMNS:
            want, have = row[column], got[column]
            if want is None or have is None or column == "regime":
                same = want == have
            else:
                same = math.isclose(
                    have, want, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE
                )
            if not same:
                found.append(f"bar {bar} {column}: bulk {want!r}, live {have!r}")
    return found


REAL_SERIES = {"GOOG daily": GOOG, "EURUSD hourly": EURUSD}


def test_feature_values_when_listed_then_fields_are_the_bulk_feature_columns() -> None:
    names = tuple(f.name for f in fields(FeatureValues))

    assert names == ("bars", "ts", "close", *FEATURE_COLUMNS)


@pytest.mark.parametrize("series", list(REAL_SERIES))
def test_update_when_real_series_fed_bar_by_bar_then_every_bar_equals_bulk(series: str) -> None:
    bars = backtesting_bars(REAL_SERIES[series])

    live = fold(bars)

    assert mismatches(bulk(bars), live) == []
    assert {v.regime for v in live} >= {Regime.RANGE, Regime.HIGH_VOLATILITY}


def test_update_when_sample_day_fed_bar_by_bar_then_every_symbol_equals_bulk() -> None:
    day = sample_day_bars()

    found = {symbol: mismatches(bulk(bars), fold(bars)) for symbol, bars in day.items()}

    assert len(day) == 24
    assert {symbol: lines for symbol, lines in found.items() if lines} == {}


@pytest.mark.parametrize("snapshot_at", [1, 10, 15, 60, 130, 700])
def test_update_when_restored_from_json_snapshot_then_same_as_uninterrupted(
    snapshot_at: int,
) -> None:
    bars = backtesting_bars(EURUSD.iloc[:900])
    uninterrupted = fold(bars)
    state = SymbolFeatures()
    fold(bars[:snapshot_at], state)

    restored = STATE.validate_json(STATE.dump_json(state))

    assert restored == state
    assert fold(bars[snapshot_at:], restored) == uninterrupted[snapshot_at:]


def test_update_when_sample_day_restored_mid_session_then_same_as_uninterrupted() -> None:
    bars = sample_day_bars()["INFY"]
    state = SymbolFeatures()
    fold(bars[:200], state)

    restored = STATE.validate_json(STATE.dump_json(state))

    assert fold(bars[200:], restored) == fold(bars)[200:]


def list_lengths(state: SymbolFeatures) -> int:
    return sum(len(v) for v in vars(state).values() if isinstance(v, list))


def test_update_when_thousands_of_bars_then_state_stays_bounded() -> None:
    bars = backtesting_bars(GOOG)
    state = SymbolFeatures()
    fold(bars[:300], state)
    after_300 = list_lengths(state)

    fold(bars[300:2000], state)

    assert state.bars == 2000
    assert list_lengths(state) == after_300
    assert len(STATE.dump_json(state)) < 10_000


def test_update_when_bar_not_after_the_last_then_value_error() -> None:
    state = SymbolFeatures()
    state.update(START, 100.0, 101.0, 99.0, 100.5, 1000.0)

    with pytest.raises(ValueError, match="not after"):
        state.update(START, 100.0, 101.0, 99.0, 100.5, 1000.0)


# --- random markets -----------------------------------------------------------------------

# Minutes to the next bar: mostly the next minute, sometimes the next session.
STEPS = st.sampled_from([1, 1, 1, 1, 5, 60 * 18, 60 * 24 * 3])
MOVES = st.one_of(st.just(0.0), st.floats(-0.04, 0.04))


@st.composite
def markets(draw: st.DrawFn) -> list[Bar]:
    """Random positive OHLCV bars: runs of unchanged closes and of unchanged volumes,
    long enough (up to 260 bars) to get past the regime warm-up."""
    segments = draw(st.lists(st.tuples(MOVES, st.integers(1, 40)), min_size=1, max_size=40))
    close, ts, bars = draw(st.floats(1.0, 5000.0)), START, []
    volume = 1000.0
    for move, repeat in segments:
        close *= 1 + move
        if draw(st.booleans()):
            volume = float(draw(st.integers(1, 10**6)))
        for _ in range(repeat):
            open_ = close * (1 + draw(st.sampled_from([0.0, -0.003, 0.002])))
            spread = draw(st.sampled_from([0.0, 0.001, 0.01]))
            high, low = max(open_, close) * (1 + spread), min(open_, close) * (1 - spread)
            bars.append((ts, open_, high, low, close, volume))
            ts += timedelta(minutes=draw(STEPS))
            if len(bars) == 260:
                return bars
    return bars


@settings(max_examples=40)
@given(markets())
def test_update_when_random_market_then_every_bar_equals_bulk(bars: list[Bar]) -> None:
    assert mismatches(bulk(bars), fold(bars)) == []
