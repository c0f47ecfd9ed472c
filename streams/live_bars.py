"""A live feed into the desk: each frame's ticks through the bar builder, bars closed on the
minute by the desk clock, and every fact (bars, late ticks, unreadable frames, gaps)
written through the runtime's `ingest`, where write-once streams make repeats harmless.

Two loops share one builder in one event loop: `consume` takes the feed's batches (a tick
of a new minute closes its symbol's bar at once), `watch_clock` closes the bars of symbols
that went quiet once the desk clock passes their minute.

On the feed clock (`desk run --clock feed`) the desk's time is the feeds' own: nothing is
closed before the session's first tick (the clock still reads the wall clock then), and the
clock moving on in jumps is how that time moves, not minutes the desk failed to watch; the
stretches a feed missed come from `ClockedFeed`, in session time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import structlog

from domain.bar_builder import BarBuilder
from domain.inputs import InputFact
from domain.ticks import FeedBatch
from streams.feed_clock import FeedClock
from streams.ports import Clock, MarketFeed

Sink = Callable[[list[InputFact]], Awaitable[int]]
"""Writes facts (through the runtime's `ingest`); how many streams were new."""

log = structlog.get_logger("eventdesk.feeds")

GAP_REASON = "connection dropped; reconnected and subscribed again"


def facts_of(batch: FeedBatch, builder: BarBuilder) -> list[InputFact]:
    """What one batch from a feed comes to, through `builder`."""
    out: list[InputFact] = []
    if batch.bad_frame is not None:
        out.append(builder.undecodable(batch.bad_frame, batch.reason, batch.received_at))
    if batch.gap_from is not None and batch.received_at > batch.gap_from:
        out.append(builder.gap(batch.gap_from, batch.received_at, GAP_REASON))
    on_tick = builder.on_tick
    for tick in batch.ticks:
        on_tick(tick, out)
    return out


@dataclass
class LiveBars:
    """One feed folded into bars and written to the desk."""

    feed: MarketFeed
    sink: Sink
    clock: Clock
    builder: BarBuilder = field(init=False)
    written: int = 0
    failed: int = 0  # facts a write failed on (logged)

    def __post_init__(self) -> None:
        self.builder = BarBuilder(self.feed.name)

    async def consume(self) -> None:
        """Fold the feed's batches until cancelled."""
        async for batch in self.feed.batches():
            facts = facts_of(batch, self.builder)
            if facts:
                await self._write(facts)

    async def _write(self, facts: list[InputFact]) -> None:
        try:
            self.written += await self.sink(facts)
        except Exception:  # the store refused this write; the feed goes on with the next
            self.failed += len(facts)
            log.exception("live facts not written", feed=self.feed.name, facts=len(facts))

    async def watch_clock(self, every: float = 0.25) -> None:
        """Close bars whose minute the desk clock has passed, every `every` seconds."""
        while True:
            await self.close_due()
            await asyncio.sleep(every)

    async def close_due(self) -> None:
        """Close what the desk clock says is over now."""
        out: list[InputFact] = []
        clock = self.clock
        if isinstance(clock, FeedClock):
            if clock.started:
                self.builder.close_due(clock(), out, watch_jumps=False)
        else:
            self.builder.close_due(clock(), out)
        if out:
            await self._write(out)

    async def run(self, every: float = 0.25) -> None:
        """Both loops, until cancelled; the feed is closed on the way out."""
        try:
            await asyncio.gather(self.consume(), self.watch_clock(every))
        finally:
            await self.feed.close()
