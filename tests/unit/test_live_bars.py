"""`LiveBars`: a feed's batches into facts written through the sink, with no socket."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from devtools.feeds.memory import MemoryFeed
from domain.events import BarClosed, FeedGapFlagged, InputRejected
from domain.inputs import InputFact
from domain.session import IST
from domain.ticks import FeedBatch, Tick, epoch_ms
from streams.live_bars import LiveBars

T0 = datetime(2026, 11, 20, 9, 15, tzinfo=IST)


def tick(second: int, paise: int) -> Tick:
    return Tick("TCS", paise, epoch_ms(T0 + timedelta(seconds=second)), None, 1)


def run_feed(*batches: FeedBatch, fail_first_write: bool = False,
             ) -> tuple[list[InputFact], LiveBars]:
    written: list[InputFact] = []

    async def sink(facts: list[InputFact]) -> int:
        if fail_first_write and not written and not live.failed:
            raise OSError("disk full")
        written.extend(facts)
        return len(facts)

    feed = MemoryFeed("memory")
    live = LiveBars(feed, sink, lambda: T0 + timedelta(minutes=5))

    async def body() -> None:
        for batch in batches:
            feed.put(batch)
        await feed.close()
        await live.consume()
        await live.close_due()

    asyncio.run(body())
    return written, live


def test_consume_when_a_feed_comes_back_then_the_gap_and_its_bars_are_written() -> None:
    written, live = run_feed(
        FeedBatch(T0, (tick(1, 100_00), tick(2, 101_00))),
        FeedBatch(T0 + timedelta(seconds=40), gap_from=T0 + timedelta(seconds=10)),
        FeedBatch(T0, bad_frame=b"\x01", reason="frame too short"),
    )
    kinds = [type(f.payload) for f in written]
    assert kinds == [FeedGapFlagged, InputRejected, BarClosed]  # the bar by the clock
    assert live.written == 3


def test_consume_when_a_write_fails_then_it_is_counted_and_the_feed_goes_on() -> None:
    written, live = run_feed(
        FeedBatch(T0, bad_frame=b"\x01", reason="frame too short"),
        FeedBatch(T0, (tick(1, 100_00),)),
        fail_first_write=True,
    )
    assert live.failed == 1
    assert [type(f.payload) for f in written] == [BarClosed]
