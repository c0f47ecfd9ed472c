"""The feeds' pure decoders: Kite packets (checked against Zerodha's published mock packets)
and Upstox V3 protobuf frames built from the documented schema."""

from __future__ import annotations

import base64
import json
import struct
from datetime import datetime
from pathlib import Path

import pytest

from adapters.feeds.frames import FrameError
from adapters.feeds.kite import parsing as kite
from adapters.feeds.upstox import parsing as upstox
from devtools.feeds.wire import KITE_HEARTBEAT, Print, kite_frame, upstox_frame
from domain.session import IST
from domain.ticks import epoch_ms

# zerodha/kiteconnect-mocks ticker_quote.packet and ticker_full.packet (one raw packet
# each, no frame header), with the values their ticker_*.json say they hold.
KITE_QUOTE = base64.b64decode(
    "AAY6AQACZoMAAAABAAJlaQAR8bIAA+n/AAWANwACZPMAAmc8AAJhyQACZGw=")
KITE_FULL = base64.b64decode(
    "AAY6AQACZroAAAAHAAJlbQASMhcAA+m7AAWKAQACZPMAAmc8AAJhyQACZGxg4pR/AAAAAAAAAAAAAAAAYOKUfwAAAA"
    "UAAmacAAEAAAAAAIwAAmZ0AAIAAAAAAAIAAmZvAAEAAAAAANsAAmZqAAcAAAAAADIAAmZlAAEAAAAAAKwAAma6AAMA"
    "AAAAACwAAma/AAMAAAAAAS4AAmbJAAMAAAAAAI0AAmbOAAIAAAAAAtQAAmbTAAUAAA==")
RECEIVED = 1_700_000_000_000


def framed(*packets: bytes) -> bytes:
    return struct.pack(">H", len(packets)) + b"".join(
        struct.pack(">H", len(p)) + p for p in packets)


def test_kite_decode_when_the_mock_quote_packet_arrives_then_price_qty_volume_match() -> None:
    [tick] = kite.decode_frame(framed(KITE_QUOTE), {408065: "ABC"}, RECEIVED).ticks
    assert (tick.symbol, tick.ltp_paise, tick.last_qty, tick.cum_volume, tick.at_ms) == (
        "ABC", 157315, 1, 1175986, RECEIVED)


def test_kite_decode_when_the_mock_full_packet_arrives_then_the_trade_time_is_used() -> None:
    [tick] = kite.decode_frame(framed(KITE_FULL), {408065: "ABC"}, RECEIVED).ticks
    assert (tick.ltp_paise, tick.last_qty, tick.cum_volume) == (157370, 7, 1192471)
    assert tick.at_ms == epoch_ms(datetime(2021, 7, 5, 10, 41, 27, tzinfo=IST))


def test_kite_decode_when_a_heartbeat_arrives_then_no_ticks_and_it_is_marked() -> None:
    decoded = kite.decode_frame(KITE_HEARTBEAT, {}, RECEIVED)
    assert decoded.heartbeat and decoded.ticks == []


def test_kite_decode_when_a_token_is_not_subscribed_then_it_is_listed_as_unknown() -> None:
    decoded = kite.decode_frame(framed(KITE_QUOTE), {}, RECEIVED)
    assert decoded.ticks == [] and decoded.unknown == ["408065"]


@pytest.mark.parametrize(("frame", "reason"), [
    (framed(KITE_QUOTE)[:-3], "packet 1 says 44 bytes, 41 remain"),
    (framed(KITE_QUOTE) + b"\x00", "1 bytes left over after 1 packets"),
    (framed(KITE_QUOTE[:20]), "packet of 20 bytes is no documented mode"),
    (framed(KITE_QUOTE)[:1] + b"\x02" + framed(KITE_QUOTE)[2:], "frame ends before packet 2"),
])
def test_kite_decode_when_the_frame_is_malformed_then_the_reason_says_where(
    frame: bytes, reason: str,
) -> None:
    with pytest.raises(FrameError, match=reason):
        kite.decode_frame(frame, {408065: "ABC"}, RECEIVED)


