"""Live feeds against local fakes speaking Upstox V3 (protobuf) and the Kite ticker (binary
packets): one contract for both venues (subscriptions, bars, drops mid-bar, repeats,
disorder, unreadable frames, late ticks), what is particular to each, and the facts landing
in a real store once."""

from __future__ import annotations

import asyncio
import base64
import csv
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.feeds.kite.feed import KiteFeed, KiteFeedConfig
from adapters.feeds.session import WebsocketFeed
from adapters.feeds.upstox.feed import UpstoxFeed, UpstoxFeedConfig
from adapters.files.sample import SAMPLE_DIR, load_instruments
from devtools.feeds.servers import FakeFeed, FakeKiteTicker, FakeUpstoxFeed
from devtools.feeds.tape import play, tape
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


class Venue:
    """One venue's fake and feed, so the contract below runs against each."""

    name = ""
    bad_frame = b""

    async def start(self, clock: DeskClock) -> tuple[FakeFeed, WebsocketFeed]:
        raise NotImplementedError

    def key(self, symbol: str) -> str:
        raise NotImplementedError

    def frame(self, prints: list[Print]) -> bytes:
        raise NotImplementedError

    def subscribed(self, requests: list[dict[str, Any]]) -> list[str]:
        """The keys the latest subscription asked for."""
        raise NotImplementedError


class Upstox(Venue):
    name = "upstox"
    bad_frame = b"\x0a\xff\xff\xff"

    async def start(self, clock: DeskClock) -> tuple[FakeFeed, WebsocketFeed]:
        fake = FakeUpstoxFeed(TOKEN)
        await fake.start()
        return fake, UpstoxFeed(UpstoxFeedConfig(UPSTOX_KEYS, api_host=fake.base_url),
                                TOKEN, clock)

    def key(self, symbol: str) -> str:
        return {v: k for k, v in UPSTOX_KEYS.items()}[symbol]

    def frame(self, prints: list[Print]) -> bytes:
        return upstox_frame(prints)

    def subscribed(self, requests: list[dict[str, Any]]) -> list[str]:
        return [str(k) for k in requests[-1]["data"]["instrumentKeys"]]


class Kite(Venue):
    name = "kite"
    bad_frame = b"\x00\x05\xff"

    async def start(self, clock: DeskClock) -> tuple[FakeFeed, WebsocketFeed]:
        fake = FakeKiteTicker("kite-key", TOKEN)
        await fake.start()
        return fake, KiteFeed(KiteFeedConfig(KITE_TOKENS, ws_url=fake.ws_url), "kite-key",
                              TOKEN, clock)

    def key(self, symbol: str) -> str:
        return str({v: k for k, v in KITE_TOKENS.items()}[symbol])

    def frame(self, prints: list[Print]) -> bytes:
        return kite_frame(prints)

    def subscribed(self, requests: list[dict[str, Any]]) -> list[str]:
        subscribes = [r for r in requests if r["a"] == "subscribe"]
        return [str(k) for k in subscribes[-1]["v"]]


VENUES = [Upstox(), Kite()]


class Session:
    """A venue's fake and feed, folded into bars by `LiveBars` into a `Collected` sink."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self.clock, self.sink = DeskClock(), Collected()

    async def __aenter__(self) -> Session:
        self.fake, self.feed = await self.venue.start(self.clock)
        self.live = LiveBars(self.feed, self.sink, self.clock)
        await self.feed.subscribe([self.venue.key("RELIANCE")])
        self.task = asyncio.create_task(self.live.consume())
        await self.fake.wait_requests(1)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.task.cancel()
        await self.feed.close()
        await self.fake.stop()

    async def send_and_wait(self, *prints: tuple[float, int, int, int]) -> None:
        """Send, then wait until the feed has decoded these prints."""
        before = self.feed.status().ticks
        await self.send(*prints)
        while self.feed.status().ticks < before + len(prints):
            await asyncio.sleep(0.001)

    async def send(self, *prints: tuple[float, int, int, int]) -> None:
        """Prints of RELIANCE in one frame: (second after 09:15, price in paise, day volume,
        quantity). Upstox keys a frame's feeds by instrument: one print each."""
        key = self.venue.key("RELIANCE")
        await self.fake.push(self.venue.frame(
            [Print(key, price, at(second), cum, qty) for second, price, cum, qty in prints]))


