"""Request limits as sliding windows: at most `limit` requests in ANY `seconds` (e.g. Upstox
orders: 10/s, 500/min, 2000 per 30 min), so the desk waits its turn instead of collecting
429s. A token bucket would not do: it starts full and refills as it drains, so within one
second it lets through its capacity plus a second's refill, twice what the venue allows.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Window:
    """At most `limit` requests in any `seconds`."""

    limit: int
    seconds: float

    @property
    def label(self) -> str:
        """How the window is shown to an operator, e.g. `500/60s`."""
        return f"{self.limit}/{self.seconds:g}s"


# Requests reach a venue after uneven network delays: a window held this much longer than
# the venue's keeps its own count of our requests inside the limit.
MARGIN_SECONDS = 0.1


class RateLimiter:
    """Waits until one more request fits every window, then records it."""

    def __init__(self, *windows: Window, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 margin: float = MARGIN_SECONDS) -> None:
        if not windows:
            raise ValueError("a rate limiter needs at least one window")
        self._margin = margin
        self._clock = clock
        self._sleep = sleep
        self._sent: list[tuple[Window, deque[float]]] = [(w, deque()) for w in windows]
        self._lock = asyncio.Lock()
        self._wall_offset = time.time() - clock()  # the clock's reading -> epoch seconds

    def _forget_old(self, now: float) -> None:
        for window, sent in self._sent:
            while sent and now - sent[0] >= window.seconds + self._margin:
                sent.popleft()

    async def acquire(self) -> None:
        """Wait until every window has room for one more request, then take it."""
        async with self._lock:
            while True:
                now = self._clock()
                self._forget_old(now)
                wait = max((sent[0] + window.seconds + self._margin - now
                            for window, sent in self._sent if len(sent) >= window.limit),
                           default=0.0)
                if wait <= 0:
                    for _, sent in self._sent:
                        sent.append(now)
                    return
                await self._sleep(wait)

    def headroom(self) -> dict[str, int]:
        """Requests each window would still allow now, by window label."""
        self._forget_old(self._clock())
        return {window.label: window.limit - len(sent) for window, sent in self._sent}

    def usage(self) -> dict[str, Any]:
        """Each window's limit and how long it counts a request (`windows`, by label), and
        when (epoch seconds) the requests the longest of them still counts were sent
        (`sent_at`; every request enters every window): enough for another process (`desk
        broker status`) to work out the headroom at any later moment. Changes only when a
        request is sent or leaves the longest window, so a state file holding it is
        rewritten only then."""
        longest = max(self._sent, key=lambda pair: pair[0].seconds)[1]
        return {"windows": {w.label: {"limit": w.limit, "held_seconds": w.seconds + self._margin}
                            for w, _ in self._sent},
                "sent_at": [round(t + self._wall_offset, 3) for t in longest]}


def headroom_at(usage: Mapping[str, Any], now: float) -> dict[str, int]:
    """The requests each window of a `RateLimiter.usage()` would still allow at `now`
    (epoch seconds); a window it cannot read counts as having none left."""
    found: dict[str, int] = {}
    sent = usage.get("sent_at")
    sent = list(sent) if isinstance(sent, list) else []
    for label, window in dict(usage.get("windows") or {}).items():
        try:
            held = float(window["held_seconds"])
            used = sum(1 for t in sent if now - float(t) < held)
            found[str(label)] = max(int(window["limit"]) - used, 0)
        except (KeyError, TypeError, ValueError):
            found[str(label)] = 0
    return found
