"""Average daily traded value (ADV) from the ingested bars: a fold over `BarClosed` by IST
day, read as each symbol's mean over its last N sessions before a day.

The desk's sizing and liquidity guardrail use this ADV (rupees, close x volume summed per
day) in place of a figure typed into an instruments file. A day's own bars never count
toward its ADV, so the figure a day decides with is fixed once that day has begun.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from domain.events import BarClosed
from domain.instrument_master import ADV_SESSIONS
from domain.session import ist

PAISA = Decimal("0.01")


@dataclass
class DailyValues:
    """Per symbol, the traded value of each IST day it has bars for."""

    traded: dict[str, dict[date, Decimal]] = field(default_factory=dict)


def apply(state: DailyValues, bar: BarClosed) -> DailyValues:
    """Add one closed bar's traded value to its symbol's IST day."""
    days = state.traded.setdefault(bar.symbol, {})
    session = ist(bar.start).date()
    days[session] = days.get(session, Decimal(0)) + bar.close * bar.volume
    return state


def folded(bars: Iterable[BarClosed]) -> DailyValues:
    """The fold over `bars` from nothing."""
    state = DailyValues()
    for bar in bars:
        apply(state, bar)
    return state


def adv_before(state: DailyValues, day: date, sessions: int = ADV_SESSIONS) -> dict[str, Decimal]:
    """Each symbol's mean daily traded value over its last `sessions` days with bars
    before `day`, to the paisa; symbols with no such day are absent."""
    adv = {}
    for symbol, days in state.traded.items():
        recent = sorted(d for d in days if d < day)[-sessions:]
        if recent:
            total = sum((days[d] for d in recent), Decimal(0))
            adv[symbol] = (total / len(recent)).quantize(PAISA)
    return adv
