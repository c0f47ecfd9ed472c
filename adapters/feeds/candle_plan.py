"""How a historical candle fetch is cut up and paced: each venue's longest range a request
may ask for, its documented request rates, and a progress file so a fetch broken off part
way (a refusal, a crash, Ctrl-C) goes on where it stopped.

Ranges per request, as the venues document them:

- Upstox Historical Candle Data V3: minutes 1-15 at most 1 month up to `to_date`, longer
  minute intervals and hours 1 quarter, days 1 decade (a longer range is refused as an
  invalid request).
- Kite `/instruments/historical`: minute 60 days; 3, 5 and 10 minute 100 days; 15 and 30
  minute 200 days; 60 minute 400 days; day 2000 days.

Rates: Kite's historical endpoint takes 3 requests a second; Upstox's standard APIs 50 a
second, 500 a minute and 2000 in 30 minutes per user (both answer 429 beyond).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from calendar import monthrange
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx

from adapters.feeds.candles import CandleSource, CandleThrottled

# (venue, our interval) -> the longest range one request may cover: ("days", n) inclusive
# of both ends, or ("months", n) counted back from the range's last day
MAX_RANGE: dict[tuple[str, str], tuple[str, int]] = {
    ("upstox", "1m"): ("months", 1),
    ("upstox", "3m"): ("months", 1),
    ("upstox", "5m"): ("months", 1),
    ("upstox", "10m"): ("months", 1),
    ("upstox", "15m"): ("months", 1),
    ("upstox", "30m"): ("months", 3),
    ("upstox", "1h"): ("months", 3),
    ("upstox", "1d"): ("months", 120),
    ("kite", "1m"): ("days", 60),
    ("kite", "3m"): ("days", 100),
    ("kite", "5m"): ("days", 100),
    ("kite", "10m"): ("days", 100),
    ("kite", "15m"): ("days", 200),
    ("kite", "30m"): ("days", 200),
    ("kite", "1h"): ("days", 400),
    ("kite", "1d"): ("days", 2000),
}

THROTTLED_RETRIES = 3  # a 429 is retried this often, waiting 1, 2, 4 s, before giving up
# venue -> (requests, per seconds) windows a fetch keeps within
RATES: dict[str, tuple[tuple[int, float], ...]] = {
    "kite": ((3, 1.0),),
    "upstox": ((50, 1.0), (500, 60.0), (2000, 1800.0)),
}


def _months_back(day: date, months: int) -> date:
    """The same day of the month `months` earlier (that month's last day when shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def earliest_start(venue: str, interval: str, end: date) -> date:
    """The first day one request ending on `end` may ask for."""
    unit, n = MAX_RANGE[(venue, interval)]
    if unit == "days":
        return end - timedelta(days=n - 1)
    return _months_back(end, n) + timedelta(days=1)


def windows(venue: str, interval: str, start: date, end: date) -> list[tuple[date, date]]:
    """`start`..`end` cut into ranges each request may ask for, oldest first, each day in
    exactly one."""
    out = []
    while end >= start:
        first = max(start, earliest_start(venue, interval, end))
        out.append((first, end))
        end = first - timedelta(days=1)
    return out[::-1]


@dataclass
class RateLimit:
    """Waits before a request until it fits every (requests, seconds) window.
    `clock` and `sleep` are the monotonic clock and the wait (injected by tests)."""

    rates: tuple[tuple[int, float], ...]
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    sent: deque[float] = field(default_factory=deque)

    async def wait(self) -> None:
        """Return when one more request keeps within every window; note it as sent."""
        longest = max(seconds for _, seconds in self.rates)
        while True:
            now = self.clock()
            while self.sent and self.sent[0] <= now - longest:
                self.sent.popleft()
            delay = max(
                (self._free_at(count, seconds) - now for count, seconds in self.rates), default=0.0
            )
            if delay <= 0:
                self.sent.append(now)
                return
            await self.sleep(delay)

    def _free_at(self, count: int, seconds: float) -> float:
        """When a request fits the window of `count` per `seconds`."""
        if len(self.sent) < count:
            return float("-inf")
        return self.sent[-count] + seconds


@dataclass
class Progress:
    """The windows already fetched and stored, kept in a JSON file (written whole on every
    step, through a temporary file, so a crash leaves the last good state)."""

    path: Path | None
    done: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path | None) -> Progress:
        """The progress in `path` (none yet when it does not exist or no path is given)."""
        if path is None or not path.exists():
            return cls(path)
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or not isinstance(data.get("done"), list):
            raise ValueError(f"{path}: not a candle progress file (no 'done' list)")
        return cls(path, {str(item) for item in data["done"]})

    @staticmethod
    def key(venue: str, instrument: str, interval: str, window: tuple[date, date]) -> str:
        """How one request is named in the file."""
        return f"{venue} {instrument} {interval} {window[0].isoformat()} {window[1].isoformat()}"

    def mark(self, key: str) -> None:
        """Note `key` as fetched and stored."""
        self.done.add(key)
        if self.path is not None:
            tmp = self.path.with_suffix(self.path.suffix + ".tmp")
            tmp.write_text(json.dumps({"done": sorted(self.done)}, indent=1))
            os.replace(tmp, self.path)


@dataclass(frozen=True)
class Fetched:
    """One request's answer: the venue, its progress key and the bar-file rows."""

    venue: str
    key: str
    rows: list[list[str]]


async def fetch_all(
    http: httpx.AsyncClient,
    sources: Sequence[CandleSource],
    interval: str,
    start: date,
    end: date,
    progress: Progress,
    limits: dict[str, RateLimit] | None = None,
) -> AsyncIterator[Fetched]:
    """Every instrument's candles, a request per allowed window, each venue's requests
    paced by its `RateLimit` (the documented `RATES` unless given); windows `progress`
    has done are skipped. A 429 waits and asks again; `CandleError` on any other refusal."""
    limits = dict(limits or {})
    for source in sources:
        limit = limits.setdefault(source.venue, RateLimit(RATES[source.venue]))
        for key in source.instruments:
            for window in windows(source.venue, interval, start, end):
                name = Progress.key(source.venue, key, interval, window)
                if name not in progress.done:
                    rows = await _asked(http, source, limit, key, interval, window)
                    yield Fetched(source.venue, name, rows)


async def _asked(
    http: httpx.AsyncClient,
    source: CandleSource,
    limit: RateLimit,
    key: str,
    interval: str,
    window: tuple[date, date],
) -> list[list[str]]:
    for attempt in range(THROTTLED_RETRIES + 1):
        await limit.wait()
        try:
            return await source.fetch_one(http, key, interval, *window)
        except CandleThrottled:
            if attempt == THROTTLED_RETRIES:
                raise
            await limit.sleep(2.0**attempt)
    raise AssertionError("unreachable")
