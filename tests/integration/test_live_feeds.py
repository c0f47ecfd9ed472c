"""Live feeds against local fakes speaking Upstox V3 (protobuf) and the Kite ticker (binary
packets): subscriptions, bars, faults (drops mid-bar, repeats, disorder, unreadable frames),
and the facts landing in a real store once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from adapters.feeds.kite.feed import KiteFeed, KiteFeedConfig
from adapters.feeds.upstox.feed import UpstoxFeed, UpstoxFeedConfig
from adapters.files.sample import SAMPLE_DIR, load_instruments
from devtools.feeds.servers import FakeKiteTicker, FakeUpstoxFeed
from devtools.feeds.wire import KITE_HEARTBEAT, Print, kite_frame, upstox_frame
from domain.events import BarClosed, FeedGapFlagged, InputRejected
from domain.inputs import InputFact
from domain.session import IST
from domain.ticks import epoch_ms
from streams.bootstrap import bootstrap
from streams.live_bars import LiveBars

T0 = datetime(2026, 11, 20, 9, 15, tzinfo=IST)
RELIANCE, TCS = "NSE_EQ|INE002A01018", "NSE_EQ|INE467B01029"
UPSTOX_KEYS = {RELIANCE: "RELIANCE", TCS: "TCS"}
KITE_TOKENS = {738561: "RELIANCE", 2953217: "TCS"}
TOKEN = "test-access-token"


class DeskClock:
    """The desk's time, moved by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Collected:
    """A sink that keeps every fact written, in order."""

    def __init__(self) -> None:
        self.facts: list[InputFact] = []

    async def __call__(self, facts: list[InputFact]) -> int:
        self.facts.extend(facts)
        return len(facts)

    def of(self, kind: type) -> list[object]:
        return [f.payload for f in self.facts if isinstance(f.payload, kind)]

    async def wait(self, kind: type, count: int) -> list[object]:
        while len(self.of(kind)) < count:
            await asyncio.sleep(0.005)
        return self.of(kind)


def at(seconds: float) -> int:
    return epoch_ms(T0 + timedelta(seconds=seconds))


def run(body: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(body(), 30))


def test_upstox_feed_when_ticks_cross_a_minute_then_a_bar_closes_from_protobuf_frames() -> None:
    async def body() -> None:
        fake = FakeUpstoxFeed(TOKEN)
        await fake.start()
        clock, sink = DeskClock(), Collected()
        feed = UpstoxFeed(UpstoxFeedConfig(UPSTOX_KEYS, api_host=fake.base_url), TOKEN, clock)
        live = LiveBars(feed, sink, clock)
        await feed.subscribe(list(UPSTOX_KEYS))
        task = asyncio.create_task(live.consume())
        await fake.wait_requests(1)
        await fake.push(upstox_frame([Print(RELIANCE, 290150, at(1), 1000, 10),
                                      Print(TCS, 412000, at(2), 500, 5)]))
        await fake.push(upstox_frame([Print(RELIANCE, 291000, at(30), 1400, 20)]))
        await fake.push(upstox_frame([Print(RELIANCE, 290500, at(61), 1500, 100)]))
        [bar] = await sink.wait(BarClosed, 1)
        task.cancel()
        await feed.close()
        await fake.stop()

        assert fake.requests[0]["method"] == "sub"
        assert fake.requests[0]["data"] == {"mode": "full", "instrumentKeys": [RELIANCE, TCS]}
        assert isinstance(bar, BarClosed)
        assert (bar.symbol, bar.open, bar.high, bar.close, bar.volume) == (
            "RELIANCE", Decimal("2901.50"), Decimal("2910.00"), Decimal("2910.00"), 410)
        assert feed.status().ticks == 4 and feed.status().connected is False

    run(body)


