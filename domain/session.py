"""NSE equity session times (IST) and the desk's entry cut-off."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30))
MARKET_OPEN = time(9, 15)
# No new entries after this; intraday positions are squared off from this bar on.
ENTRY_CUTOFF = time(15, 15)
SQUARE_OFF = time(15, 15)


def ist(at: datetime) -> datetime:
    return at.astimezone(IST)


def entries_open(at: datetime) -> bool:
    """True while the normal market accepts the desk's new entries."""
    t = ist(at).time()
    return MARKET_OPEN <= t < ENTRY_CUTOFF


def square_off_due(bar_start: datetime) -> bool:
    """True for bars at or after the intraday square-off time."""
    return ist(bar_start).time() >= SQUARE_OFF
