"""Paper matching: how a bar fills a bracket's entry, stop, target or square-off."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.brokers.paper.broker import PaperBroker
from adapters.brokers.paper.matching import entry_fill, exit_fill
from domain.broker import WorkingOrder
from domain.money import tick_size
from domain.session import IST
from domain.values import Leg
from tests.unit.conftest import T0, D, bar, placed

STOP, TARGET = D("490"), D("530")


def test_entry_fill_when_bar_started_before_placement_then_no_fill() -> None:
    assert entry_fill(T0 + timedelta(seconds=1), bar("512.35", "513", "512", "512.5")) is None


@pytest.mark.parametrize("delay", [timedelta(0), timedelta(minutes=5)])
def test_entry_fill_when_bar_starts_at_or_after_placement_then_open_plus_5_bps_ticked_up(
    delay: timedelta,
) -> None:
    # 512.35 x 1.0005 = 512.606175; tick 0.05, rounded up -> 512.65.
    decision = entry_fill(T0, bar("512.35", "513", "512", "512.5", start=T0 + delay))

    assert decision is not None
    assert decision.leg is Leg.ENTRY
    assert decision.price == D("512.65")
    assert "open 512.35 + 5 bps" in decision.rule


def test_exit_fill_when_low_touches_stop_then_stop_less_5_bps_ticked_down() -> None:
    # min(490, open 495) = 490 x 0.9995 = 489.755; tick 0.05, down -> 489.75.
    decision = exit_fill(STOP, TARGET, bar("495", "497", "489", "490"), square_off=False)

    assert decision is not None
    assert (decision.leg, decision.price) == (Leg.STOP, D("489.75"))


def test_exit_fill_when_low_equals_stop_exactly_then_stop_fills() -> None:
    decision = exit_fill(STOP, TARGET, bar("495", "497", "490", "492"), square_off=False)

    assert decision is not None
    assert decision.leg is Leg.STOP


def test_exit_fill_when_bar_gaps_through_stop_then_fills_at_open_less_5_bps() -> None:
    # Opens at 480, below the 490 stop: 480 x 0.9995 = 479.76, tick down -> 479.75.
    decision = exit_fill(STOP, TARGET, bar("480", "482", "478", "481"), square_off=False)

    assert decision is not None
    assert (decision.leg, decision.price) == (Leg.STOP, D("479.75"))


def test_exit_fill_when_high_reaches_target_then_fills_at_target() -> None:
    decision = exit_fill(STOP, TARGET, bar("510", "531", "509", "529"), square_off=False)

    assert decision is not None
    assert (decision.leg, decision.price) == (Leg.TARGET, D("530"))


def test_exit_fill_when_bar_gaps_above_target_then_fills_at_open() -> None:
    decision = exit_fill(STOP, TARGET, bar("535", "540", "534", "538"), square_off=False)

    assert decision is not None
    assert (decision.leg, decision.price) == (Leg.TARGET, D("535"))


def test_exit_fill_when_bar_touches_stop_and_target_then_stop_fills() -> None:
    decision = exit_fill(STOP, TARGET, bar("510", "531", "489", "500"), square_off=True)

    assert decision is not None
    assert (decision.leg, decision.price) == (Leg.STOP, D("489.75"))


def test_exit_fill_when_bar_stays_inside_bracket_and_not_flagged_then_no_fill() -> None:
    assert exit_fill(STOP, TARGET, bar("510", "520", "500", "515"), square_off=False) is None


def test_exit_fill_when_inside_bracket_and_square_off_flagged_then_open_less_5_bps() -> None:
    # 510 x 0.9995 = 509.745; tick 0.05, down -> 509.70.
    decision = exit_fill(STOP, TARGET, bar("510", "520", "500", "515"), square_off=True)

    assert decision is not None
    assert (decision.leg, decision.price) == (Leg.SQUARE_OFF, D("509.70"))


@st.composite
def bars_through_stop(draw: st.DrawFn) -> tuple[Decimal, Decimal, Decimal]:
    """A stop and a bar (open, low) whose low reaches it."""
    stop = draw(st.decimals(D("1"), D("50000"), places=2))
    open_ = draw(st.decimals(stop * D("0.8"), stop * D("1.2"), places=2))
    low = min(open_, stop) - draw(st.decimals(D("0"), stop * D("0.1"), places=2))
    return stop, open_, max(low, D("0.01"))


@given(case=bars_through_stop())
def test_exit_fill_when_stop_triggers_then_price_on_tick_at_or_below_stop_and_open(
    case: tuple[Decimal, Decimal, Decimal],
) -> None:
    stop, open_, low = case
    candle = bar(str(open_), str(max(open_, stop) * 2), str(low), str(open_))

    decision = exit_fill(stop, stop * 3, candle, square_off=False)

    assert decision is not None
    assert decision.leg is Leg.STOP
    assert decision.price <= min(stop, open_)
    assert decision.price % tick_size(decision.price) == 0
    assert decision.price > min(stop, open_) * D("0.9995") - tick_size(decision.price)


@given(open_=st.decimals(D("1"), D("50000"), places=2))
def test_entry_fill_when_any_open_then_price_on_tick_within_5_bps_and_a_tick(
    open_: Decimal,
) -> None:
    decision = entry_fill(T0, bar(str(open_), str(open_ * 2), str(open_), str(open_)))

    slipped = open_ * D("1.0005")
    assert decision is not None
    assert slipped <= decision.price < slipped + tick_size(slipped)
    assert decision.price % tick_size(decision.price) == 0


# The broker: one decision per live bracket per bar. --------------------------------------


def working(status: str, square_off: bool = False) -> WorkingOrder:
    return WorkingOrder("order-1", "INFY", 10, status, T0, STOP, TARGET, square_off)


def test_updates_when_entry_is_working_then_entry_fill() -> None:
    fills = PaperBroker().updates(bar("512.35", "513", "512", "512.5"), [working("WORKING")])

    assert [(u.order_id, u.leg, u.price) for u in fills] == [
        ("order-1", Leg.ENTRY, D("512.65"))
    ]


def test_updates_when_intraday_order_at_square_off_bar_then_squares_off() -> None:
    at_1515 = datetime(2025, 1, 6, 15, 15, tzinfo=IST)
    candle = bar("510", "520", "500", "515", start=at_1515)

    fills = PaperBroker().updates(candle, [working("OPEN", square_off=True)])

    assert [(u.leg, u.price) for u in fills] == [(Leg.SQUARE_OFF, D("509.70"))]


def test_updates_when_square_off_bar_but_delivery_order_then_no_fill() -> None:
    at_1515 = datetime(2025, 1, 6, 15, 15, tzinfo=IST)
    candle = bar("510", "520", "500", "515", start=at_1515)

    assert PaperBroker().updates(candle, [working("OPEN", square_off=False)]) == []


def test_updates_when_intraday_order_before_square_off_time_then_no_fill() -> None:
    at_1514 = datetime(2025, 1, 6, 15, 14, tzinfo=IST)
    candle = bar("510", "520", "500", "515", start=at_1514)

    assert PaperBroker().updates(candle, [working("OPEN", square_off=True)]) == []


def test_updates_when_order_is_closed_then_ignored() -> None:
    assert PaperBroker().updates(bar("480", "482", "478", "481"), [working("CLOSED")]) == []


def test_place_bracket_when_valid_then_accepted_with_paper_broker_id() -> None:
    ack = PaperBroker().place_bracket(placed(order_id="order-7"))

    assert ack.accepted
    assert ack.broker_order_id == "paper-order-7"


def test_updates_when_operator_asked_to_close_then_next_bar_fills_before_its_stop() -> None:
    asked = replace(working("OPEN"), exit_requested_at=T0)
    through_the_stop = bar("495", "496", "470", "471", start=T0 + timedelta(minutes=1))

    [fill] = PaperBroker().updates(through_the_stop, [asked])

    assert fill.leg is Leg.OPERATOR
    assert fill.price == D("494.75")  # the open, 495, less 5 bps, ticked down
    assert "operator exit" in fill.detail


def test_close_when_entry_filled_then_accepted_even_after_a_restart() -> None:
    ack = PaperBroker().close(replace(working("OPEN"), entry_price=D("500")))

    assert ack.accepted