def test_kite_decode_when_a_currency_token_arrives_then_it_is_refused_not_misread() -> None:
    token = (1 << 8) | 3  # segment 3: cds, prices in 1e-7
    with pytest.raises(FrameError, match="cds prices are not in paise"):
        kite.decode_frame(framed(struct.pack(">II", token, 8312345)), {token: "USDINR"},
                          RECEIVED)


def test_kite_decode_when_frames_come_from_the_fake_then_every_mode_reads_back() -> None:
    p = Print("738561", 290050, 1_763_610_000_000, 5000, 25)
    symbols = {738561: "RELIANCE"}
    ltp, quote, full = (kite.decode_frame(kite_frame([p], mode), symbols, RECEIVED).ticks[0]
                        for mode in ("ltp", "quote", "full"))
    assert (ltp.ltp_paise, ltp.cum_volume, ltp.at_ms) == (290050, None, RECEIVED)
    assert (quote.cum_volume, quote.last_qty, quote.at_ms) == (5000, 25, RECEIVED)
    assert (full.cum_volume, full.at_ms) == (5000, 1_763_610_000_000)


def test_kite_request_when_subscribing_then_the_documented_json() -> None:
    assert json.loads(kite.request("mode", [1, 2], "quote")) == {"a": "mode",
                                                                "v": ["quote", [1, 2]]}
    with pytest.raises(ValueError, match="mode: expected"):
        kite.request("mode", [1], "depth")


def test_upstox_decode_when_a_full_frame_arrives_then_price_time_and_day_volume() -> None:
    frame = upstox_frame([Print("NSE_EQ|INE002A01018", 290155, 1_763_610_000_123, 7000, 3)])
    [tick] = upstox.decode_frame(frame, {"NSE_EQ|INE002A01018": "RELIANCE"}, RECEIVED).ticks
    assert (tick.symbol, tick.ltp_paise, tick.at_ms, tick.cum_volume, tick.last_qty) == (
        "RELIANCE", 290155, 1_763_610_000_123, 7000, 3)


def test_upstox_decode_when_an_ltpc_frame_arrives_then_no_cumulative_volume() -> None:
    frame = upstox_frame([Print("NSE_EQ|X", 10005, 1_763_610_000_000, 0, 9)], mode="ltpc")
    [tick] = upstox.decode_frame(frame, {"NSE_EQ|X": "X"}, RECEIVED).ticks
    assert (tick.ltp_paise, tick.cum_volume, tick.last_qty) == (10005, None, 9)


def test_upstox_decode_when_bytes_are_not_protobuf_then_a_frame_error() -> None:
    with pytest.raises(FrameError, match="not an Upstox FeedResponse"):
        upstox.decode_frame(b"\x0a\xff\xff\xff", {}, RECEIVED)


def test_upstox_request_when_subscribing_then_json_bytes_in_the_documented_shape() -> None:
    body = json.loads(upstox.request("g1", "sub", "ltpc", ["NSE_EQ|X"]))
    assert body == {"guid": "g1", "method": "sub",
                    "data": {"mode": "ltpc", "instrumentKeys": ["NSE_EQ|X"]}}
    with pytest.raises(ValueError, match="method: expected"):
        upstox.request("g1", "subscribe", "ltpc", [])


def test_generated_module_when_the_proto_is_compiled_again_then_it_is_the_committed_one(
    tmp_path: Path,
) -> None:
    from grpc_tools import protoc  # type: ignore[import-untyped]

    folder = Path(upstox.__file__).parent
    code = protoc.main(["protoc", f"-I{folder}", f"--python_out={tmp_path}",
                        str(folder / "market_data_v3.proto")])
    assert code == 0
    generated = (tmp_path / "market_data_v3_pb2.py").read_text()
    assert generated == (folder / "market_data_v3_pb2.py").read_text()
