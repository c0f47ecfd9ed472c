"""Feature job speed: 2,000 symbols x 500 bars, eventdesk against two peers in one run.

    uv run python -m bench.features [--symbols N] [--bars N] [--repeat N] [--seed N]

The job: returns (1, 5, 20), log return, momentum(10), SMA(20), EMA(20), SMA(50), ATR(14),
realised vol(20), RSI(14), opening gap, volume z-score(20), regime. Peers compute the same
columns: (a) TA-Lib per symbol for RSI/ATR/SMA/EMA plus pandas groupby-rolling for the rest,
(b) pandas alone (groupby rolling and ewm). Each time is the best of `--repeat` runs on
synthetic random-walk one-minute bars (fixed seed). Every peer column is checked against
eventdesk's, so the jobs are the same. Figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import talib

from domain.features import (
    DEFAULT_REGIME_RULE,
    FEATURE_COLUMNS,
    SESSION_TIME_ZONE,
    compute_features,
)

SESSION_START = datetime(2026, 11, 16, 3, 45)  # 09:15 IST, as UTC
BARS_PER_SESSION = 375  # 09:15 to 15:30 IST in one-minute bars


def synthetic_bars(symbols: int, bars: int, seed: int) -> pl.DataFrame:
    """Random-walk one-minute OHLCV, `bars` per symbol over consecutive NSE sessions."""
    rng = np.random.default_rng(seed)
    shape = (symbols, bars)
    start = rng.uniform(50, 5000, (symbols, 1))
    close = start * np.exp(np.cumsum(rng.normal(0, 0.002, shape), axis=1))
    previous = np.concatenate([start, close[:, :-1]], axis=1)
    open_ = previous * (1 + rng.normal(0, 0.0005, shape))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.001, shape)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.001, shape)))
    volume = rng.lognormal(8, 1, shape).astype(np.int64)
    minutes = [
        SESSION_START + timedelta(days=i // BARS_PER_SESSION, minutes=i % BARS_PER_SESSION)
        for i in range(bars)
    ]
    ts = pl.Series("ts", minutes * symbols).dt.replace_time_zone("UTC")
    return pl.DataFrame({
        "symbol": np.repeat([f"SYM{i:04d}" for i in range(symbols)], bars),
        "ts": ts,
        "open": open_.ravel(), "high": high.ravel(), "low": low.ravel(),
        "close": close.ravel(), "volume": volume.ravel(),
    })


# --- peers --------------------------------------------------------------------------------


def _pandas_common(df: pd.DataFrame) -> pd.DataFrame:
    """The columns both peers compute with pandas: returns, vol, z-score, gap, regime."""
    by = df.groupby("symbol", sort=False)
    close = df["close"]
    previous = by["close"].shift(1)
    out = pd.DataFrame(index=df.index)
    for n in (1, 5, 20):
        out[f"return_{n}"] = close / by["close"].shift(n) - 1
    out["log_return_1"] = np.log(close / previous)
    out["momentum_10"] = close / by["close"].shift(10) - 1
    out["sma_50"] = by["close"].rolling(50).mean().reset_index(level=0, drop=True)
    vol = out["log_return_1"].groupby(df["symbol"], sort=False).rolling(20).std()
    out["realised_vol_20"] = vol.reset_index(level=0, drop=True)
    volume = df["volume"].astype(float).groupby(df["symbol"], sort=False).rolling(20)
    mean = volume.mean().reset_index(level=0, drop=True)
    std = volume.std().reset_index(level=0, drop=True)
    out["volume_zscore_20"] = ((df["volume"] - mean) / std).where(std > 0)
    day = df["ts"].dt.tz_convert(SESSION_TIME_ZONE).dt.date
    first = (day != day.shift(1)) | (df["symbol"] != df["symbol"].shift(1))
    gap_first = (df["open"] / previous - 1).where(first)
    out["gap"] = gap_first.groupby([df["symbol"], day], sort=False).transform("first")
    out["regime"] = _pandas_regime(df, out)
    return out


def _pandas_regime(df: pd.DataFrame, out: pd.DataFrame) -> pd.Series:
    rule = DEFAULT_REGIME_RULE
    vol = out["realised_vol_20"]
    median = vol.groupby(df["symbol"], sort=False).rolling(rule.vol_median_window).median()
    median = median.reset_index(level=0, drop=True)
    sma = out["sma_50"]
    slope = sma - sma.groupby(df["symbol"], sort=False).shift(rule.slope_lookback)
    distance = df["close"] / sma - 1
    trending = (distance.abs() > rule.trend_distance) & (np.sign(distance) == np.sign(slope))
    label = np.select(
        [median.isna() | slope.isna(), vol > rule.vol_multiple * median, trending],
        [None, "high_volatility", "trend"], default="range",
    )
    return pd.Series(label, index=df.index)


def talib_and_pandas(df: pd.DataFrame) -> pd.DataFrame:
    """TA-Lib per symbol for RSI, ATR, SMA, EMA; pandas for the rest."""
    out = _pandas_common(df)
    high, low, close = (df[c].to_numpy(float) for c in ("high", "low", "close"))
    symbols = df["symbol"].to_numpy()
    starts = np.flatnonzero(np.r_[True, symbols[1:] != symbols[:-1]])
    ends = np.r_[starts[1:], len(df)]
    columns = {name: np.empty(len(df)) for name in ("rsi_14", "atr_14", "sma_20", "ema_20")}
    for a, b in zip(starts, ends, strict=True):
        columns["rsi_14"][a:b] = talib.RSI(close[a:b], 14)
        columns["atr_14"][a:b] = talib.ATR(high[a:b], low[a:b], close[a:b], 14)
        columns["sma_20"][a:b] = talib.SMA(close[a:b], 20)
        columns["ema_20"][a:b] = talib.EMA(close[a:b], 20)
    return out.assign(**columns)


def _pandas_seeded_ewm(
    values: pd.Series, symbol: pd.Series, index: pd.Series, alpha: float, period: int, seed: int
) -> pd.Series:
    """TA-Lib's seeding: the plain mean of the first `period` values at bar `seed`, then EWM."""
    mean = values.groupby(symbol, sort=False).rolling(period).mean().reset_index(level=0, drop=True)
    seeded = values.where(index > seed, mean.where(index == seed))
    ewm = seeded.groupby(symbol, sort=False).ewm(alpha=alpha, adjust=False).mean()
    return ewm.reset_index(level=0, drop=True)


