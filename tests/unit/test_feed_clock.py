"""`FeedClock`: the desk's time from its feeds' ticks, driving `LiveBars` with no socket."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from devtools.feeds.memory import MemoryFeed
from domain.events import BarClosed, FeedGapFlagged, InputRejected
from domain.inputs import InputFact
from domain.session import IST
from domain.ticks import FeedBatch, Tick, epoch_ms
from streams.feed_clock import ClockedFeed, FeedClock, FeedTimeline
from streams.live_bars import GAP_REASON, LiveBars, facts_of

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



def run_clocked(wall: datetime, *batches: FeedBatch) -> tuple[list[InputFact], ClockedFeed]:
    """`LiveBars` on the feed clock (reading `wall` before the first tick) over `batches`,
    the desk clock polled before the first and after each batch, as `watch_clock` does."""
    clock = FeedClock(lambda: wall)
    feed = MemoryFeed("memory")
    clocked = ClockedFeed(feed, clock)
    written: list[InputFact] = []

    async def sink(facts: list[InputFact]) -> int:
        written.extend(facts)
        return len(facts)

    live = LiveBars(clocked, sink, clock)

    async def body() -> None:
        for batch in batches:
            feed.put(batch)
        await feed.close()
        await live.close_due()
        async for batch in clocked.batches():
            written.extend(facts_of(batch, live.builder))
            await live.close_due()

    asyncio.run(body())
    return written, clocked


def gaps(written: list[InputFact]) -> list[tuple[datetime, datetime, str]]:
    return [(f.payload.start, f.payload.end, f.payload.reason) for f in written
            if isinstance(f.payload, FeedGapFlagged)]


def test_clocked_feed_when_a_drop_misses_ten_session_minutes_then_the_gap_spans_those_minutes(
) -> None:
    # The session reconnects a wall second after dropping (WALL stamps), while the tape
    # moved on ten minutes: the gap runs from the last tick before to the first tick after.
    written, _ = run_clocked(
        WALL,
        FeedBatch(WALL, (tick("INFY", 20),)),
        FeedBatch(WALL + timedelta(seconds=1), gap_from=WALL),
        FeedBatch(WALL + timedelta(seconds=1), (tick("INFY", 620), tick("INFY", 621))),
    )

    assert gaps(written) == [(SESSION + timedelta(seconds=20), SESSION + timedelta(seconds=620),
                              GAP_REASON)]
    [gap_fact] = [f for f in written if isinstance(f.payload, FeedGapFlagged)]
    assert gap_fact.occurred_at == SESSION + timedelta(seconds=620)


@pytest.mark.parametrize("wall", [SESSION - timedelta(days=3), SESSION + timedelta(days=7)],
                         ids=["wall-behind", "wall-ahead"])
def test_live_bars_when_the_wall_clock_is_far_from_the_session_then_no_gap_and_bars_close(
    wall: datetime,
) -> None:
    # The clock is polled before the first tick (it reads the wall clock then) and the tape
    # moves several minutes between polls: neither is a gap, and INFY's quiet bar closes
    # once TCS's ticks carry the session past its minute.
    written, _ = run_clocked(
        wall,
        FeedBatch(wall, (tick("INFY", 5), tick("TCS", 6))),
        FeedBatch(wall, (tick("TCS", 200),)),
        FeedBatch(wall, (tick("TCS", 500),)),
    )

    assert gaps(written) == []
    assert sorted((f.payload.symbol, f.payload.start) for f in written
                  if isinstance(f.payload, BarClosed)) == [
        ("INFY", SESSION), ("TCS", SESSION), ("TCS", SESSION + timedelta(minutes=3))]


def test_clocked_feed_when_a_frame_does_not_decode_then_its_rejection_has_the_session_time(
) -> None:
    written, _ = run_clocked(
        WALL,
        FeedBatch(WALL, (tick("INFY", 20),)),
        FeedBatch(WALL + timedelta(seconds=3), bad_frame=b"\x01", reason="frame too short"),
    )

    [rejected] = [f for f in written if isinstance(f.payload, InputRejected)]
    assert rejected.occurred_at == SESSION + timedelta(seconds=20)


def test_clocked_feed_when_another_feed_is_ahead_then_its_lag_is_in_session_time() -> None:
    # Two feeds move one clock; the wall clock is a week later and plays no part.
    clock = FeedClock(lambda: WALL)
    upstox, kite = MemoryFeed("upstox"), MemoryFeed("kite")
    fast, slow = ClockedFeed(upstox, clock), ClockedFeed(kite, clock)

    async def body() -> None:
        upstox.put(FeedBatch(WALL, (tick("INFY", 90),)))
        kite.put(FeedBatch(WALL, (tick("TCS", 60),)))
        await anext(fast.batches())
        await anext(slow.batches())

    asyncio.run(body())

    assert (fast.status().lag_ms, slow.status().lag_ms) == (0, 30_000)
