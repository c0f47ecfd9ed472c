"""Token buckets for a venue's request limits (e.g. Upstox orders: 10/s, 500/min, 2000 per
30 min), so the desk waits its turn instead of collecting 429s."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """At most `limit` requests in any `seconds`."""

    limit: int
    seconds: float

    @property
    def label(self) -> str:
        """How the window is shown to an operator, e.g. `500/60s`."""
        return f"{self.limit}/{self.seconds:g}s"


class _Bucket:
    def __init__(self, window: Window, now: float) -> None:
        self.window = window
        self.tokens = float(window.limit)
        self.updated = now

    def refill(self, now: float) -> None:
        rate = self.window.limit / self.window.seconds
        self.tokens = min(float(self.window.limit), self.tokens + (now - self.updated) * rate)
        self.updated = now

    def wait_for_one(self) -> float:
        """Seconds until one token is available (0 when one is)."""
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) * self.window.seconds / self.window.limit


class RateLimiter:
    """Every window's bucket must hold a token before a request goes out."""

    def __init__(self, *windows: Window, clock: Callable[[], float] = time.monotonic) -> None:
        if not windows:
            raise ValueError("a rate limiter needs at least one window")
        self._clock = clock
        self._buckets = [_Bucket(w, clock()) for w in windows]
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until every window allows one more request, then take it."""
        async with self._lock:
            while True:
                now = self._clock()
                for bucket in self._buckets:
                    bucket.refill(now)
                wait = max(bucket.wait_for_one() for bucket in self._buckets)
                if wait <= 0:
                    for bucket in self._buckets:
                        bucket.tokens -= 1
                    return
                await asyncio.sleep(wait)

    def headroom(self) -> dict[str, int]:
        """Requests each window would still allow now, by window label."""
        now = self._clock()
        for bucket in self._buckets:
            bucket.refill(now)
        return {b.window.label: int(b.tokens) for b in self._buckets}
