"""The values a bar strategy's clauses read, on a symbol's latest bar and the bar before,
computed one bar at a time as the desk folds its bars.

Crossings (`sma_10 crosses_above sma_20`) compare two bars, and a strategy file may name
features with any period (`sma_N`, `ema_N`, `rsi_N`, `atr_N`); this is their live twin of
`domain.feature_periods` (the same TA-Lib definitions and seeding). The state is plain
floats and lists, so the research view that holds it is folded from the log alone and a
replay rebuilds it bar for bar; no process keeps a cache of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from domain.feature_periods import PERIODIC, PRICE_FEATURES
from domain.live_features import FeatureValues
from domain.strategy.signals import feature

Values = dict[str, float | None]


def _smoothing(alpha: float) -> float:
    """The weight polars' `ewm_mean(adjust=False)` gives a new value (see live_features)."""
    return alpha / ((1.0 - alpha) + alpha)


@dataclass
class Periodic:
    """One `kind_period` feature of one symbol, folded bar by bar.

    `window` holds the last `period` closes (SMA, EMA seed) or the warm-up's true ranges
    or changes (ATR, RSI seeds); `gain`/`loss` are RSI's Wilder averages.
    """

    kind: str
    period: int
    bars: int = 0
    window: list[float] = field(default_factory=list)
    value: float | None = None
    gain: float | None = None
    loss: float | None = None

    def update(self, high: float, low: float, close: float, previous: float | None) -> None:
        """Fold in the next bar (`previous`: the close before it, None on the first)."""
        index = self.bars
        self.bars += 1
        _STEPS[self.kind](self, index, high, low, close, previous)


def _sma(
    p: Periodic, index: int, high: float, low: float, close: float, previous: float | None
) -> None:
    p.window.append(close)
    del p.window[: -p.period]
    p.value = math.fsum(p.window) / p.period if len(p.window) == p.period else None


def _ema(
    p: Periodic, index: int, high: float, low: float, close: float, previous: float | None
) -> None:
    # TA-Lib: the first EMA (bar n - 1) is the plain mean of the first n closes.
    if p.value is not None:
        p.value += (close - p.value) * _smoothing(2 / (p.period + 1))
        return
    p.window.append(close)
    if index == p.period - 1:
        p.value = math.fsum(p.window) / p.period
        p.window.clear()


def _atr(
    p: Periodic, index: int, high: float, low: float, close: float, previous: float | None
) -> None:
    if previous is None:
        return  # bar 0 has no true range
    true_range = max(high, previous) - min(low, previous)
    if p.value is not None:
        p.value += (true_range - p.value) * _smoothing(1 / p.period)
        return
    p.window.append(true_range)
    if index == p.period:
        p.value = math.fsum(p.window) / p.period
        p.window.clear()


def _rsi(
    p: Periodic, index: int, high: float, low: float, close: float, previous: float | None
) -> None:
    if previous is None:
        return
    change = close - previous
    up, down = max(change, 0.0), max(-change, 0.0)
    if p.gain is not None and p.loss is not None:
        step = _smoothing(1 / p.period)
        p.gain += (up - p.gain) * step
        p.loss += (down - p.loss) * step
    else:
        p.window.append(change)
        if index != p.period:
            return
        p.gain = math.fsum(max(c, 0.0) for c in p.window) / p.period
        p.loss = math.fsum(max(-c, 0.0) for c in p.window) / p.period
        p.window.clear()
    total = p.gain + p.loss
    p.value = 100 * p.gain / total if total > 0 else None  # nothing moved: undefined


_STEPS: dict[str, Callable[[Periodic, int, float, float, float, float | None], None]] = {
    "sma": _sma,
    "ema": _ema,
    "atr": _atr,
    "rsi": _rsi,
}


@dataclass
class ClauseValues:
    """One symbol's clause values on its latest bar (`now`) and the bar before (`before`)."""

    periodic: dict[str, Periodic] = field(default_factory=dict)
    last_close: float | None = None
    before: Values | None = None
    now: Values = field(default_factory=dict)

    def update(
        self,
        names: Sequence[str],
        features: FeatureValues,
        open: float,
        high: float,
        low: float,
        close: float,
    ) -> None:
        """Fold in the bar `features` was just updated with; `names`: what clauses read."""
        prices = {"open": open, "high": high, "low": low, "close": close}
        values: Values = {}
        for name in names:
            match = PERIODIC.match(name)
            if match is None:
                values[name] = prices[name] if name in PRICE_FEATURES else feature(features, name)
                continue
            state = self.periodic.get(name)
            if state is None:
                state = self.periodic[name] = Periodic(match[1], int(match[2]))
            state.update(high, low, close, self.last_close)
            values[name] = state.value
        self.last_close = close
        self.before = self.now if self.now else None
        self.now = values
