"""Order: a bracket whose exits cancel each other and whose close states realised P&L."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.aggregates import DomainError, Order, OrderStatus
from domain.events import OrderCancelled, OrderFilled, PositionClosed
from domain.values import CostBreakdown, Leg
from tests.unit.conftest import D, cause, charges, fill, placed

# Entry 100 x 500.00 charges: 50.00 + 1.49 + 0.05 + 0.05 + 7.50 + 0.28 = 59.37.
ENTRY_COSTS = charges(stt="50.00", exchange_txn="1.49", sebi_fee="0.05", ipft="0.05",
                      stamp_duty="7.50", gst="0.28")
# Exit 100 x 530.00 charges: 53.00 + 1.57 + 0.05 + 0.05 + 0.29 = 54.96.
EXIT_COSTS = charges(stt="53.00", exchange_txn="1.57", sebi_fee="0.05", ipft="0.05",
                     gst="0.29")


def working() -> Order:
    """order-1 placed and accepted by the broker; events collected."""
    order = Order("order-1")
    order.place(placed(), cause())
    order.accept("paper-order-1", cause())
    order.collect_events()
    return order


def open_at(price: str = "500.00", costs: CostBreakdown = ENTRY_COSTS) -> Order:
    order = working()
    order.fill(fill(Leg.ENTRY, price, costs=costs), cause())
    order.collect_events()
    return order


def test_fill_when_target_fills_after_entry_then_stop_cancelled_and_position_closed() -> None:
    order = open_at("500.00")

    order.fill(fill(Leg.TARGET, "530.00", costs=EXIT_COSTS), cause())

    events = [e.payload for e in order.collect_events()]
    assert [type(p) for p in events] == [OrderFilled, OrderCancelled, PositionClosed]
    assert events[1] == OrderCancelled(
        order_id="order-1", account_id="acc-1", leg=Leg.STOP,
        reason="one-cancels-other: TARGET filled",
    )
    # Gross (530 - 500) x 100 = 3,000.00; charges 59.37 + 54.96 = 114.33; net 2,885.67.
    assert events[2] == PositionClosed(
        account_id="acc-1", order_id="order-1", symbol="TCS", quantity=100,
        entry_price=D("500.00"), exit_price=D("530.00"), exit_leg=Leg.TARGET,
        gross_pnl=D("3000.00"), costs=D("114.33"), realised_pnl=D("2885.67"),
    )
    assert order.status is OrderStatus.CLOSED


def test_fill_when_stop_fills_after_entry_then_target_cancelled_and_loss_realised() -> None:
    # (489.75 - 500.00) x 100 = -1,025.00, less 59.37 entry charges: -1,084.37.
    order = open_at("500.00")

    order.fill(fill(Leg.STOP, "489.75"), cause())

    events = [e.payload for e in order.collect_events()]
    assert [(p.leg, p.reason) for p in events if isinstance(p, OrderCancelled)] == [
        (Leg.TARGET, "one-cancels-other: STOP filled")
    ]
    closed = events[-1]
    assert isinstance(closed, PositionClosed)
    assert (closed.gross_pnl, closed.costs, closed.realised_pnl) == (
        D("-1025.00"), D("59.37"), D("-1084.37")
    )


def test_fill_when_squared_off_then_both_exit_legs_cancelled() -> None:
    order = open_at("500.00")

    order.fill(fill(Leg.SQUARE_OFF, "509.70"), cause())

    cancelled = [e.payload.leg for e in order.collect_events()
                 if isinstance(e.payload, OrderCancelled)]
    assert cancelled == [Leg.STOP, Leg.TARGET]
    assert order.cancelled_legs == {Leg.STOP, Leg.TARGET}


def test_fill_when_same_fill_id_arrives_twice_then_recorded_once() -> None:
    order = working()
    entry = fill(Leg.ENTRY, "500.00", costs=ENTRY_COSTS)

    order.fill(entry, cause())
    order.fill(entry, cause())

    assert len(order.collect_events()) == 1
    assert order.status is OrderStatus.OPEN


def test_fill_when_exit_arrives_before_entry_then_domain_error() -> None:
    order = working()

    with pytest.raises(DomainError, match="exit fill"):
        order.fill(fill(Leg.TARGET, "530.00"), cause())
    assert not order.has_pending


def test_fill_when_entry_arrives_before_broker_accepted_then_domain_error() -> None:
    order = Order("order-1")
    order.place(placed(), cause())

    with pytest.raises(DomainError, match="entry fill"):
        order.fill(fill(Leg.ENTRY, "500.00"), cause())


def test_fill_when_second_exit_arrives_after_close_then_domain_error() -> None:
    order = open_at("500.00")
    order.fill(fill(Leg.TARGET, "530.00"), cause())

    with pytest.raises(DomainError, match="CLOSED"):
        order.fill(fill(Leg.STOP, "489.75"), cause())


def test_fill_when_fill_names_another_order_then_domain_error() -> None:
    # Recorded, it would open order-2's row in the orders view while order-1 stays working.
    order = working()

    with pytest.raises(DomainError):
        order.fill(fill(Leg.ENTRY, "500.00", order_id="order-2", fill_id="order-2-entry"),
                   cause())
    assert order.status is OrderStatus.WORKING


def test_fill_when_exit_quantity_differs_from_entry_then_domain_error() -> None:
    # Selling 60 of 100 would leave 40 in the positions view while PositionClosed books
    # P&L on all 100.
    order = open_at("500.00")

    with pytest.raises(DomainError):
        order.fill(fill(Leg.TARGET, "530.00", quantity=60), cause())
    assert order.status is OrderStatus.OPEN


def test_accept_when_placed_then_working_and_second_accept_records_nothing() -> None:
    order = Order("order-1")
    order.place(placed(), cause())
    order.accept("paper-order-1", cause())
    order.accept("paper-order-1", cause())

    assert order.status is OrderStatus.WORKING
    assert [e.type for e in order.collect_events()] == ["OrderPlaced", "OrderAccepted"]


def test_reject_when_open_then_nothing_recorded() -> None:
    order = open_at()

    order.reject("late broker reject", cause())

    assert order.status is OrderStatus.OPEN
    assert not order.has_pending


def test_cancel_entry_when_working_then_cancelled() -> None:
    order = working()

    order.cancel_entry("card expired before fill", cause())

    assert order.status is OrderStatus.CANCELLED
    assert order.cancelled_legs == {Leg.ENTRY}


def test_replay_when_given_round_trip_events_then_same_state() -> None:
    order = Order("order-1")
    order.place(placed(), cause())
    order.accept("paper-order-1", cause())
    order.fill(fill(Leg.ENTRY, "500.00", costs=ENTRY_COSTS), cause())
    order.fill(fill(Leg.TARGET, "530.00", costs=EXIT_COSTS), cause())
    events = order.collect_events()

    rebuilt = Order.replay("order-1", events)

    assert rebuilt.version == len(events) == 6
    assert (rebuilt.status, rebuilt.entry, rebuilt.exit) == (
        OrderStatus.CLOSED, order.entry, order.exit
    )
    assert rebuilt.fill_ids == {"order-1-entry", "order-1-target"}
    assert rebuilt.cancelled_legs == {Leg.STOP}


money = st.decimals(D("0"), D("100"), places=2)


@given(
    entry=st.decimals(D("1"), D("50000"), places=2),
    exit_=st.decimals(D("1"), D("50000"), places=2),
    quantity=st.integers(1, 10_000),
    entry_stt=money, entry_gst=money, exit_stt=money, exit_gst=money,
)
def test_fill_when_any_round_trip_closes_then_realised_is_price_move_less_both_legs_charges(
    entry: Decimal, exit_: Decimal, quantity: int,
    entry_stt: Decimal, entry_gst: Decimal, exit_stt: Decimal, exit_gst: Decimal,
) -> None:
    order = Order("order-1")
    order.place(placed(quantity=quantity), cause())
    order.accept("paper-order-1", cause())
    order.fill(fill(Leg.ENTRY, str(entry), quantity=quantity,
                    costs=charges(stt=str(entry_stt), gst=str(entry_gst))), cause())

    order.fill(fill(Leg.STOP, str(exit_), quantity=quantity,
                    costs=charges(stt=str(exit_stt), gst=str(exit_gst))), cause())

    closed = order.collect_events()[-1].payload
    assert isinstance(closed, PositionClosed)
    charged = entry_stt + entry_gst + exit_stt + exit_gst
    assert closed.costs == charged
    assert closed.realised_pnl == (exit_ - entry) * quantity - charged
    assert closed.realised_pnl == closed.gross_pnl - closed.costs
