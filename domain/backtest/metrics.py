"""The statistics of a backtest, defined as backtesting.py defines them so the two can be
compared on the same trades (tests/unit/test_backtest_metrics.py does).

Returns are daily: the equity's last value per calendar day, compounded. A year has 252
trading days, or 365 when the bars include weekends. Ratios are analytics (float).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

import polars as pl

from domain.backtest.engine import BacktestResult, Trade

WEEKEND_SHARE = 2 / 7 * 0.6  # more bars than this on Sat/Sun: a market that trades daily


def daily_returns(times: pl.Series, equity: Sequence[float]) -> list[float]:
    """Day-over-day returns of the equity's last value on each calendar day."""
    if times.is_empty():
        return []
    frame = pl.DataFrame({"ts": times, "equity": pl.Series(equity, dtype=pl.Float64)})
    last = (
        frame.group_by(pl.col("ts").dt.date().alias("day"), maintain_order=True)
        .agg(pl.col("equity").last())["equity"]
        .to_list()
    )
    return [b / a - 1 for a, b in itertools.pairwise(last)]


def trading_days_per_year(times: pl.Series) -> int:
    """252, or 365 when the bars include weekends (crypto, some FX)."""
    if times.is_empty():
        return 252
    weekend = (times.dt.weekday() >= 6).sum() / len(times)  # Saturday is 6, Sunday 7
    return 365 if weekend > WEEKEND_SHARE else 252


def geometric_mean(returns: Sequence[float]) -> float:
    """The per-period return that compounds to the same total (0 on a total loss)."""
    if not returns or any(1 + r <= 0 for r in returns):
        return 0.0
    return math.exp(math.fsum(math.log1p(r) for r in returns) / len(returns)) - 1


def drawdown(equity: Sequence[float]) -> list[float]:
    """1 - equity over its running peak, per point."""
    curve = pl.Series(equity, dtype=pl.Float64)
    return (1 - curve / curve.cum_max()).to_list()


def longest_drawdown(times: pl.Series, dd: Sequence[float]) -> timedelta:
    """The longest time from a peak to the next new peak (or to the end)."""
    if not dd:
        return timedelta(0)
    marks = sorted({i for i, d in enumerate(dd) if d == 0} | {len(dd) - 1})
    at = times.gather(marks).to_list()
    longest = timedelta(0)
    for (before, t0), (after, t1) in itertools.pairwise(zip(marks, at, strict=True)):
        if after > before + 1:
            longest = max(longest, t1 - t0)
    return longest


def exposure(times: pl.Series, trades: Sequence[Trade]) -> float:
    """Share of the run's time points spent in a closed trade, entry to exit inclusive."""
    if times.is_empty() or not trades:
        return 0.0
    dtype = times.dtype
    starts = times.search_sorted(pl.Series([t.entry_at for t in trades], dtype=dtype), "left")
    ends = times.search_sorted(pl.Series([t.exit_at for t in trades], dtype=dtype), "right")
    change = [0] * (len(times) + 1)  # +1 where a trade starts, -1 after it ends
    for start, end in zip(starts.to_list(), ends.to_list(), strict=True):
        change[start] += 1
        change[end] -= 1
    held = int((pl.Series(change[:-1]).cum_sum() > 0).sum())
    return held / len(times)


def compute_metrics(result: BacktestResult, starting_cash: Decimal) -> dict[str, float | int | str]:
    """Every headline number of a run, keyed by name (JSON-ready)."""
    times, equity, trades = result.equity_at, result.equity, result.trades
    start = float(starting_cash)
    returns = daily_returns(times, equity)
    days = trading_days_per_year(times)
    g = geometric_mean(returns)
    annual = (1 + g) ** days - 1
    variance = _variance(returns)
    volatility = math.sqrt(max(0.0, (variance + (1 + g) ** 2) ** days - (1 + g) ** (2 * days)))
    downside = math.sqrt(sum(min(r, 0.0) ** 2 for r in returns) / len(returns)) if returns else 0
    span = (times[-1] - times[0]) if len(times) else timedelta(0)
    years = (span.days + span.seconds / 86400) / 365.25
    final = float(result.final_equity)
    dd = drawdown(equity)
    pnl = [float(t.pnl) for t in trades]
    rets = [t.return_pct for t in trades]
    wins, losses = [r for r in rets if r > 0], [r for r in rets if r < 0]
    losing_pnl = [p for p in pnl if p < 0]
    holds = [t.exit_at - t.entry_at for t in trades]
    # The equity before the first bar is the starting cash; a curve opens at it.
    return {
        "total_return_pct": (final - start) / start * 100,
        "cagr_pct": ((final / start) ** (1 / years) - 1) * 100 if years > 0 else math.nan,
        "annual_return_pct": annual * 100,
        "annual_volatility_pct": volatility * 100,
        "sharpe": annual / volatility if volatility else math.nan,
        "sortino": annual / (downside * math.sqrt(days)) if downside else math.nan,
        "max_drawdown_pct": -max(dd) * 100,
        "max_drawdown_duration_days": _days(longest_drawdown(times, dd)),
        "trades": len(trades),
        "win_rate_pct": 100 * sum(1 for p in pnl if p > 0) / len(pnl) if pnl else math.nan,
        "profit_factor": sum(wins) / abs(sum(losses)) if losses else math.nan,
        "expectancy_pct": 100 * sum(rets) / len(rets) if rets else math.nan,
        "expectancy_r": (sum(pnl) / len(pnl)) / abs(sum(losing_pnl) / len(losing_pnl))
        if losing_pnl
        else math.nan,
        "exposure_pct": 100 * exposure(times, trades),
        "average_hold_days": _days(sum(holds, timedelta(0)) / len(holds)) if holds else 0.0,
        "final_equity": final,
    }


def _variance(values: Sequence[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = math.fsum(values) / len(values)
    return math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)


def _days(span: timedelta) -> float:
    return span.total_seconds() / 86400
