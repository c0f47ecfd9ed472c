"""Risk figures in the desk view: kill switches, today's P&L and drawdown."""

from __future__ import annotations

from datetime import timedelta

from domain.aggregates import Order, RiskGuard
from domain.events import DESK_SCOPE
from domain.ids import risk_stream
from domain.risk_rules import limit_breach
from domain.values import Leg
from tests.unit.conftest import (
    T0,
    D,
    Log,
    bar,
    cause,
    fill,
    fold,
    funded_account,
    mandate,
    placed,
    round_trip,
)


def tripped(log: Log, scope: str) -> RiskGuard:
    guard = RiskGuard(risk_stream(scope))
    guard.trip("daily loss -5000.00 reached limit -5000", "daily_pnl", D("-5000.00"),
               D("-5000"), cause())
    log.take(guard)
    return guard


def test_apply_when_account_kill_switch_tripped_then_only_that_account_halted() -> None:
    log = Log()
    tripped(log, "acc-1")

    view = fold(log.events)

    assert view.halted("acc-1")
    assert not view.halted("acc-2")


def test_apply_when_account_kill_switch_reset_then_account_trades_again() -> None:
    log = Log()
    guard = tripped(log, "acc-1")
    guard.reset("reviewed by risk", cause())
    log.take(guard)

    view = fold(log.events)

    assert not view.halted("acc-1")


def test_apply_when_desk_kill_switch_tripped_then_every_account_halted() -> None:
    log = Log()
    funded_account(log, "acc-1")
    funded_account(log, "acc-2")
    tripped(log, DESK_SCOPE)

    view = fold(log.events)

    assert view.halted("acc-1")
    assert view.halted("acc-2")
    assert view.halted("acc-never-seen")


def test_apply_when_desk_reset_but_account_still_tripped_then_only_that_account_halted() -> None:
    log = Log()
    desk = tripped(log, DESK_SCOPE)
    tripped(log, "acc-1")
    desk.reset("market calm", cause())
    log.take(desk)

    view = fold(log.events)

    assert view.halted("acc-1")
    assert not view.halted("acc-2")


def test_apply_when_round_trip_closed_today_then_daily_pnl_is_its_realised_profit() -> None:
    log = Log()
    round_trip(log, "500.00", "530.00", Leg.TARGET)

    view = fold(log.events)

    # (530 - 500) x 100, no charges.
    assert view.daily_pnl("acc-1") == D("3000.00")


def test_apply_when_next_ist_day_begins_then_yesterdays_realised_drops_out() -> None:
    log = Log()
    round_trip(log, "500.00", "530.00", Leg.TARGET)
    next_morning = T0 + timedelta(days=1)
    log.add(bar("500", "501", "499", "500", start=next_morning, symbol="INFY"), "bars-INFY",
            next_morning)

    view = fold(log.events)

    assert view.daily_pnl("acc-1") == 0


def test_apply_when_open_position_falls_5_pct_of_equity_then_drawdown_and_loss_trip_limits(
) -> None:
    # Equity peak 1,00,000 at deposit; 100 TCS at 500 closing at 450 loses 5,000: 5% down.
    log = Log()
    account = funded_account(log)
    account.reserve("card-1", D("50250.00"), cause())
    order = Order("order-1")
    order.place(placed(), cause())
    order.accept("paper-order-1", cause())
    order.fill(fill(Leg.ENTRY, "500.00"), cause())
    account.deploy("card-1", "order-1", D("50000.00"), cause())
    log.take(account, order)
    log.add(bar("480", "481", "449", "450"), "bars-TCS", T0 + timedelta(minutes=1))

    view = fold(log.events)

    assert view.equity("acc-1") == D("95000.00")
    assert view.drawdown("acc-1") == D("5")
    assert view.daily_pnl("acc-1") == D("-5000.00")
    breach = limit_breach(mandate(daily_loss_limit=D("5000")), view.daily_pnl("acc-1"),
                          view.drawdown("acc-1"))
    assert breach is not None and breach.metric == "daily_pnl"
