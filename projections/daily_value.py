"""Average daily traded value (ADV) from the ingested bars: a fold over `BarClosed` by IST
day, read as each symbol's mean over its last N sessions before a day.

The desk's sizing and liquidity guardrail use this ADV (rupees, close x volume summed per
day) in place of a figure typed into an instruments file. A day's own bars never count
toward its ADV, so the figure a day decides with is fixed once that day has begun. Only a
day the log saw whole counts: its bars must start by 09:45 IST and run to 15:00 IST. A
desk started at 10:00, or stopped at noon, has seen part of a day's trading, and that part
as a day's ADV would make a liquid name look thin (and its cards small, or filtered).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from domain.events import BarClosed
from domain.instrument_master import ADV_SESSIONS
from domain.session import ist

PAISA = Decimal("0.01")
SEEN_FROM = time(9, 45)  # a day counts when its bars start by this (IST; the open is 09:15)
SEEN_TO = time(15, 0)  # ... and run at least to this (the close is 15:30)


@dataclass
class DayValue:
    """One symbol's IST day: traded value so far, and the span its bars cover."""

    traded: Decimal
    first: datetime  # the first bar's start (IST)
    last: datetime  # the last bar's end (IST)

    @property
    def whole(self) -> bool:
        """Seen from near the open to near the close (a daily bar, which spans the whole
        day, counts too)."""
        day, zone = self.first.date(), self.first.tzinfo
        return (self.first <= datetime.combine(day, SEEN_FROM, zone)
                and self.last >= datetime.combine(day, SEEN_TO, zone))


@dataclass
class DailyValues:
    """Per symbol, the traded value of each IST day it has bars for."""

    traded: dict[str, dict[date, DayValue]] = field(default_factory=dict)


def apply(state: DailyValues, bar: BarClosed) -> DailyValues:
    """Add one closed bar's traded value to its symbol's IST day."""
    days = state.traded.setdefault(bar.symbol, {})
    start, end = ist(bar.start), ist(bar.end)
    day = days.get(start.date())
    value = bar.close * bar.volume
    if day is None:
        days[start.date()] = DayValue(value, start, end)
    else:
        day.traded += value
        day.first, day.last = min(day.first, start), max(day.last, end)
    return state


def folded(bars: Iterable[BarClosed]) -> DailyValues:
    """The fold over `bars` from nothing."""
    state = DailyValues()
    for bar in bars:
        apply(state, bar)
    return state


def adv_before(state: DailyValues, day: date, sessions: int = ADV_SESSIONS) -> dict[str, Decimal]:
    """Each symbol's mean daily traded value over its last `sessions` whole days with bars
    before `day`, to the paisa; symbols with no such day are absent."""
    adv = {}
    for symbol, days in state.traded.items():
        recent = sorted(d for d, seen in days.items() if d < day and seen.whole)[-sessions:]
        if recent:
            total = sum((days[d].traded for d in recent), Decimal(0))
            adv[symbol] = (total / len(recent)).quantize(PAISA)
    return adv
