"""Gaps and lag on the feed clock (`desk run --clock feed`) through the venues' local fakes:
a drop is measured in the session's time, however the wall clock runs beside it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from devtools.feeds.wire import Print
from domain.events import BarClosed, FeedGapFlagged
from streams.feed_clock import ClockedFeed, FeedClock
from streams.live_bars import GAP_REASON, LiveBars
from tests.integration.test_live_feeds import T0, VENUES, Collected, DeskClock, Venue, at, run

WALL = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)  # a week after the session being played


@pytest.mark.parametrize("venue", VENUES, ids=lambda v: v.name)
def test_feed_clock_when_a_drop_misses_twelve_session_minutes_then_the_gap_is_twelve_minutes(
    venue: Venue,
) -> None:
    wall = DeskClock()
    wall.now = WALL  # the socket's own clock: it hardly moves while the tape races on
    clock, sink = FeedClock(wall), Collected()

    async def body() -> None:
        fake, feed = await venue.start(wall)
        clocked = ClockedFeed(feed, clock)
        live = LiveBars(clocked, sink, clock)
        await feed.subscribe([venue.key("RELIANCE")])
        task = asyncio.create_task(live.run(every=0.001))  # polls far more often than minutes
        try:
            await fake.wait_requests(1)
            key = venue.key("RELIANCE")
            await fake.push(venue.frame([Print(key, 290000, at(5), 1000, 7)]))
            while feed.status().ticks < 1:
                await asyncio.sleep(0.001)
            sent = len(fake.requests)
            await fake.drop()
            while feed.status().connected:
                await asyncio.sleep(0.001)
            wall.now = WALL + timedelta(seconds=2)
            await fake.wait_requests(sent + 1)
            await fake.push(venue.frame([Print(key, 290100, at(725), 1003, 3)]))
            await fake.push(venue.frame([Print(key, 290200, at(790), 1004, 1)]))
            await sink.wait(BarClosed, 2)
            lag = clocked.status().lag_ms
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await fake.stop()

        [gap] = sink.of(FeedGapFlagged)
        assert isinstance(gap, FeedGapFlagged) and gap.reason == GAP_REASON
        assert (gap.start, gap.end) == (T0 + timedelta(seconds=5), T0 + timedelta(seconds=725))
        assert [b.start for b in sink.of(BarClosed)] == [  # type: ignore[attr-defined]
            T0,
            T0 + timedelta(minutes=12),
        ]
        assert lag == 0  # not the week between the wall clock and the session

    run(body)
