"""Upstox V3 frames (protobuf `FeedResponse`) into ticks, and the JSON requests sent back.

Pure. A frame maps instrument keys (`NSE_EQ|INE002A01018`) to feeds: `ltpc` mode carries
the last price, time and quantity; `full` mode adds the volume traded today (`vtt`), which
the bar builder turns into each bar's volume. Prices arrive as doubles in rupees and are
rounded to paise, the exchange's own resolution for equities.

Speed: the whole frame is parsed (and so checked) by the protobuf C runtime, but every
field read from Python costs a wrapper object, and asking a oneof which branch is set costs
as much as reading it. A frame holds the mode the desk subscribed in, so its first feed
picks a reader that goes straight down that mode's path: an unset branch reads as an empty
message whose price is 0, so a non-zero price proves the branch is the one set, and only a
zero price (or another mode) is read the careful way, `_tick`, with the same result.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from google.protobuf.message import DecodeError

from adapters.feeds.frames import Decoded, FrameError
from adapters.feeds.upstox import market_data_v3_pb2
from domain.ticks import Tick

pb: Any = market_data_v3_pb2  # protoc's classes are built at import, unseen by mypy

MODES = ("ltpc", "full")  # what the desk subscribes in; option_greeks/full_d30 are F&O

Reader = Callable[[Any, Mapping[str, str], int, Decoded], None]
"""Reads a frame's `feeds` map into `decoded`, with the time for ticks that carry none."""


def decode_frame(frame: bytes, symbols: Mapping[str, str], received_ms: int) -> Decoded:
    """The ticks in one binary frame, for the instrument keys in `symbols` (key → symbol)."""
    response = pb.FeedResponse()
    try:
        response.ParseFromString(frame)
    except DecodeError as e:
        raise FrameError(f"not an Upstox FeedResponse: {e}") from None
    decoded = Decoded()
    feeds = response.feeds
    if response.type == pb.market_info or not feeds:
        return decoded
    first = feeds[next(iter(feeds))].WhichOneof("FeedUnion")
    try:
        _READERS.get(first, _read_any)(feeds, symbols, response.currentTs or received_ms,
                                       decoded)
    except (ValueError, OverflowError):  # round() of a NaN or infinite price
        raise FrameError("a price is not a finite number") from None
    return decoded


def _read_full(feeds: Any, symbols: Mapping[str, str], fallback_ms: int,
               decoded: Decoded) -> None:
    append, unknown, lookup = decoded.ticks.append, decoded.unknown.append, symbols.get
    for key in feeds:
        symbol = lookup(key)
        if symbol is None:
            unknown(key)
            continue
        feed = feeds[key]
        market = feed.fullFeed.marketFF
        ltpc = market.ltpc
        ltp = ltpc.ltp
        if ltp:
            append(Tick(symbol, round(ltp * 100), ltpc.ltt or fallback_ms, market.vtt,
                        ltpc.ltq))
        elif (tick := _tick(feed, symbol, fallback_ms)) is not None:
            append(tick)


def _read_ltpc(feeds: Any, symbols: Mapping[str, str], fallback_ms: int,
               decoded: Decoded) -> None:
    append, unknown, lookup = decoded.ticks.append, decoded.unknown.append, symbols.get
    for key in feeds:
        symbol = lookup(key)
        if symbol is None:
            unknown(key)
            continue
        feed = feeds[key]
        ltpc = feed.ltpc
        ltp = ltpc.ltp
        if ltp:
            append(Tick(symbol, round(ltp * 100), ltpc.ltt or fallback_ms, None, ltpc.ltq))
        elif (tick := _tick(feed, symbol, fallback_ms)) is not None:
            append(tick)


def _read_any(feeds: Any, symbols: Mapping[str, str], fallback_ms: int,
              decoded: Decoded) -> None:
    append, unknown, lookup = decoded.ticks.append, decoded.unknown.append, symbols.get
    for key in feeds:
        symbol = lookup(key)
        if symbol is None:
            unknown(key)
        elif (tick := _tick(feeds[key], symbol, fallback_ms)) is not None:
            append(tick)


_READERS: dict[str | None, Reader] = {"fullFeed": _read_full, "ltpc": _read_ltpc}


def _tick(feed: Any, symbol: str, fallback_ms: int) -> Tick | None:
    """One feed read by asking which branch is set: any mode, any price."""
    which = feed.WhichOneof("FeedUnion")
    cum: int | None = None
    if which == "fullFeed":
        full = feed.fullFeed
        if full.HasField("marketFF"):
            market = full.marketFF
            ltpc, cum = market.ltpc, market.vtt
        else:
            ltpc = full.indexFF.ltpc
    elif which == "ltpc":
        ltpc = feed.ltpc
    elif which == "firstLevelWithGreeks":
        ltpc = feed.firstLevelWithGreeks.ltpc
        cum = feed.firstLevelWithGreeks.vtt
    else:
        return None  # a feed with no price (a subscription acknowledgement)
    return Tick(symbol, round(ltpc.ltp * 100), ltpc.ltt or fallback_ms, cum, ltpc.ltq)


def request(guid: str, method: str, mode: str, keys: Sequence[str]) -> bytes:
    """A subscribe/unsubscribe/change_mode request: JSON, sent as a binary frame."""
    if method not in ("sub", "unsub", "change_mode"):
        raise ValueError(f"method: expected sub, unsub or change_mode, got {method!r}")
    if mode not in MODES:
        raise ValueError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
    body = {"guid": guid, "method": method, "data": {"mode": mode, "instrumentKeys": list(keys)}}
    return json.dumps(body).encode()
