"""The desk's time taken from its market feeds (`desk run --clock feed`).

A simulated or replayed session streams ticks stamped with the session's times, faster or
slower than the wall clock. With the feed clock the desk never sleeps to keep up: "now" is
the latest exchange time any feed has sent, so bars close, cards are stamped, approvals are
checked and the scheduler's jobs fall due in the session's time, however fast it is played.
Before the first tick the clock reads the wall clock (nothing of the session has happened).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

from domain.ticks import FeedBatch, FeedStatus
from streams.ports import Clock, MarketFeed


class FeedClock:
    """A `Clock` that reads the latest tick time seen; it never goes back."""

    def __init__(self, before_first_tick: Clock) -> None:
        self._fallback = before_first_tick
        self._latest_ms: int | None = None

    @property
    def started(self) -> bool:
        """Whether any feed has sent a tick yet."""
        return self._latest_ms is not None

    def observe(self, batch: FeedBatch) -> None:
        """Move the clock to the batch's latest tick time, if that is later."""
        if batch.ticks:
            latest = max(t.at_ms for t in batch.ticks)
            if self._latest_ms is None or latest > self._latest_ms:
                self._latest_ms = latest

    def __call__(self) -> datetime:
        if self._latest_ms is None:
            return self._fallback()
        return datetime.fromtimestamp(self._latest_ms / 1000, UTC)


class ClockedFeed:
    """A `MarketFeed` that moves a `FeedClock` with each batch before handing it on."""

    def __init__(self, feed: MarketFeed, clock: FeedClock) -> None:
        self.name = feed.name
        self._feed = feed
        self._clock = clock

    async def batches(self) -> AsyncIterator[FeedBatch]:
        """The feed's batches, the clock moved to each one's ticks first."""
        async for batch in self._feed.batches():
            self._clock.observe(batch)
            yield batch

    async def subscribe(self, keys: Sequence[str]) -> None:
        """As the wrapped feed."""
        await self._feed.subscribe(keys)

    async def unsubscribe(self, keys: Sequence[str]) -> None:
        """As the wrapped feed."""
        await self._feed.unsubscribe(keys)

    def status(self) -> FeedStatus:
        """As the wrapped feed."""
        return self._feed.status()

    async def close(self) -> None:
        """As the wrapped feed."""
        await self._feed.close()


class FeedTimeline:
    """The feed clock as the scheduler's `Timeline`: its jobs fall due in session time.
    The scheduler loop of `desk run` polls; it never sleeps on this timeline."""

    def __init__(self, clock: FeedClock) -> None:
        self.clock = clock

    def now(self) -> datetime:
        """The session's time."""
        return self.clock()

    def sleep_until(self, at: datetime) -> None:
        """Nothing to wait for: the feed moves the time."""
