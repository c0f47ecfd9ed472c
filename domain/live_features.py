"""Per-symbol bar features computed one bar at a time, for the hot path.

`SymbolFeatures` is the incremental twin of `domain.features.compute_features`: after each
bar, `latest()` holds the values the bulk computation gives for that bar, nulls (`None`)
included. The state is bounded (the longest window, not the whole history) and is a plain
dataclass of floats, ints, lists and dates, so a projection can store it as JSON and
carry on from there bit for bit.

Windowed sums are recomputed from the window on every bar (with `math.fsum`, correctly
rounded) rather than kept running, so rounding never accumulates over a long session.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo

from domain.features import (
    ATR_PERIOD,
    DEFAULT_REGIME_RULE,
    EMA_PERIOD,
    MOMENTUM_LOOKBACK,
    REALISED_VOL_WINDOW,
    RETURN_LOOKBACKS,
    RSI_PERIOD,
    SESSION_TIME_ZONE,
    SMA_PERIOD,
    TREND_SMA_PERIOD,
    VOLUME_Z_WINDOW,
    Regime,
    RegimeRule,
)

# Closes kept: enough for the longest of the SMAs, the EMA seed and the return lookbacks.
CLOSES_KEPT = max(
    TREND_SMA_PERIOD, SMA_PERIOD, EMA_PERIOD, max(RETURN_LOOKBACKS) + 1, MOMENTUM_LOOKBACK + 1
)


def _ewm_step(alpha: float) -> float:
    """The weight polars' `ewm_mean(adjust=False)` gives a new value: alpha over the sum of
    the weights, which in floating point is not always exactly alpha."""
    return alpha / ((1.0 - alpha) + alpha)


_EMA_STEP = _ewm_step(2 / (EMA_PERIOD + 1))
_ATR_STEP = _ewm_step(1 / ATR_PERIOD)
_RSI_STEP = _ewm_step(1 / RSI_PERIOD)


@dataclass(frozen=True)
class FeatureValues:
    """One symbol's features after its latest bar; `None` where the bulk result is null."""

    bars: int = 0
    ts: datetime | None = None
    close: float | None = None
    return_1: float | None = None
    return_5: float | None = None
    return_20: float | None = None
    log_return_1: float | None = None
    momentum_10: float | None = None
    sma_20: float | None = None
    ema_20: float | None = None
    sma_50: float | None = None
    atr_14: float | None = None
    realised_vol_20: float | None = None
    rsi_14: float | None = None
    gap: float | None = None
    volume_zscore_20: float | None = None
    regime: Regime | None = None