@pytest.mark.parametrize("venue", VENUES, ids=lambda v: v.name)
def test_feed_when_ticks_cross_a_minute_then_a_bar_closes_with_ohlcv(venue: Venue) -> None:
    async def body() -> None:
        async with Session(venue) as s:
            await s.send((1, 290150, 1000, 10))
            await s.send((30, 291000, 1400, 20))
            await s.send((45, 289900, 1450, 5))
            await s.send((61, 290500, 1500, 100))
            [bar] = await s.sink.wait(BarClosed, 1)
            assert venue.subscribed(s.fake.requests) == [venue.key("RELIANCE")]
            assert s.feed.status().ticks == 4

        assert isinstance(bar, BarClosed)
        assert (bar.symbol, bar.open, bar.high, bar.low, bar.close, bar.volume) == (
            "RELIANCE", Decimal("2901.50"), Decimal("2910.00"), Decimal("2899.00"),
            Decimal("2899.00"), 460)

    run(body)


@pytest.mark.parametrize("venue", VENUES, ids=lambda v: v.name)
def test_feed_when_dropped_mid_bar_then_it_resubscribes_and_flags_the_gap(
    venue: Venue,
) -> None:
    async def body() -> None:
        async with Session(venue) as s:
            await s.send_and_wait((5, 290000, 1000, 7))
            s.clock.now = T0 + timedelta(seconds=10)
            sent = len(s.fake.requests)
            await s.fake.drop()
            while s.feed.status().connected:
                await asyncio.sleep(0.001)
            s.clock.now = T0 + timedelta(seconds=40)
            await s.fake.wait_requests(sent + 1)
            await s.send((45, 290100, 1003, 3))
            await s.send((65, 290200, 1004, 1))
            [bar] = await s.sink.wait(BarClosed, 1)
            [gap] = s.sink.of(FeedGapFlagged)
            assert venue.subscribed(s.fake.requests) == [venue.key("RELIANCE")]
            assert s.feed.status().reconnects >= 1

        assert isinstance(gap, FeedGapFlagged)
        assert (gap.start, gap.end) == (T0 + timedelta(seconds=10), T0 + timedelta(seconds=40))
        assert isinstance(bar, BarClosed) and bar.volume == 10  # both halves of the minute

    run(body)


@pytest.mark.parametrize("venue", VENUES, ids=lambda v: v.name)
def test_feed_when_a_frame_does_not_decode_then_its_bytes_are_recorded_and_reading_goes_on(
    venue: Venue,
) -> None:
    async def body() -> None:
        async with Session(venue) as s:
            await s.fake.push(venue.bad_frame)
            await s.send((5, 290000, 100, 1))
            [rejected] = await s.sink.wait(InputRejected, 1)
            while s.feed.status().ticks < 1:
                await asyncio.sleep(0.001)
            assert s.feed.status().bad_frames == 1

        assert isinstance(rejected, InputRejected)
        assert base64.b64decode(rejected.raw) == venue.bad_frame and rejected.reason

    run(body)


@pytest.mark.parametrize("venue", VENUES, ids=lambda v: v.name)
def test_feed_when_ticks_repeat_and_arrive_out_of_order_then_the_bar_counts_each_once(
    venue: Venue,
) -> None:
    async def body() -> None:
        async with Session(venue) as s:
            await s.send((1, 290000, 1000, 10))
            await s.send((1, 290000, 1000, 10))  # the same print again
            await s.send((40, 292000, 1300, 5))
            await s.send((20, 288000, 1200, 5))  # older than the last
            await s.send((62, 291000, 1350, 50))
            [bar] = await s.sink.wait(BarClosed, 1)

        assert isinstance(bar, BarClosed)
        assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (
            Decimal("2900.00"), Decimal("2920.00"), Decimal("2880.00"), Decimal("2920.00"),
            310)

    run(body)