def test_upstox_feed_when_dropped_mid_bar_then_it_resubscribes_and_flags_the_gap() -> None:
    async def body() -> None:
        fake = FakeUpstoxFeed(TOKEN)
        await fake.start()
        clock, sink = DeskClock(), Collected()
        feed = UpstoxFeed(UpstoxFeedConfig(UPSTOX_KEYS, mode="ltpc", api_host=fake.base_url),
                          TOKEN, clock)
        await feed.subscribe([RELIANCE])
        task = asyncio.create_task(LiveBars(feed, sink, clock).consume())
        await fake.wait_requests(1)
        await fake.push(upstox_frame([Print(RELIANCE, 290000, at(5), last_qty=7)], "ltpc"))
        await asyncio.sleep(0.05)
        clock.now = T0 + timedelta(seconds=10)
        await fake.drop()
        while feed.status().connected:
            await asyncio.sleep(0.001)
        clock.now = T0 + timedelta(seconds=40)
        await fake.wait_requests(2)
        await fake.push(upstox_frame([Print(RELIANCE, 290100, at(45), last_qty=3)], "ltpc"))
        await fake.push(upstox_frame([Print(RELIANCE, 290200, at(65), last_qty=1)], "ltpc"))
        [bar] = await sink.wait(BarClosed, 1)
        [gap] = sink.of(FeedGapFlagged)
        task.cancel()
        await feed.close()
        await fake.stop()

        assert fake.requests[1]["data"]["instrumentKeys"] == [RELIANCE]  # subscribed again
        assert isinstance(gap, FeedGapFlagged)
        assert (gap.start, gap.end) == (T0 + timedelta(seconds=10), T0 + timedelta(seconds=40))
        assert isinstance(bar, BarClosed) and bar.volume == 10  # both halves of the minute
        assert feed.status().reconnects >= 1

    run(body)


def test_upstox_feed_when_a_frame_does_not_decode_then_its_bytes_are_recorded() -> None:
    async def body() -> None:
        fake = FakeUpstoxFeed(TOKEN)
        await fake.start()
        clock, sink = DeskClock(), Collected()
        feed = UpstoxFeed(UpstoxFeedConfig(UPSTOX_KEYS, api_host=fake.base_url), TOKEN, clock)
        await feed.subscribe([RELIANCE])
        task = asyncio.create_task(LiveBars(feed, sink, clock).consume())
        await fake.wait_requests(1)
        await fake.push(b"\x0a\xff\xff\xff")
        await fake.push(upstox_frame([Print(RELIANCE, 290000, at(5), 100)]))
        [rejected] = await sink.wait(InputRejected, 1)
        await asyncio.sleep(0.02)
        task.cancel()
        await feed.close()
        await fake.stop()

        assert isinstance(rejected, InputRejected)
        assert rejected.raw == "Cv///w==" and "not an Upstox FeedResponse" in rejected.reason
        assert feed.status().bad_frames == 1 and feed.status().ticks == 1  # reading went on

    run(body)


def test_upstox_feed_when_the_token_is_wrong_then_it_never_connects() -> None:
    async def body() -> None:
        fake = FakeUpstoxFeed(TOKEN)
        await fake.start()
        feed = UpstoxFeed(UpstoxFeedConfig(UPSTOX_KEYS, api_host=fake.base_url), "stale",
                          max_delay=0.05)
        await feed.subscribe([RELIANCE])
        feed.batches()
        await asyncio.sleep(0.3)
        status = feed.status()
        await feed.close()
        await fake.stop()

        assert fake.connections == 0 and status.connected is False and status.reconnects > 0

    run(body)