@dataclass
class SymbolFeatures:
    """The incremental feature state of one symbol; fold bars in with `update`.

    Bars must come in time order, one per timestamp, with finite positive prices, as
    `compute_features` requires. Every list field is trimmed to its window in `update`.
    """

    regime_rule: RegimeRule = DEFAULT_REGIME_RULE
    session_time_zone: str = SESSION_TIME_ZONE
    bars: int = 0
    closes: list[float] = field(default_factory=list)
    trend_smas: list[float] = field(default_factory=list)  # SMA-50 over the slope lookback
    log_returns: list[float] = field(default_factory=list)
    realised_vols: list[float] = field(default_factory=list)  # in bar order
    realised_vols_sorted: list[float] = field(default_factory=list)  # same values, for median
    volumes: list[float] = field(default_factory=list)
    # Warm-up only: the first true ranges and close-to-close changes seed ATR and RSI.
    seed_true_ranges: list[float] = field(default_factory=list)
    seed_changes: list[float] = field(default_factory=list)
    ema: float | None = None
    atr: float | None = None
    average_gain: float | None = None
    average_loss: float | None = None
    session_day: date | None = None
    gap: float | None = None
    current: FeatureValues = field(default_factory=FeatureValues)

    def latest(self) -> FeatureValues:
        """The features as of the last bar folded in (all `None` before the first)."""
        return self.current

    def update(
        self, ts: datetime, open: float, high: float, low: float, close: float, volume: float
    ) -> None:
        """Fold in the next bar of this symbol; `ValueError` if it is not after the last."""
        if self.current.ts is not None and ts <= self.current.ts:
            raise ValueError(f"bar at {ts} is not after the last bar at {self.current.ts}")
        closes = self.closes
        previous = closes[-1] if closes else None
        _slide(closes, close, CLOSES_KEPT)
        index = self.bars
        self.bars = count = index + 1

        self._update_gap(ts, open, previous)
        sma_20 = _window_mean(closes, SMA_PERIOD)
        sma_50 = _window_mean(closes, TREND_SMA_PERIOD)
        self._update_ema(index)
        log_return = None
        if previous is not None:
            log_return = math.log(close / previous)
            self._update_atr(index, max(high, previous) - min(low, previous))
            self._update_rsi_averages(index, close - previous)
        realised_vol = self._update_realised_vol(log_return)
        slope = self._update_trend_slope(sma_50)
        self.current = FeatureValues(
            bars=count,
            ts=ts,
            close=close,
            return_1=_return(closes, RETURN_LOOKBACKS[0]),
            return_5=_return(closes, RETURN_LOOKBACKS[1]),
            return_20=_return(closes, RETURN_LOOKBACKS[2]),
            log_return_1=log_return,
            momentum_10=_return(closes, MOMENTUM_LOOKBACK),
            sma_20=sma_20,
            ema_20=self.ema,
            sma_50=sma_50,
            atr_14=self.atr,
            realised_vol_20=realised_vol,
            rsi_14=_rsi(self.average_gain, self.average_loss),
            gap=self.gap,
            volume_zscore_20=self._update_volume_zscore(volume),
            regime=self._regime(close, realised_vol, sma_50, slope),
        )

    def _update_gap(self, ts: datetime, open: float, previous: float | None) -> None:
        day = _session_day(ts, self.session_time_zone)
        if day != self.session_day:
            self.session_day = day
            self.gap = None if previous is None else open / previous - 1

    def _update_ema(self, index: int) -> None:
        # TA-Lib seeding: the first EMA is the plain mean of the first EMA_PERIOD closes.
        if index == EMA_PERIOD - 1:
            self.ema = _window_mean(self.closes, EMA_PERIOD)
        elif self.ema is not None:
            self.ema += (self.closes[-1] - self.ema) * _EMA_STEP

    def _update_atr(self, index: int, true_range: float) -> None:
        if self.atr is not None:
            self.atr += (true_range - self.atr) * _ATR_STEP
            return
        # Bar 0 has no true range, so the seed at bar ATR_PERIOD averages TR[1..n].
        self.seed_true_ranges.append(true_range)
        if index == ATR_PERIOD:
            self.atr = math.fsum(self.seed_true_ranges) / ATR_PERIOD
            self.seed_true_ranges.clear()

    def _update_rsi_averages(self, index: int, change: float) -> None:
        gain, loss = max(change, 0.0), max(-change, 0.0)
        if self.average_gain is not None and self.average_loss is not None:
            self.average_gain += (gain - self.average_gain) * _RSI_STEP
            self.average_loss += (loss - self.average_loss) * _RSI_STEP
            return
        self.seed_changes.append(change)
        if index == RSI_PERIOD:
            changes = self.seed_changes
            self.average_gain = math.fsum(max(c, 0.0) for c in changes) / RSI_PERIOD
            self.average_loss = math.fsum(max(-c, 0.0) for c in changes) / RSI_PERIOD
            changes.clear()

    def _update_realised_vol(self, log_return: float | None) -> float | None:
        if log_return is None:
            return None
        if not _slide(self.log_returns, log_return, REALISED_VOL_WINDOW):
            return None
        _, vol = _mean_and_std(self.log_returns)
        recent, ordered = self.realised_vols, self.realised_vols_sorted
        recent.append(vol)
        insort(ordered, vol)
        if len(recent) > self.regime_rule.vol_median_window:
            del ordered[bisect_left(ordered, recent.pop(0))]
        return vol

    def _update_trend_slope(self, sma_50: float | None) -> float | None:
        if sma_50 is None:
            return None
        smas = self.trend_smas
        if not _slide(smas, sma_50, self.regime_rule.slope_lookback + 1):
            return None
        return smas[-1] - smas[0]

    def _update_volume_zscore(self, volume: float) -> float | None:
        if not _slide(self.volumes, volume, VOLUME_Z_WINDOW):
            return None
        mean, std = _mean_and_std(self.volumes)
        return (volume - mean) / std if std > 0 else None

    def _regime(
        self, close: float, vol: float | None, sma_50: float | None, slope: float | None
    ) -> Regime | None:
        """`RegimeRule`, first match wins; None until the vol median and the slope exist."""
        rule = self.regime_rule
        ordered = self.realised_vols_sorted
        if vol is None or sma_50 is None or slope is None:
            return None
        if len(ordered) < rule.vol_median_window:
            return None
        if vol > rule.vol_multiple * _median(ordered):
            return Regime.HIGH_VOLATILITY
        distance = close / sma_50 - 1
        if abs(distance) > rule.trend_distance and _sign(distance) == _sign(slope):
            return Regime.TREND
        return Regime.RANGE


def _slide(window: list[float], value: float, size: int) -> bool:
    """Append `value`, dropping the oldest beyond `size`; whether the window is now full."""
    window.append(value)
    if len(window) > size:
        del window[0]
        return True
    return len(window) == size


def _window_mean(values: list[float], period: int) -> float | None:
    if len(values) < period:
        return None
    return math.fsum(values[-period:]) / period


def _return(closes: list[float], lookback: int) -> float | None:
    if len(closes) <= lookback:
        return None
    return closes[-1] / closes[-1 - lookback] - 1


def _mean_and_std(window: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof 1), two-pass: exactly 0 for a flat window."""
    mean = math.fsum(window) / len(window)
    variance = math.fsum([(x - mean) * (x - mean) for x in window]) / (len(window) - 1)
    return mean, math.sqrt(variance)


def _median(ordered: list[float]) -> float:
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _rsi(gain: float | None, loss: float | None) -> float | None:
    """100 * gain / (gain + loss); None where nothing has moved (see `features._rsi`)."""
    if gain is None or loss is None:
        return None
    total = gain + loss
    return 100 * gain / total if total > 0 else None


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _session_day(ts: datetime, time_zone: str) -> date:
    """The exchange day of `ts`: an aware time read in the session zone, a naive one as is."""
    if ts.tzinfo is None:
        return ts.date()
    return ts.astimezone(_zone(time_zone)).date()


@cache
def _zone(name: str) -> tzinfo:
    return ZoneInfo(name)
