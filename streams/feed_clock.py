"""The desk's time taken from its market feeds (`desk run --clock feed`).

A simulated or replayed session streams ticks stamped with the session's times, faster or
slower than the wall clock. With the feed clock the desk never sleeps to keep up: "now" is
the latest exchange time any feed has sent, so bars close, cards are stamped, approvals are
checked and the scheduler's jobs fall due in the session's time, however fast it is played.
Before the first tick the clock reads the wall clock (nothing of the session has happened).

`ClockedFeed` puts each feed into that time: every batch is stamped with the session's
time, a connection drop becomes the stretch of session time the feed missed (from its last
tick before the drop to its first tick after), and the lag is the session's time less the
feed's last tick, so neither depends on how fast the wall clock runs beside the session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from domain.ticks import FeedBatch, FeedStatus, epoch_ms, utc_ms
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
    """A `MarketFeed` in session time: it moves a `FeedClock` with each batch and hands
    the batch on stamped with the session's time; a drop comes out as the session time
    the feed missed, once its ticks are back."""

    def __init__(self, feed: MarketFeed, clock: FeedClock) -> None:
        self.name = feed.name
        self._feed = feed
        self._clock = clock
        self._last_ms: int | None = None  # this feed's latest tick time
        self._away_since_ms: int | None = None  # its last tick before a drop, until back

    async def batches(self) -> AsyncIterator[FeedBatch]:
        """The feed's batches in session time, the clock moved to each one's ticks first."""
        async for batch in self._feed.batches():
            if batch.gap_from is not None:
                self._dropped()
            if batch.ticks:
                self._clock.observe(batch)
                if (gap := self._back(min(t.at_ms for t in batch.ticks))) is not None:
                    yield gap
                latest = max(t.at_ms for t in batch.ticks)
                if self._last_ms is None or latest > self._last_ms:
                    self._last_ms = latest
            if batch.ticks or batch.bad_frame is not None:
                yield replace(batch, received_at=self._clock(), gap_from=None)

    def _dropped(self) -> None:
        """The session reconnected after a drop: the feed was away since its last tick
        (or since the session's time, when it had sent none yet)."""
        if self._away_since_ms is None:
            since = self._last_ms
            if since is None and self._clock.started:
                since = epoch_ms(self._clock())
            self._away_since_ms = since

    def _back(self, first_ms: int) -> FeedBatch | None:
        """The gap that ends with the first tick after a drop, if the feed was away."""
        since, self._away_since_ms = self._away_since_ms, None
        if since is None or first_ms <= since:
            return None
        return FeedBatch(utc_ms(first_ms), gap_from=utc_ms(since))

    async def subscribe(self, keys: Sequence[str]) -> None:
        """As the wrapped feed."""
        await self._feed.subscribe(keys)

    async def unsubscribe(self, keys: Sequence[str]) -> None:
        """As the wrapped feed."""
        await self._feed.unsubscribe(keys)

    def status(self) -> FeedStatus:
        """As the wrapped feed, its lag in session time: how far its last tick trails the
        latest tick of any feed."""
        status = self._feed.status()
        if self._last_ms is None:
            return status
        return replace(status, lag_ms=epoch_ms(self._clock()) - self._last_ms)

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