def test_kite_feed_when_packets_repeat_and_arrive_out_of_order_then_bars_count_each_once(
) -> None:
    async def body() -> None:
        fake = FakeKiteTicker("kite-key", TOKEN)
        await fake.start()
        clock, sink = DeskClock(), Collected()
        feed = KiteFeed(KiteFeedConfig(KITE_TOKENS, ws_url=fake.ws_url), "kite-key", TOKEN,
                        clock)
        await feed.subscribe(["738561", "2953217"])
        task = asyncio.create_task(LiveBars(feed, sink, clock).consume())
        await fake.wait_requests(2)
        first = Print("738561", 290000, at(1), 1000, 10)
        await fake.push(kite_frame([first, Print("2953217", 412000, at(1), 50, 50)]))
        await fake.push(KITE_HEARTBEAT)
        await fake.push_text('{"type": "order", "data": {"order_id": "1"}}')
        await fake.push(kite_frame([first]))  # the same packet again
        await fake.push(kite_frame([Print("738561", 292000, at(40), 1300, 5)]))
        await fake.push(kite_frame([Print("738561", 288000, at(20), 1200, 5)]))  # older
        await fake.push(kite_frame([Print("738561", 291000, at(62), 1350, 50)]))
        [bar] = await sink.wait(BarClosed, 1)
        task.cancel()
        await feed.close()
        await fake.stop()

        assert fake.requests[:2] == [{"a": "subscribe", "v": [738561, 2953217]},
                                     {"a": "mode", "v": ["full", [738561, 2953217]]}]
        assert isinstance(bar, BarClosed)
        assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (
            Decimal("2900.00"), Decimal("2920.00"), Decimal("2880.00"), Decimal("2920.00"),
            310)

    run(body)


def test_kite_feed_when_a_tick_comes_after_the_desk_closed_its_bar_then_it_is_recorded_late(
) -> None:
    async def body() -> None:
        fake = FakeKiteTicker("kite-key", TOKEN)
        await fake.start()
        clock, sink = DeskClock(), Collected()
        feed = KiteFeed(KiteFeedConfig(KITE_TOKENS, ws_url=fake.ws_url), "kite-key", TOKEN,
                        clock)
        live = LiveBars(feed, sink, clock)
        await feed.subscribe(["738561"])
        task = asyncio.create_task(live.consume())
        await fake.wait_requests(2)
        await fake.push(kite_frame([Print("738561", 290000, at(1), 1000, 10)]))
        while feed.status().ticks < 1:
            await asyncio.sleep(0.005)
        clock.now = T0 + timedelta(seconds=60)
        await live.close_due()
        await fake.push(kite_frame([Print("738561", 290500, at(59), 1010, 10)]))
        [late] = await sink.wait(InputRejected, 1)
        task.cancel()
        await feed.close()
        await fake.stop()

        assert len(sink.of(BarClosed)) == 1
        assert isinstance(late, InputRejected)
        assert late.reason == "late tick: its bar 09:15 IST closed at 09:16"

    run(body)


def test_live_bars_when_written_to_a_store_twice_then_the_second_time_adds_nothing(
    tmp_path: Path,
) -> None:
    desk = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}",
                     load_instruments(SAMPLE_DIR / "instruments.csv"))

    async def ingest(facts: list[InputFact]) -> int:
        return desk.runtime.ingest(facts)

    async def body() -> None:
        for expected_new in (2, 0):
            fake = FakeUpstoxFeed(TOKEN)
            await fake.start()
            clock = DeskClock()
            feed = UpstoxFeed(UpstoxFeedConfig(UPSTOX_KEYS, api_host=fake.base_url), TOKEN,
                              clock)
            live = LiveBars(feed, ingest, clock)
            await feed.subscribe([RELIANCE])
            task = asyncio.create_task(live.consume())
            await fake.wait_requests(1)
            await fake.push(upstox_frame([Print(RELIANCE, 290000, at(1), 1000, 10)]))
            await fake.push(upstox_frame([Print(RELIANCE, 290100, at(61), 1100, 10)]))
            while feed.status().ticks < 2:
                await asyncio.sleep(0.005)
            clock.now = T0 + timedelta(minutes=2)
            await live.close_due()
            task.cancel()
            await feed.close()
            await fake.stop()
            assert live.written == expected_new

    run(body)
    bars = [e for e in desk.store.stream("bars-RELIANCE-20261120")]
    desk.store.close()
    assert [e.stream_version for e in bars] == [556, 557]
    assert [e.type for e in bars] == ["BarClosed", "BarClosed"]
