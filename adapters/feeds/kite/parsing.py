"""Kite ticker frames into ticks, and the JSON requests sent back. Pure.

A binary frame is a big-endian int16 packet count, then each packet as an int16 length
and its bytes; a 1-byte frame is a heartbeat. A packet's length says its mode: 8 (ltp),
44 (quote: adds last quantity and the day's volume), 184 (full: adds the last trade time),
28/32 (an index). Prices are integers in paise for every segment but currency (cds, bcd),
which the desk does not trade.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping, Sequence

from adapters.feeds.frames import Decoded, FrameError
from domain.ticks import Tick

MODES = ("ltp", "quote", "full")
UNSUPPORTED_SEGMENTS = {3: "cds", 6: "bcd"}  # prices not in paise: currency derivatives

_COUNT = struct.Struct(">H")
_LTP = struct.Struct(">II")  # token, last price
_QUOTE = struct.Struct(">IIIII")  # token, last price, last quantity, average price, volume
_TRADE_TIME = struct.Struct(">I")  # full mode, at byte 44: last trade time (epoch s)


def decode_frame(frame: bytes, symbols: Mapping[int, str], received_ms: int) -> Decoded:
    """The ticks in one binary frame, for the instrument tokens in `symbols`."""
    decoded = Decoded()
    if len(frame) == 1:
        decoded.heartbeat = True
        return decoded
    if len(frame) < 2:
        raise FrameError("frame too short for a packet count")
    (count,) = _COUNT.unpack_from(frame, 0)
    at = 2
    ticks = decoded.ticks
    for n in range(count):
        if at + 2 > len(frame):
            raise FrameError(f"frame ends before packet {n + 1} of {count}")
        (size,) = _COUNT.unpack_from(frame, at)
        at += 2
        if at + size > len(frame):
            raise FrameError(f"packet {n + 1} says {size} bytes, {len(frame) - at} remain")
        tick = _packet(frame, at, size, symbols, received_ms, decoded)
        if tick is not None:
            ticks.append(tick)
        at += size
    if at != len(frame):
        raise FrameError(f"{len(frame) - at} bytes left over after {count} packets")
    return decoded


def _packet(frame: bytes, at: int, size: int, symbols: Mapping[int, str], received_ms: int,
            decoded: Decoded) -> Tick | None:
    if size < 8:
        raise FrameError(f"packet of {size} bytes is shorter than any mode's")
    token, ltp = _LTP.unpack_from(frame, at)
    symbol = symbols.get(token)
    if symbol is None:
        decoded.unknown.append(str(token))
        return None
    if token & 0xFF in UNSUPPORTED_SEGMENTS:
        raise FrameError(f"token {token}: {UNSUPPORTED_SEGMENTS[token & 0xFF]} prices are "
                         "not in paise; the desk reads equities")
    if size in (8, 28, 32):  # ltp mode, or an index: no quantity, no volume
        return Tick(symbol, ltp, received_ms)
    if size not in (44, 184):
        raise FrameError(f"packet of {size} bytes is no documented mode (8, 28, 32, 44, 184)")
    _, _, qty, _, volume = _QUOTE.unpack_from(frame, at)
    when = received_ms
    if size == 184:
        (seconds,) = _TRADE_TIME.unpack_from(frame, at + 44)
        when = seconds * 1000 or received_ms
    return Tick(symbol, ltp, when, volume, qty)


def request(action: str, tokens: Sequence[int], mode: str | None = None) -> str:
    """A subscribe/unsubscribe/mode request (JSON text)."""
    if action == "mode":
        if mode not in MODES:
            raise ValueError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
        return json.dumps({"a": "mode", "v": [mode, list(tokens)]})
    if action not in ("subscribe", "unsubscribe"):
        raise ValueError(f"action: expected subscribe, unsubscribe or mode, got {action!r}")
    return json.dumps({"a": action, "v": list(tokens)})
