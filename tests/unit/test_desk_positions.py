"""The positions fold: quantities from fills, realised from closes, unrealised from bars."""

from __future__ import annotations

from datetime import timedelta

from domain.aggregates import Order
from domain.values import Leg
from projections.desk import DeskView
from projections.positions import Position
from tests.unit.conftest import (
    T0,
    D,
    Log,
    bar,
    cause,
    charges,
    fill,
    fold,
    funded_account,
    placed,
    round_trip,
)

MINUTE = timedelta(minutes=1)


def holding(view: DeskView, account_id: str = "acc-1", symbol: str = "TCS") -> Position:
    [position] = [p for p in view.positions.of(account_id) if p.symbol == symbol]
    return position


def bought(log: Log, price: str = "500.00") -> None:
    """acc-1 holds 100 TCS bought at `price` (charges left out)."""
    funded_account(log)
    order = Order("order-1")
    order.place(placed(), cause())
    order.accept("paper-order-1", cause())
    order.fill(fill(Leg.ENTRY, price), cause())
    log.take(order)


def test_apply_when_entry_then_exit_fill_then_flat_with_realised_from_position_closed() -> None:
    # (530 - 500) x 100 = 3,000.00 less 59.37 + 54.96 charges = 2,885.67.
    log = Log()
    round_trip(log, "500.00", "530.00", Leg.TARGET,
               entry_costs=charges(stt="59.37"), exit_costs=charges(stt="54.96"))

    view = fold(log.events)

    position = holding(view)
    assert position.quantity == 0
    assert position.realised_pnl == D("2885.67")
    assert position.costs == D("114.33")
    assert position.trades == 1
    assert view.unrealised("acc-1") == 0


def test_apply_when_long_and_bar_closes_higher_then_unrealised_gain_at_close() -> None:
    log = Log()
    bought(log, "500.00")
    log.add(bar("505", "512", "504", "510"), "bars-TCS")

    view = fold(log.events)

    assert holding(view).quantity == 100
    assert holding(view).average_price == D("500.00")
    # (510 - 500) x 100.
    assert view.unrealised("acc-1") == D("1000.00")


def test_apply_when_several_bars_close_then_unrealised_uses_the_latest_close() -> None:
    log = Log()
    bought(log, "500.00")
    log.add(bar("505", "512", "504", "510"), "bars-TCS", T0 + MINUTE)
    log.add(bar("509", "509", "494", "495"), "bars-TCS", T0 + 2 * MINUTE)

    view = fold(log.events)

    # (495 - 500) x 100.
    assert view.unrealised("acc-1") == D("-500.00")
    assert view.exposure("acc-1") == D("49500.00")


def test_apply_when_another_symbol_bar_closes_then_holding_unrealised_unchanged() -> None:
    log = Log()
    bought(log, "500.00")
    log.add(bar("505", "512", "504", "510"), "bars-TCS", T0 + MINUTE)
    log.add(bar("1500", "1510", "1400", "1410", symbol="INFY"), "bars-INFY", T0 + 2 * MINUTE)

    view = fold(log.events)

    assert view.unrealised("acc-1") == D("1000.00")


def test_apply_when_no_bar_seen_then_no_unrealised_and_exposure_at_cost() -> None:
    log = Log()
    bought(log, "500.00")

    view = fold(log.events)

    assert view.unrealised("acc-1") == 0
    assert view.exposure("acc-1") == D("50000.00")


def test_apply_when_position_open_then_orders_view_shows_entry_and_status() -> None:
    log = Log()
    bought(log, "500.00")

    view = fold(log.events)

    row = view.orders.by_id["order-1"]
    assert (row.status, row.entry_price, row.quantity) == ("OPEN", D("500.00"), 100)
