"""The trading calendar: which days the exchange trades, and in which session (IST).

A weekday trades the normal session unless the calendar lists it as a holiday; a listed
special session (Muhurat trading on Diwali, a Saturday drill) trades on its own times even
on a weekend. A holiday has no session, so nothing enters on it. The dated table is data
(`data/calendar/nse-<year>.yaml`, read by `adapters/files/calendar.py`); this module only
answers questions about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType

from domain.session import ENTRY_CUTOFF, MARKET_OPEN, ist

MARKET_CLOSE = time(15, 30)


@dataclass(frozen=True)
class Session:
    """One day's trading session: open to close, new entries until `entry_cutoff`."""

    name: str
    open: time
    close: time
    entry_cutoff: time

    def accepts_entries(self, at: time) -> bool:
        """True while the session takes the desk's new entries."""
        return self.open <= at < self.entry_cutoff


NORMAL = Session("normal", MARKET_OPEN, MARKET_CLOSE, ENTRY_CUTOFF)


@dataclass(frozen=True)
class TradingCalendar:
    """Holidays (day → name) and special sessions (day → session) over the weekday rule;
    `years` are those the table covers (outside them, only the weekday rule applies)."""

    holidays: Mapping[date, str] = field(default_factory=lambda: MappingProxyType({}))
    special: Mapping[date, Session] = field(default_factory=lambda: MappingProxyType({}))
    years: frozenset[int] = frozenset()

    def session(self, day: date) -> Session | None:
        """The day's session, or None when the exchange does not trade that day."""
        if day in self.special:
            return self.special[day]
        if day in self.holidays or day.weekday() >= 5:
            return None
        return NORMAL

    def trading_day(self, day: date) -> bool:
        """True when the exchange trades on `day` (IST date)."""
        return self.session(day) is not None

    def trading_day_after(self, day: date, sessions: int = 1) -> date:
        """The `sessions`-th trading day after `day` (0: `day` itself if it trades)."""
        found = day
        while not self.trading_day(found):
            found += timedelta(days=1)
        for _ in range(sessions):
            found += timedelta(days=1)
            while not self.trading_day(found):
                found += timedelta(days=1)
        return found

    def entries_open(self, at: datetime) -> bool:
        """True while the day's session accepts the desk's new entries."""
        local = ist(at)
        session = self.session(local.date())
        return session is not None and session.accepts_entries(local.time())

    def why_closed(self, at: datetime) -> str:
        """Why `at` takes no entries, in words ("" when it does)."""
        local = ist(at)
        day = local.date()
        session = self.session(day)
        if session is None:
            holiday = self.holidays.get(day)
            return (f"{day:%a %d %b %Y} is an exchange holiday ({holiday})" if holiday
                    else f"{day:%a %d %b %Y} is not a trading day")
        if session.accepts_entries(local.time()):
            return ""
        named = "" if session is NORMAL else f" ({session.name})"
        return (f"{local:%H:%M:%S} IST vs entries {session.open:%H:%M}-"
                f"{session.entry_cutoff:%H:%M}{named}")


WEEKDAYS = TradingCalendar()
"""No table: every weekday trades the normal session (tests, and years not listed)."""
