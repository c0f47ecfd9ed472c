"""The Upstox decoder's quick path (a frame's first feed picks how the rest are read) gives
exactly the ticks of reading every feed by asking its oneofs, whatever the frame mixes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.feeds.frames import FrameError
from adapters.feeds.upstox.parsing import decode_frame, pb
from domain.ticks import Tick

RECEIVED = 1_763_610_000_000
KINDS = ("full", "ltpc", "index", "greeks", "ack")


def add_feed(response: Any, key: str, kind: str, ltp: float, ltt: int, qty: int, vtt: int) -> None:
    """One feed of `kind` in `response`, as Upstox sends each mode."""
    feed = response.feeds[key]
    feed.requestMode = pb.full_d5 if kind in ("full", "index") else pb.ltpc
    if kind == "ack":
        return
    if kind == "full":
        feed.fullFeed.marketFF.vtt = vtt
        ltpc = feed.fullFeed.marketFF.ltpc
    elif kind == "index":
        ltpc = feed.fullFeed.indexFF.ltpc
    elif kind == "greeks":
        feed.firstLevelWithGreeks.vtt = vtt
        ltpc = feed.firstLevelWithGreeks.ltpc
    else:
        ltpc = feed.ltpc
    ltpc.ltp, ltpc.ltt, ltpc.ltq = ltp, ltt, qty


def expected(
    kind: str, symbol: str, ltp: float, ltt: int, qty: int, vtt: int, current_ms: int
) -> Tick | None:
    """What each mode says, read field by field from the documented schema."""
    if kind == "ack":
        return None
    cum = vtt if kind in ("full", "greeks") else None
    return Tick(symbol, round(ltp * 100), ltt or current_ms or RECEIVED, cum, qty)


feeds = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.sampled_from([0.0, -0.0, 0.01, 1499.95, 2901.55, -3.5, 0.005, 1e12]),
        st.sampled_from([0, 1_763_610_000_123]),
        st.integers(0, 10**6),
        st.integers(0, 10**12),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(feeds, st.sampled_from([0, RECEIVED + 7]))
def test_upstox_decode_when_a_frame_mixes_modes_and_zero_prices_then_each_feed_reads_as_its_own(
    items: list[tuple[str, float, int, int, int]],
    current_ms: int,
) -> None:
    response = pb.FeedResponse(type=pb.live_feed, currentTs=current_ms)
    symbols, want = {}, {}
    for n, (kind, ltp, ltt, qty, vtt) in enumerate(items):
        key = f"NSE_EQ|K{n}"
        add_feed(response, key, kind, ltp, ltt, qty, vtt)
        symbols[key] = f"S{n}"
        want[f"S{n}"] = expected(kind, f"S{n}", ltp, ltt, qty, vtt, current_ms)

    ticks = decode_frame(response.SerializeToString(), symbols, RECEIVED).ticks

    assert {t.symbol: t for t in ticks} == {s: t for s, t in want.items() if t is not None}
    assert len(ticks) == sum(t is not None for t in want.values())


def test_upstox_decode_when_a_full_frame_names_unsubscribed_keys_then_they_are_listed() -> None:
    response = pb.FeedResponse(type=pb.live_feed)
    add_feed(response, "NSE_EQ|A", "full", 10.5, RECEIVED, 1, 100)
    add_feed(response, "NSE_EQ|B", "full", 11.5, RECEIVED, 1, 100)

    decoded = decode_frame(response.SerializeToString(), {"NSE_EQ|A": "A"}, RECEIVED)

    assert [t.symbol for t in decoded.ticks] == ["A"] and decoded.unknown == ["NSE_EQ|B"]


@pytest.mark.parametrize("kind", ["full", "ltpc", "index"])
@pytest.mark.parametrize("price", [float("nan"), float("inf"), float("-inf")])
def test_upstox_decode_when_a_price_is_not_a_finite_number_then_a_frame_error(
    kind: str,
    price: float,
) -> None:
    response = pb.FeedResponse(type=pb.live_feed)
    add_feed(response, "NSE_EQ|A", kind, price, RECEIVED, 1, 100)

    with pytest.raises(FrameError, match="not a finite number"):
        decode_frame(response.SerializeToString(), {"NSE_EQ|A": "A"}, RECEIVED)
