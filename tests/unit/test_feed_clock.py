"""`FeedClock`: the desk's time from its feeds' ticks, driving `LiveBars` with no socket."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from devtools.feeds.memory import MemoryFeed
from domain.events import BarClosed
from domain.inputs import InputFact
from domain.session import IST
from domain.ticks import FeedBatch, Tick, epoch_ms
from streams.feed_clock import ClockedFeed, FeedClock, FeedTimeline
from streams.live_bars import LiveBars

SESSION = datetime(2026, 11, 20, 9, 40, tzinfo=IST)
WALL = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)


def tick(symbol: str, second: int) -> Tick:
    return Tick(symbol, 100_00 + second, epoch_ms(SESSION + timedelta(seconds=second)), None, 1)


def test_clock_when_no_tick_has_come_then_it_reads_the_wall_clock() -> None:
    clock = FeedClock(lambda: WALL)

    assert (clock(), clock.started, FeedTimeline(clock).now()) == (WALL, False, WALL)


def test_clock_when_ticks_come_out_of_order_then_it_keeps_the_latest_and_never_goes_back(
) -> None:
    clock = FeedClock(lambda: WALL)

    clock.observe(FeedBatch(WALL, (tick("TCS", 30), tick("INFY", 45))))
    clock.observe(FeedBatch(WALL, (tick("TCS", 10),)))
    clock.observe(FeedBatch(WALL, bad_frame=b"\x01", reason="frame too short"))

    assert clock() == SESSION + timedelta(seconds=45)
    assert clock.started


def closed_bars(*batches: FeedBatch) -> tuple[list[str], FeedClock]:
    """The symbols whose bars `LiveBars` closed on the feed clock, after `batches`."""
    clock = FeedClock(lambda: WALL)
    feed = MemoryFeed("memory")
    written: list[InputFact] = []

    async def sink(facts: list[InputFact]) -> int:
        written.extend(facts)
        return len(facts)

    live = LiveBars(ClockedFeed(feed, clock), sink, clock)

    async def body() -> None:
        for batch in batches:
            feed.put(batch)
        await feed.close()
        await live.consume()
        await live.close_due()

    asyncio.run(body())
    return sorted(f.payload.symbol for f in written if isinstance(f.payload, BarClosed)), clock


def test_live_bars_when_the_session_is_inside_a_minute_then_no_bar_closes_whatever_the_wall_time(
) -> None:
    closed, _ = closed_bars(FeedBatch(WALL, (tick("INFY", 20), tick("TCS", 25))))

    assert closed == []  # the wall clock is a week later; the session is at 09:40:25


def test_live_bars_when_one_symbol_ticks_into_the_next_minute_then_the_quiet_symbols_bar_closes(
) -> None:
    # INFY goes quiet after 09:40:20; TCS's tick at 09:41:05 moves the session's time past
    # INFY's minute, so the desk closes INFY's bar without waiting for any wall time.
    closed, clock = closed_bars(FeedBatch(WALL, (tick("INFY", 20), tick("TCS", 25))),
                                FeedBatch(WALL, (tick("TCS", 65),)))

    assert closed == ["INFY", "TCS"]
    assert clock() == SESSION + timedelta(seconds=65)