@pytest.mark.parametrize("venue", VENUES, ids=lambda v: v.name)
def test_feed_when_a_tick_comes_after_the_desk_closed_its_bar_then_it_is_recorded_late(
    venue: Venue,
) -> None:
    async def body() -> None:
        async with Session(venue) as s:
            await s.send_and_wait((1, 290000, 1000, 10))
            s.clock.now = T0 + timedelta(seconds=60)
            await s.live.close_due()
            await s.send((59, 290500, 1010, 10))
            [late] = await s.sink.wait(InputRejected, 1)
            assert len(s.sink.of(BarClosed)) == 1

        assert isinstance(late, InputRejected)
        assert late.reason == "late tick: its bar 09:15 IST closed at 09:16"

    run(body)


@pytest.mark.parametrize("venue", VENUES, ids=lambda v: v.name)
def test_feed_when_the_desk_clock_jumps_then_the_open_bar_closes_and_a_gap_is_flagged(
    venue: Venue,
) -> None:
    async def body() -> None:
        async with Session(venue) as s:
            await s.send_and_wait((1, 290000, 1000, 10))
            s.clock.now = T0 + timedelta(seconds=30)
            await s.live.close_due()
            s.clock.now = T0 + timedelta(minutes=10)
            await s.live.close_due()
            [gap] = s.sink.of(FeedGapFlagged)
            [bar] = s.sink.of(BarClosed)

        assert isinstance(gap, FeedGapFlagged) and gap.reason.startswith("desk clock jumped")
        assert (gap.start, gap.end) == (T0 + timedelta(seconds=30), T0 + timedelta(minutes=10))
        assert isinstance(bar, BarClosed) and bar.start == T0

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


def test_kite_feed_when_heartbeats_and_text_messages_arrive_then_only_packets_make_ticks(
) -> None:
    async def body() -> None:
        async with Session(Kite()) as s:
            await s.fake.push(KITE_HEARTBEAT)
            await s.fake.push_text('{"type": "order", "data": {"order_id": "1"}}')
            await s.send((1, 290000, 1000, 10))
            while s.feed.status().ticks < 1:
                await asyncio.sleep(0.001)
            status = s.feed.status()
            assert s.fake.requests[:2] == [{"a": "subscribe", "v": [738561]},
                                           {"a": "mode", "v": ["full", [738561]]}]

        assert (status.frames, status.ticks, status.bad_frames) == (2, 1, 0)
        assert s.sink.facts == []

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


@pytest.mark.parametrize("venue", VENUES, ids=lambda v: v.name)
def test_tape_when_the_sample_bars_are_played_then_the_desk_rebuilds_them(
    venue: Venue,
) -> None:
    sample = {r["ts"]: r for r in csv.DictReader((SAMPLE_DIR / "bars.csv").open())
              if r["symbol"] == "RELIANCE"}
    first = sorted(sample)[:3]
    start = datetime.fromisoformat(first[0])

    async def body() -> list[object]:
        async with Session(venue) as s:
            minutes = tape(SAMPLE_DIR / "bars.csv", {"RELIANCE": venue.key("RELIANCE")},
                           epoch_ms(start))[:3]
            encode = upstox_frame if venue.name == "upstox" else kite_frame
            await play(s.fake, minutes, encode, pace=0)
            s.clock.now = start + timedelta(minutes=3)
            while s.feed.status().ticks < 12:
                await asyncio.sleep(0.005)
            await s.live.close_due()
            return await s.sink.wait(BarClosed, 3)

    bars = asyncio.run(asyncio.wait_for(body(), 30))

    for bar, ts in zip(bars, first, strict=True):
        row = sample[ts]
        assert isinstance(bar, BarClosed)
        assert (str(bar.open), str(bar.high), str(bar.low), str(bar.close), bar.volume) == (
            row["open"], row["high"], row["low"], row["close"], int(row["volume"]))
