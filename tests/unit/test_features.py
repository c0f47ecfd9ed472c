"""Bar features: TA-Lib's indicators on real series, no leakage across symbols, hand-worked
returns, gaps and z-scores, and the regime rule on constructed markets."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
import talib
from backtesting.test import EURUSD, GOOG
from polars.testing import assert_frame_equal

from domain.features import (
    FEATURE_COLUMNS,
    REALISED_VOL_WINDOW,
    VOL_MEDIAN_WINDOW,
    Regime,
    compute_features,
)

RELATIVE_TOLERANCE = 1e-9
REGIME_WARM_UP = REALISED_VOL_WINDOW + VOL_MEDIAN_WINDOW - 1
START = datetime(2026, 1, 5, 3, 45, tzinfo=UTC)  # 09:15 IST


def from_backtesting(ohlc: pd.DataFrame, symbol: str) -> pl.DataFrame:
    """A `backtesting.test` series (real daily GOOG, hourly EURUSD) as desk bars."""
    return pl.DataFrame({
        "symbol": symbol,
        "ts": ohlc.index.to_numpy(),
        "open": ohlc["Open"].to_numpy(float),
        "high": ohlc["High"].to_numpy(float),
        "low": ohlc["Low"].to_numpy(float),
        "close": ohlc["Close"].to_numpy(float),
        "volume": ohlc["Volume"].to_numpy(),
    })


def bars(closes: list[float] | np.ndarray, symbol: str = "INFY", **columns: Any) -> pl.DataFrame:
    """One-minute bars with these closes; open = close, high/low 0.5% around it unless given."""
    close = np.asarray(closes, dtype=float)
    n = len(close)
    data: dict[str, Any] = {
        "symbol": symbol,
        "ts": [START + timedelta(minutes=i) for i in range(n)],
        "open": close, "high": close * 1.005, "low": close * 0.995, "close": close,
        "volume": np.full(n, 1000),
    }
    data.update(columns)
    return pl.DataFrame(data)


REAL_SERIES = {"GOOG daily": (GOOG, "GOOG"), "EURUSD hourly": (EURUSD, "EURUSD")}


def talib_reference(ohlc: pd.DataFrame, name: str) -> np.ndarray:
    high, low, close = (ohlc[c].to_numpy(float) for c in ("High", "Low", "Close"))
    references: dict[str, Callable[[], np.ndarray]] = {
        "rsi_14": lambda: talib.RSI(close, timeperiod=14),
        "atr_14": lambda: talib.ATR(high, low, close, timeperiod=14),
        "sma_20": lambda: talib.SMA(close, timeperiod=20),
        "ema_20": lambda: talib.EMA(close, timeperiod=20),
    }
    return references[name]()


@pytest.mark.parametrize("series", list(REAL_SERIES))
@pytest.mark.parametrize("column", ["rsi_14", "atr_14", "sma_20", "ema_20"])
def test_compute_features_when_real_series_then_indicator_matches_talib_on_every_bar(
    series: str, column: str
) -> None:
    ohlc, symbol = REAL_SERIES[series]
    expected = talib_reference(ohlc, column)

    got = compute_features(from_backtesting(ohlc, symbol))[column].to_numpy()

    warm_up = np.isnan(expected)
    assert np.array_equal(np.isnan(got), warm_up), (
        f"{column} on {series}: null bars differ from TA-Lib's NaN warm-up "
        f"(ours: first value at bar {np.argmin(np.isnan(got))}, "
        f"TA-Lib: bar {np.argmin(warm_up)})"
    )
    relative = np.abs(got[~warm_up] - expected[~warm_up]) / np.abs(expected[~warm_up])
    worst = int(np.argmax(relative))
    assert relative.max() <= RELATIVE_TOLERANCE, (
        f"{column} on {series}: max relative error {relative.max():.3e} at bar "
        f"{np.flatnonzero(~warm_up)[worst]} over {relative.size} bars"
    )


def test_compute_features_when_symbols_share_a_batch_then_each_equals_its_own_run() -> None:
    # Prices a thousand times apart make any residue carried across symbols visible.
    goog = from_backtesting(GOOG * 1000, "GOOG")
    eurusd = from_backtesting(EURUSD, "EURUSD")
    alone = {"GOOG": compute_features(goog), "EURUSD": compute_features(eurusd)}
    shuffled = pl.concat([goog, eurusd]).sample(fraction=1.0, shuffle=True, seed=7)

    together = compute_features(shuffled)

    for symbol, expected in alone.items():
        assert_frame_equal(
            together.filter(pl.col("symbol") == symbol), expected, check_exact=True
        )


def test_compute_features_when_unsorted_then_rows_come_back_sorted_by_symbol_and_time() -> None:
    frame = pl.concat([bars([10.0, 11.0, 12.0], "TCS"), bars([5.0, 6.0], "INFY")]).reverse()

    result = compute_features(frame)

    assert result.select("symbol", "ts").rows() == frame.sort("symbol", "ts").select(
        "symbol", "ts"
    ).rows()
    assert result.columns == [*frame.columns, *FEATURE_COLUMNS]


def test_compute_features_when_closes_given_then_returns_match_hand_arithmetic() -> None:
    closes = [100.0, 110.0, 99.0, 99.0, 120.0, 125.0, 100.0, 90.0, 80.0, 70.0, 150.0]

    result = compute_features(bars(closes))

    assert result["return_1"].to_list()[:3] == [None, pytest.approx(0.10), pytest.approx(-0.10)]
    assert result["log_return_1"][1] == pytest.approx(math.log(1.1))
    assert result["return_5"].to_list()[:5] == [None] * 5
    assert result["return_5"][5] == pytest.approx(125 / 100 - 1)
    assert result["return_5"][10] == pytest.approx(150 / 125 - 1)
    assert result["momentum_10"].to_list()[:10] == [None] * 10
    assert result["momentum_10"][10] == pytest.approx(0.5)
    assert result["return_20"].null_count() == len(closes)


def test_gap_when_intraday_sessions_then_first_open_against_previous_last_close() -> None:
    day1 = [START + timedelta(minutes=i) for i in range(3)]
    day2 = [START + timedelta(days=1, minutes=i) for i in range(3)]
    frame = bars(
        [100.0, 101.0, 102.0, 105.0, 104.0, 103.0],
        ts=day1 + day2,
        open=[100.0, 100.5, 101.5, 107.1, 105.0, 104.0],
        high=[101.0, 101.5, 102.5, 107.5, 105.5, 104.5],
        low=[99.5, 100.0, 101.0, 104.5, 103.5, 102.5],
    )

    gap = compute_features(frame)["gap"].to_list()

    # Day 2 opens at 107.10 after day 1 closed at 102.00: +5%, on every bar of day 2.
    assert gap[:3] == [None, None, None]
    assert gap[3:] == [pytest.approx(0.05)] * 3


def test_gap_when_utc_date_turns_inside_an_ist_session_then_no_new_session() -> None:
    # 00:30 IST is the previous UTC day: sessions are IST days, not UTC ones.
    ts = [
        datetime(2026, 1, 5, 15, 0, tzinfo=UTC),  # 20:30 IST on the 5th
        datetime(2026, 1, 5, 19, 0, tzinfo=UTC),  # 00:30 IST on the 6th
        datetime(2026, 1, 6, 4, 0, tzinfo=UTC),  # 09:30 IST on the 6th
    ]
    frame = bars([100.0, 102.0, 90.0], ts=ts, open=[100.0, 110.0, 95.0],
                 high=[101.0, 111.0, 96.0], low=[99.0, 101.0, 89.0])

    gap = compute_features(frame)["gap"].to_list()

    assert gap == [None, pytest.approx(0.10), pytest.approx(0.10)]


def test_gap_when_daily_bars_then_open_against_previous_close() -> None:
    frame = bars(
        [100.0, 98.0, 99.0],
        ts=[date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)],
        open=[99.0, 103.0, 98.0 * 0.99],
        high=[101.0, 104.0, 100.0],
        low=[98.0, 97.0, 96.0],
    )

    gap = compute_features(frame)["gap"].to_list()

    assert gap == [None, pytest.approx(0.03), pytest.approx(-0.01)]


def test_volume_zscore_when_volumes_one_to_twenty_then_matches_sample_std() -> None:
    volume = list(range(1, 22))  # the 20-bar windows end at 20 and at 21
    frame = bars([100.0] * 21, volume=volume)

    z = compute_features(frame)["volume_zscore_20"].to_list()

    sample_std = math.sqrt(sum((v - 10.5) ** 2 for v in range(1, 21)) / 19)  # 5.9160797831
    assert z[:19] == [None] * 19
    assert z[19] == pytest.approx((20 - 10.5) / sample_std)
    assert z[20] == pytest.approx((21 - 11.5) / sample_std)


def test_volume_zscore_when_volume_never_changes_then_null() -> None:
    result = compute_features(bars([100.0] * 30, volume=[5000] * 30))

    assert result["volume_zscore_20"].null_count() == 30


def test_rsi_when_price_never_moves_then_null_not_zero() -> None:
    result = compute_features(bars([250.0] * 30))

    assert result["rsi_14"].null_count() == 30
    assert result["atr_14"][29] == pytest.approx(250.0 * 0.01)


def test_compute_features_when_fewer_bars_than_any_window_then_features_null() -> None:
    result = compute_features(bars([100.0, 101.0]))

    assert result.height == 2
    assert result["sma_20"].null_count() == 2
    assert result["atr_14"].null_count() == 2
    assert result["regime"].null_count() == 2


def test_compute_features_when_given_its_own_output_then_same_result() -> None:
    first = compute_features(from_backtesting(GOOG.iloc[:300], "GOOG"))

    again = compute_features(first)

    assert_frame_equal(again, first, check_exact=True)


def test_compute_features_when_prices_are_decimal_then_same_as_float() -> None:
    prices = pl.col("open", "high", "low", "close")
    floats = bars([100.0 + (i % 7) for i in range(60)]).with_columns(prices.round(4))
    decimals = floats.with_columns(prices.cast(pl.Decimal(12, 4)))

    assert_frame_equal(compute_features(decimals), compute_features(floats), check_exact=True)


def test_compute_features_when_a_bar_column_is_missing_then_value_error() -> None:
    with pytest.raises(ValueError, match="volume"):
        compute_features(bars([100.0]).drop("volume"))


# --- regime -----------------------------------------------------------------------------

BARS = 300


def zigzag(level: np.ndarray, amplitude: float) -> np.ndarray:
    """`level` with +-amplitude alternating: a constant realised volatility."""
    sign = np.where(np.arange(len(level)) % 2 == 0, 1.0, -1.0)
    return level * (1 + amplitude * sign)


def labels(closes: np.ndarray) -> list[str | None]:
    return compute_features(bars(closes))["regime"].to_list()


def test_regime_when_steady_uptrend_then_trend() -> None:
    closes = zigzag(100 * 1.004 ** np.arange(BARS), 0.001)

    regime = labels(closes)

    assert regime[:REGIME_WARM_UP] == [None] * REGIME_WARM_UP
    assert set(regime[REGIME_WARM_UP:]) == {Regime.TREND}


def test_regime_when_steady_downtrend_then_trend() -> None:
    closes = zigzag(100 * 0.996 ** np.arange(BARS), 0.001)

    assert set(labels(closes)[REGIME_WARM_UP:]) == {Regime.TREND}


def test_regime_when_flat_noisy_market_then_range() -> None:
    noise = np.random.default_rng(11).normal(0, 0.004, BARS)
    closes = 100 * (1 + noise)

    assert set(labels(closes)[REGIME_WARM_UP:]) == {Regime.RANGE}


def test_regime_when_volatility_bursts_then_high_volatility() -> None:
    calm = zigzag(np.full(200, 100.0), 0.001)
    burst = zigzag(np.full(20, 100.0), 0.01)  # ten times the swing

    regime = labels(np.concatenate([calm, burst]))

    assert set(regime[REGIME_WARM_UP:200]) == {Regime.RANGE}
    assert regime[-1] == Regime.HIGH_VOLATILITY
