"""Frames as the venues send them, built from their documented layouts: what the fakes push
and what tests and benches feed the decoders."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.feeds.upstox import market_data_v3_pb2

pb: Any = market_data_v3_pb2


@dataclass(frozen=True)
class Print:
    """One trade print to send: instrument key (Upstox) or token (Kite), price in paise,
    trade time (epoch ms), the day's volume so far, and the trade's quantity."""

    key: str
    ltp_paise: int
    at_ms: int
    cum_volume: int = 0
    last_qty: int = 0


def upstox_frame(prints: Sequence[Print], mode: str = "full", current_ms: int = 0) -> bytes:
    """A `live_feed` FeedResponse holding `prints` in `ltpc` or `full` mode."""
    response = pb.FeedResponse(type=pb.live_feed, currentTs=current_ms)
    for p in prints:
        feed = response.feeds[p.key]
        if mode == "ltpc":
            ltpc = feed.ltpc
        else:
            market = feed.fullFeed.marketFF
            market.vtt = p.cum_volume
            market.atp = p.ltp_paise / 100
            ltpc = market.ltpc
            feed.requestMode = pb.full_d5
        ltpc.ltp = p.ltp_paise / 100
        ltpc.ltt = p.at_ms
        ltpc.ltq = p.last_qty
    data: bytes = response.SerializeToString()
    return data


_QUOTE = struct.Struct(">IIIIIIIIIII")  # token, ltp, ltq, atp, volume, tbq, tsq, o, h, l, c
_FULL_TAIL = struct.Struct(">IIIII")  # last trade time, oi, oi high, oi low, exchange time
_DEPTH = struct.Struct(">IIHH")  # quantity, price, orders, padding


def kite_packet(p: Print, mode: str = "full") -> bytes:
    """One packet: 8 bytes (ltp), 44 (quote) or 184 (full)."""
    token = int(p.key)
    if mode == "ltp":
        return struct.pack(">II", token, p.ltp_paise)
    quote = _QUOTE.pack(token, p.ltp_paise, p.last_qty, p.ltp_paise, p.cum_volume, 0, 0,
                        p.ltp_paise, p.ltp_paise, p.ltp_paise, p.ltp_paise)
    if mode == "quote":
        return quote
    seconds = p.at_ms // 1000
    depth = b"".join(_DEPTH.pack(0, 0, 0, 0) for _ in range(10))
    return quote + _FULL_TAIL.pack(seconds, 0, 0, 0, seconds) + depth


def kite_frame(prints: Sequence[Print], mode: str = "full") -> bytes:
    """A binary frame: packet count, then each packet with its length."""
    packets = [kite_packet(p, mode) for p in prints]
    return struct.pack(">H", len(packets)) + b"".join(
        struct.pack(">H", len(packet)) + packet for packet in packets)


KITE_HEARTBEAT = b"\x00"
