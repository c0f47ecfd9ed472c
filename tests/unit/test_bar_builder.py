"""The bar builder: ticks in, the same `BarClosed` facts the sample day has, out."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.bar_builder import BarBuilder, bar_slot
from domain.events import BarClosed, FeedGapFlagged, InputRejected
from domain.inputs import InputFact
from domain.session import IST
from domain.ticks import Tick, epoch_ms

T0 = datetime(2026, 11, 20, 9, 15, tzinfo=IST)


def tick(second: float, ltp: str, cum: int | None = None, qty: int = 0,
         symbol: str = "TCS") -> Tick:
    at = T0 + timedelta(seconds=second)
    return Tick(symbol, int(Decimal(ltp) * 100), epoch_ms(at), cum, qty)


def feed(builder: BarBuilder, *ticks: Tick, clock: float | None = None) -> list[InputFact]:
    out: list[InputFact] = []
    for t in ticks:
        builder.on_tick(t, out)
    if clock is not None:
        builder.close_due(T0 + timedelta(seconds=clock), out)
    return out


def bars(facts: list[InputFact]) -> list[BarClosed]:
    return [f.payload for f in facts if isinstance(f.payload, BarClosed)]


def test_close_due_when_the_minute_ends_then_one_bar_with_ohlc_and_volume_difference() -> None:
    builder = BarBuilder("upstox")
    facts = feed(builder, tick(1, "100.00", 1000, 10), tick(20, "101.50", 1100, 5),
                 tick(40, "99.80", 1250, 7), tick(59, "100.40", 1300, 3), clock=60)

    [bar] = bars(facts)
    assert (bar.open, bar.high, bar.low, bar.close) == (
        Decimal("100.00"), Decimal("101.50"), Decimal("99.80"), Decimal("100.40"))
    assert bar.volume == 310  # 1300 - (1000 - 10)
    assert bar.start == T0 and bar.end == T0 + timedelta(minutes=1)
    assert facts[0].stream_id == "bars-TCS-20261120" and facts[0].version == bar_slot(T0)
    assert facts[0].source == "feed:upstox"


def test_close_due_when_the_minute_has_not_ended_then_the_bar_stays_open() -> None:
    builder = BarBuilder("kite")
    assert feed(builder, tick(1, "100.00", 1000), clock=59.9) == []


def test_next_bar_when_cumulative_volume_goes_on_then_volume_counts_from_the_last_close() -> None:
    builder = BarBuilder("kite")
    feed(builder, tick(1, "100", 1000, 10), tick(30, "100", 1500), clock=60)
    [bar] = bars(feed(builder, tick(61, "101", 1600), tick(90, "102", 1900), clock=120))
    assert bar.volume == 400


def test_on_tick_when_a_tick_repeats_verbatim_then_it_counts_once() -> None:
    builder = BarBuilder("kite")
    [bar] = bars(feed(builder, tick(1, "100", None, 10), tick(1, "100", None, 10),
                      tick(2, "101", None, 5), clock=60))
    assert bar.volume == 15
    assert builder.duplicates == 1


def test_on_tick_when_a_tick_arrives_out_of_order_then_it_moves_the_range_not_the_close() -> None:
    builder = BarBuilder("upstox")
    [bar] = bars(feed(builder, tick(1, "100", 1000), tick(50, "102", 1200),
                      tick(30, "98", 1100), clock=60))
    assert (bar.low, bar.high, bar.close) == (Decimal("98"), Decimal("102"), Decimal("102"))
    assert bar.volume == 200


def test_on_tick_when_its_bar_has_closed_then_a_late_tick_is_recorded_with_the_reason() -> None:
    builder = BarBuilder("upstox")
    feed(builder, tick(1, "100", 1000), clock=60)
    [fact] = feed(builder, tick(59, "100.05", 1010))

    assert isinstance(fact.payload, InputRejected)
    assert fact.payload.reason == "late tick: its bar 09:15 IST closed at 09:16"
    assert '"ltp": "100.05"' in fact.payload.raw
    assert builder.late == 1


def test_on_tick_when_the_next_minute_starts_before_the_clock_then_the_bar_closes() -> None:
    builder = BarBuilder("kite")
    [bar] = bars(feed(builder, tick(1, "100", 1000), tick(61, "101", 1100)))
    assert bar.close == Decimal("100")


def test_on_tick_when_the_price_is_zero_then_it_is_rejected_not_a_bar() -> None:
    builder = BarBuilder("kite")
    facts = feed(builder, tick(1, "0", 0), clock=60)
    assert [type(f.payload) for f in facts] == [InputRejected]


def test_close_due_when_the_clock_jumps_then_bars_close_and_a_gap_is_flagged() -> None:
    builder = BarBuilder("upstox")
    feed(builder, tick(1, "100", 1000), clock=30)
    facts = feed(builder, clock=600)

    kinds = [type(f.payload) for f in facts]
    assert kinds == [FeedGapFlagged, BarClosed]
    gap = facts[0].payload
    assert isinstance(gap, FeedGapFlagged)
    assert gap.start == T0 + timedelta(seconds=30) and gap.end == T0 + timedelta(seconds=600)


def test_close_due_when_the_clock_goes_back_then_nothing_happens() -> None:
    builder = BarBuilder("upstox")
    feed(builder, tick(1, "100", 1000), clock=30)
    assert feed(builder, clock=10) == []


def test_undecodable_when_a_frame_is_garbage_then_its_bytes_are_kept_in_base64() -> None:
    fact = BarBuilder("upstox").undecodable(b"\xff\x00junk", "not protobuf", T0)
    assert isinstance(fact.payload, InputRejected)
    assert fact.payload.raw == "/wBqdW5r" and fact.payload.reason == "not protobuf"


prices = st.integers(min_value=1, max_value=10_000_00)


@given(st.lists(st.tuples(st.integers(0, 179_999), prices, st.integers(0, 1000)),
                min_size=1, max_size=60))
def test_bars_when_ticks_come_in_any_order_then_prices_are_bounded_and_no_share_is_lost(
    raw: list[tuple[int, int, int]],
) -> None:
    builder = BarBuilder("kite")
    start = epoch_ms(T0)
    ticks = [Tick("TCS", p, start + ms, None, q) for ms, p, q in raw]
    out = feed(builder, *ticks, clock=400)
    built = bars(out)
    for bar in built:
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
    late_qty = sum(
        int(f.payload.raw.rsplit('"last_qty": ', 1)[1].rstrip("}"))
        for f in out if isinstance(f.payload, InputRejected))
    repeats = [i for i in range(1, len(raw)) if raw[i] == raw[i - 1]]
    total = sum(q for _, _, q in raw) - sum(raw[i][2] for i in repeats)
    assert sum(b.volume for b in built) + late_qty == total


def test_close_when_the_symbol_is_not_one_the_desk_can_name_then_the_bar_is_rejected() -> None:
    builder = BarBuilder("upstox")
    [fact] = feed(builder, tick(1, "24000", None, 0, symbol="NIFTY 50"), clock=60)
    assert isinstance(fact.payload, InputRejected)
    assert fact.payload.reason.startswith("bar not recorded: symbol: String should match")
    assert '"symbol": "NIFTY 50"' in fact.payload.raw
