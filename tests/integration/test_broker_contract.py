"""The `Broker` port's contract: what every venue adapter must do, run against each one.

Each adapter comes with a `Venue` driver that makes its market trade through a bracket's
leg and returns the bar the desk would then ask `updates` with: the paper broker gets a bar
that crosses the leg; the fake is told the fill. A real adapter joins with one more fixture
param: its driver makes a local fake server (speaking the venue's wire format) fill.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.brokers.paper.broker import PaperBroker
from domain.broker import OrderUpdate, UpdateKind, WorkingOrder
from domain.events import BarClosed
from domain.values import Leg
from streams.ports import Broker
from tests.fakes import FakeBroker
from tests.unit.conftest import T0, bar, placed

ORDER = placed(order_id="order-1", symbol="TCS", quantity=100, stop=Decimal("490"),
               target=Decimal("530"))
WORKING = WorkingOrder("order-1", "TCS", 100, "WORKING", T0, Decimal("490"), Decimal("530"),
                       square_off=False)
QUIET = bar("500", "505", "495", "502")  # touches neither the stop nor the target


@dataclass
class Venue:
    broker: Broker
    trade_through: Callable[[Leg], BarClosed]  # the venue fills that leg of ORDER


def _paper() -> Venue:
    def trade_through(leg: Leg) -> BarClosed:
        later = T0 + timedelta(minutes=5)
        return {Leg.ENTRY: bar("500", "501", "499", "500"),
                Leg.STOP: bar("492", "493", "485", "486", start=later),
                Leg.TARGET: bar("528", "535", "527", "534", start=later)}[leg]

    return Venue(PaperBroker(), trade_through)


def _fake() -> Venue:
    broker = FakeBroker()

    def trade_through(leg: Leg) -> BarClosed:
        price = {Leg.ENTRY: "500.25", Leg.STOP: "489.75", Leg.TARGET: "530"}[leg]
        broker.push(OrderUpdate("order-1", UpdateKind.FILLED, leg, "told", Decimal(price),
                                fill_id=f"order-1-{leg.value.lower()}"))
        return QUIET

    return Venue(broker, trade_through)


@pytest.fixture(params=[_paper, _fake], ids=["paper", "fake"])
def venue(request: pytest.FixtureRequest) -> Venue:
    make: Callable[[], Venue] = request.param
    return make()


def _entered(venue: Venue) -> WorkingOrder:
    """ORDER placed and its entry filled; the bracket as the desk then knows it."""
    venue.broker.place_bracket(ORDER)
    [entry] = venue.broker.updates(venue.trade_through(Leg.ENTRY), [WORKING])
    return replace(WORKING, status="OPEN", entry_price=entry.price)


def test_place_bracket_when_valid_then_accepted_with_a_venue_order_id(venue: Venue) -> None:
    ack = venue.broker.place_bracket(ORDER)

    assert ack.accepted
    assert ack.broker_order_id


def test_place_bracket_when_order_id_placed_before_then_refused_with_reason(
    venue: Venue,
) -> None:
    venue.broker.place_bracket(ORDER)

    ack = venue.broker.place_bracket(ORDER)

    assert not ack.accepted
    assert "already placed" in ack.reason


def test_updates_when_the_market_trades_through_the_entry_then_one_entry_fill(
    venue: Venue,
) -> None:
    venue.broker.place_bracket(ORDER)

    updates = venue.broker.updates(venue.trade_through(Leg.ENTRY), [WORKING])

    assert [(u.order_id, u.kind, u.leg) for u in updates] == [
        ("order-1", UpdateKind.FILLED, Leg.ENTRY)]
    assert updates[0].price is not None and updates[0].price > 0
    assert updates[0].fill_id


@pytest.mark.parametrize("leg", [Leg.STOP, Leg.TARGET])
def test_updates_when_an_exit_trades_after_the_entry_then_that_exit_fills(
    venue: Venue, leg: Leg
) -> None:
    open_order = _entered(venue)

    updates = venue.broker.updates(venue.trade_through(leg), [open_order])

    assert [(u.kind, u.leg) for u in updates] == [(UpdateKind.FILLED, leg)]


def test_updates_when_nothing_trades_then_nothing_reported(venue: Venue) -> None:
    venue.broker.place_bracket(ORDER)

    assert venue.broker.updates(QUIET, [replace(WORKING, placed_at=T0 + timedelta(hours=1))]
                                ) == []


def test_cancel_when_entry_working_then_accepted_and_it_never_fills(venue: Venue) -> None:
    venue.broker.place_bracket(ORDER)

    ack = venue.broker.cancel("order-1")

    assert ack.accepted
    assert venue.broker.updates(venue.trade_through(Leg.ENTRY), [WORKING]) == []


def test_cancel_when_entry_filled_then_refused(venue: Venue) -> None:
    _entered(venue)

    assert not venue.broker.cancel("order-1").accepted


def test_cancel_when_order_unknown_then_refused_naming_it(venue: Venue) -> None:
    ack = venue.broker.cancel("order-9")

    assert not ack.accepted
    assert "order-9" in ack.reason


def test_close_when_entry_filled_then_accepted(venue: Venue) -> None:
    entered = _entered(venue)

    ack = venue.broker.close(replace(entered, exit_requested_at=T0 + timedelta(minutes=2)))

    assert ack.accepted and ack.broker_order_id


def test_close_when_entry_not_filled_then_refused_saying_cancel_instead(venue: Venue) -> None:
    venue.broker.place_bracket(ORDER)

    ack = venue.broker.close(WORKING)

    assert not ack.accepted
    assert "not filled" in ack.reason


def test_close_when_an_exit_already_filled_then_refused(venue: Venue) -> None:
    entered = _entered(venue)
    venue.broker.updates(venue.trade_through(Leg.STOP), [entered])

    assert not venue.broker.close(entered).accepted


def test_modify_when_stop_moves_below_target_then_accepted(venue: Venue) -> None:
    venue.broker.place_bracket(ORDER)

    assert venue.broker.modify("order-1", stop=Decimal("495")).accepted


def test_modify_when_stop_would_reach_the_target_then_refused(venue: Venue) -> None:
    venue.broker.place_bracket(ORDER)

    ack = venue.broker.modify("order-1", stop=Decimal("530"))

    assert not ack.accepted
    assert "below target" in ack.reason


def test_modify_when_order_unknown_then_refused(venue: Venue) -> None:
    assert not venue.broker.modify("order-9", target=Decimal("600")).accepted


def test_positions_when_entry_filled_then_the_holding_is_reported(venue: Venue) -> None:
    open_order = _entered(venue)

    [position] = venue.broker.positions()

    assert (position.symbol, position.quantity) == ("TCS", 100)
    assert position.average_price == open_order.entry_price


def test_positions_when_exit_filled_then_nothing_held(venue: Venue) -> None:
    open_order = _entered(venue)

    venue.broker.updates(venue.trade_through(Leg.TARGET), [open_order])

    assert venue.broker.positions() == []


def test_funds_when_entry_filled_then_its_value_is_used_and_not_available(
    venue: Venue,
) -> None:
    before = venue.broker.funds()
    open_order = _entered(venue)

    after = venue.broker.funds()

    assert open_order.entry_price is not None
    assert after.used == open_order.entry_price * 100
    assert after.available == before.available - after.used
