"""When a strategy may make signals: entry windows in IST (`09:20-11:00`), days it sits out
(NSE's monthly F&O expiry days, or a list of dates), and a cron-like schedule for periodic
strategies (`30 9 * * 1`: Mondays 09:30 IST). Pure: every answer is for a desk time given
by the caller, so a replay of the log gives the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from croniter import croniter

from domain.calendar import TradingCalendar
from domain.session import IST

EXPIRY_DAYS = "expiry_days"  # the `skip` entry for NSE's monthly F&O expiry days
_LOOK_AHEAD = 5_000  # cron times tried for the next due one: every minute of 3.5 days
_EXPIRY_WEEKDAY = 1  # Tuesday: NSE's monthly F&O contracts expire on the month's last one


@dataclass(frozen=True)
class Window:
    """Entries from `start` up to, not including, `end` (IST)."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def holds(self, at: time) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True)
class Schedule:
    """A strategy's timetable; the empty schedule never stops a signal."""

    windows: tuple[Window, ...] = ()
    skip_expiry_days: bool = False
    skip_dates: frozenset[date] = frozenset()
    cron: str | None = None  # periodic strategies: when each run falls due (IST)

    def day_off(self, day: date, calendar: TradingCalendar) -> str:
        """Why the strategy sits out `day` (IST), or "" when it runs."""
        if day in self.skip_dates:
            return f"{day} is on the strategy's skip list"
        if self.skip_expiry_days and day == monthly_expiry(day.year, day.month, calendar):
            return f"{day} is the monthly F&O expiry day, which the strategy skips"
        return ""

    def why_closed(self, at: datetime, calendar: TradingCalendar) -> str:
        """Why a signal at desk time `at` is outside the schedule, or "" when inside."""
        local = at.astimezone(IST)
        off = self.day_off(local.date(), calendar)
        if off or not self.windows:
            return off
        if any(w.holds(local.time()) for w in self.windows):
            return ""
        return (f"{local:%H:%M} IST is outside the entry window(s) "
                f"{', '.join(str(w) for w in self.windows)}")

    def due(self, at: datetime) -> datetime | None:
        """The latest cron time at or before `at` on the same IST day (None: none yet today,
        or no cron): a periodic strategy makes one signal per symbol per due time, on the
        first bar after it that meets its clauses."""
        if self.cron is None:
            return None
        local = at.astimezone(IST)
        previous: datetime = croniter(self.cron, local + timedelta(microseconds=1)).get_prev(
            datetime)
        return previous if previous.date() == local.date() else None


    def next_due(self, after: datetime, calendar: TradingCalendar) -> datetime | None:
        """The first cron time after `after` on a day the exchange trades and the strategy
        does not sit out (None: no cron, or none within a year): what an operator waits for."""
        if self.cron is None:
            return None
        times = croniter(self.cron, after.astimezone(IST))
        for _ in range(_LOOK_AHEAD):
            candidate: datetime = times.get_next(datetime)
            if candidate - after > timedelta(days=366):
                return None
            day = candidate.date()
            if calendar.trading_day(day) and not self.day_off(day, calendar):
                return candidate
        return None


ALWAYS = Schedule()


def monthly_expiry(year: int, month: int, calendar: TradingCalendar) -> date:
    """The month's last Tuesday, or the trading day before it when the exchange is shut."""
    after = date(year + month // 12, month % 12 + 1, 1)
    day = after - timedelta(days=1)
    while day.weekday() != _EXPIRY_WEEKDAY:
        day -= timedelta(days=1)
    while not calendar.trading_day(day):
        day -= timedelta(days=1)
    return day


def parse_window(text: str) -> Window:
    """`09:20-11:00` as a window; a ValueError says what is wrong."""
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"window {text!r} is not HH:MM-HH:MM")
    window = Window(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
    if window.start >= window.end:
        raise ValueError(f"window {text!r} ends before it starts")
    return window


def valid_cron(text: str) -> str:
    """`text` when croniter reads it as a five-field schedule; a ValueError otherwise."""
    if len(text.split()) != 5 or not croniter.is_valid(text):
        raise ValueError(f"schedule {text!r} is not a five-field cron expression "
                         "(minute hour day month weekday, IST)")
    return text
