"""Equity curves: each account's equity and P&L sampled once per desk minute."""

from __future__ import annotations

from datetime import timedelta

from domain.events import Envelope
from projections.desk import DeskView, apply
from projections.equity_curve import EquityCurves, sample_equity
from tests.unit.conftest import T0, D, Log, bar, charges, funded_account, round_trip


def sampled(events: list[Envelope]) -> tuple[EquityCurves, DeskView]:
    view, curves = DeskView(), EquityCurves()
    for position, event in enumerate(events, start=1):
        apply(view, event, position)
        sample_equity(curves, view)
    return curves, view


def test_sample_equity_when_a_round_trip_in_one_minute_then_one_point_with_its_pnl() -> None:
    log = Log()
    round_trip(log, entry="500.00", exit_price="530.00")

    curves, view = sampled(log.events)

    [point] = curves.points["acc-1"]
    assert point.at == T0.replace(second=0, microsecond=0)
    assert point.equity == view.equity("acc-1") == D("100000.00") + point.pnl
    assert point.pnl == D("3000.00") - 2 * charges().total


def test_sample_equity_when_later_minutes_arrive_then_a_point_each_oldest_first() -> None:
    log = Log()
    funded_account(log)
    for minute in (1, 2):
        at = T0 + timedelta(minutes=minute, seconds=30)
        log.add(bar("500", "501", "499", "500", start=at), "bars-TCS", at=at)

    curves, _ = sampled(log.events)

    assert [p.at - T0 for p in curves.points["acc-1"]] == [
        timedelta(0), timedelta(minutes=1), timedelta(minutes=2)]
    assert {p.equity for p in curves.points["acc-1"]} == {D("100000.00")}