def pandas_only(df: pd.DataFrame) -> pd.DataFrame:
    """Everything in pandas: groupby rolling and ewm."""
    out = _pandas_common(df)
    symbol = df["symbol"]
    index = df.groupby("symbol", sort=False).cumcount()
    previous = df.groupby("symbol", sort=False)["close"].shift(1)
    change = df["close"] - previous
    true_range = np.maximum(df["high"], previous) - np.minimum(df["low"], previous)
    gain = _pandas_seeded_ewm(change.clip(lower=0), symbol, index, 1 / 14, 14, 14)
    loss = _pandas_seeded_ewm((-change).clip(lower=0), symbol, index, 1 / 14, 14, 14)
    total = gain + loss
    out["rsi_14"] = (100 * gain / total).where(total > 0)
    out["atr_14"] = _pandas_seeded_ewm(true_range, symbol, index, 1 / 14, 14, 14)
    sma = df["close"].groupby(symbol, sort=False).rolling(20).mean()
    out["sma_20"] = sma.reset_index(level=0, drop=True)
    out["ema_20"] = _pandas_seeded_ewm(df["close"], symbol, index, 2 / 21, 20, 19)
    return out


def to_pandas(bars: pl.DataFrame) -> pd.DataFrame:
    """Column by column through numpy (polars' own `to_pandas` needs pyarrow)."""
    frame = pd.DataFrame({name: bars[name].to_numpy() for name in bars.columns})
    frame["ts"] = pd.to_datetime(frame["ts"]).dt.tz_localize("UTC")
    return frame


# --- timing -------------------------------------------------------------------------------


def best_of(repeat: int, job: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = job()
        best = min(best, time.perf_counter() - t0)
    return best, result


def max_relative_error(ours: pl.DataFrame, peer: pd.DataFrame, column: str) -> float:
    mine, theirs = ours[column].to_numpy(), peer[column].to_numpy(float)
    both = ~np.isnan(mine) & ~np.isnan(theirs)
    if (np.isnan(mine) != np.isnan(theirs)).any():
        return float("inf")  # warm-up bars differ: not the same job
    return float(np.max(np.abs(mine[both] - theirs[both]) / np.abs(theirs[both])))


def same_job(ours: pl.DataFrame, peer: pd.DataFrame) -> str:
    """Whether every feature column agrees (1e-9 relative, nulls in the same bars)."""
    differ = []
    for column in FEATURE_COLUMNS:
        if column == "regime":
            labels = ours[column].fill_null("warm-up").to_numpy()
            agree = bool((labels == peer[column].fillna("warm-up").to_numpy()).all())
        else:
            mine, theirs = ours[column].to_numpy(), peer[column].to_numpy(float)
            agree = bool(np.allclose(mine, theirs, rtol=1e-9, atol=1e-12, equal_nan=True))
        if not agree:
            differ.append(column)
    if differ:
        return f"columns that differ: {', '.join(differ)}"
    return f"all {len(FEATURE_COLUMNS)} feature columns agree"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=2000)
    parser.add_argument("--bars", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261120)
    args = parser.parse_args()

    bars = synthetic_bars(args.symbols, args.bars, args.seed)
    # Peers get their input sorted and converted outside the timing, a favour to them.
    frame = to_pandas(bars.sort("symbol", "ts"))
    ours_s, ours = best_of(args.repeat, lambda: compute_features(bars))
    talib_s, by_talib = best_of(args.repeat, lambda: talib_and_pandas(frame))
    pandas_s, by_pandas = best_of(args.repeat, lambda: pandas_only(frame))

    n = bars.height
    print(f"features: {args.symbols:,} symbols x {args.bars:,} bars = {n:,} bars; "
          f"best of {args.repeat}; {os.cpu_count()} CPUs, polars {pl.__version__} "
          f"({pl.thread_pool_size()} threads), pandas {pd.__version__}, TA-Lib {talib.__version__}")
    print(f"  {'job':<44}{'seconds':>9}{'bars/s':>14}{'vs eventdesk':>15}")
    for name, seconds in (
        ("eventdesk compute_features (polars)", ours_s),
        ("TA-Lib per symbol + pandas groupby-rolling", talib_s),
        ("pandas only (groupby rolling + ewm)", pandas_s),
    ):
        print(f"  {name:<44}{seconds:>9.3f}{n / seconds:>14,.0f}{seconds / ours_s:>14.2f}x")
    for peer_name, peer in (("TA-Lib", by_talib), ("pandas", by_pandas)):
        errors = ", ".join(
            f"{c} {max_relative_error(ours, peer, c):.1e}"
            for c in ("rsi_14", "atr_14", "sma_20", "ema_20")
        )
        print(f"  {peer_name} peer vs eventdesk: max relative error {errors}; "
              f"{same_job(ours, peer)}")

if __name__ == "__main__":
    main()
