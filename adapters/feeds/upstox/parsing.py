"""Upstox V3 frames (protobuf `FeedResponse`) into ticks, and the JSON requests sent back.

Pure. A frame maps instrument keys (`NSE_EQ|INE002A01018`) to feeds: `ltpc` mode carries
the last price, time and quantity; `full` mode adds the volume traded today (`vtt`), which
the bar builder turns into each bar's volume. Prices arrive as doubles in rupees and are
rounded to paise, the exchange's own resolution for equities.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf.message import DecodeError

from adapters.feeds.frames import Decoded, FrameError
from adapters.feeds.upstox import market_data_v3_pb2
from domain.ticks import Tick

pb: Any = market_data_v3_pb2  # protoc's classes are built at import, unseen by mypy

MODES = ("ltpc", "full")  # what the desk subscribes in; option_greeks/full_d30 are F&O


def decode_frame(frame: bytes, symbols: Mapping[str, str], received_ms: int) -> Decoded:
    """The ticks in one binary frame, for the instrument keys in `symbols` (key → symbol)."""
    response = pb.FeedResponse()
    try:
        response.ParseFromString(frame)
    except DecodeError as e:
        raise FrameError(f"not an Upstox FeedResponse: {e}") from None
    decoded = Decoded()
    if response.type == pb.market_info:
        return decoded
    fallback_ms = response.currentTs or received_ms
    append, lookup = decoded.ticks.append, symbols.get
    for key, feed in response.feeds.items():
        symbol = lookup(key)
        if symbol is None:
            decoded.unknown.append(key)
            continue
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
            continue  # a feed with no price (a subscription acknowledgement)
        append(Tick(symbol, round(ltpc.ltp * 100), ltpc.ltt or fallback_ms, cum, ltpc.ltq))
    return decoded


def request(guid: str, method: str, mode: str, keys: Sequence[str]) -> bytes:
    """A subscribe/unsubscribe/change_mode request: JSON, sent as a binary frame."""
    if method not in ("sub", "unsub", "change_mode"):
        raise ValueError(f"method: expected sub, unsub or change_mode, got {method!r}")
    if mode not in MODES:
        raise ValueError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
    body = {"guid": guid, "method": method, "data": {"mode": mode, "instrumentKeys": list(keys)}}
    return json.dumps(body).encode()
