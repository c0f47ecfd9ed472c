"""The desk snapshot: canonical, JSON-ready, and the same every time it is rebuilt."""

from __future__ import annotations

import json
from datetime import timedelta

from domain.aggregates import RiskGuard, TradeCard
from domain.ids import risk_stream
from domain.values import Leg
from projections.desk import DeskView, apply, snapshot
from tests.unit.conftest import T0, D, Log, bar, cause, charges, fold, proposal, round_trip


def busy_day() -> Log:
    """A round trip, a bar, a card waiting, and a tripped then reset kill switch."""
    log = Log()
    round_trip(log, "500.00", "530.00", Leg.TARGET,
               entry_costs=charges(stt="59.37"), exit_costs=charges(stt="54.96"))
    log.add(bar("529", "531", "528", "530.5"), "bars-TCS", T0 + timedelta(minutes=5))
    waiting = TradeCard("card-2")
    waiting.propose(proposal(card_id="card-2", account_id="acc-1"), cause())
    guard = RiskGuard(risk_stream("acc-1"))
    guard.trip("drawdown", "drawdown_pct", D("10"), D("10"), cause())
    guard.reset("reviewed", cause())
    log.take(waiting, guard)
    return log


def test_snapshot_when_view_rebuilt_twice_from_same_events_then_identical() -> None:
    events = busy_day().events

    first, second = snapshot(fold(events)), snapshot(fold(events))

    assert first == second
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_snapshot_when_events_redelivered_then_identical_to_clean_fold() -> None:
    events = busy_day().events
    view = DeskView()

    for position, event in enumerate(events, start=1):
        apply(view, event, position)
        apply(view, event, position)

    assert snapshot(view) == snapshot(fold(events))
    assert view.duplicates == len(events)


def test_snapshot_when_day_folded_then_shows_cash_cards_and_switches_as_text() -> None:
    events = busy_day().events

    picture = snapshot(fold(events))

    assert picture["position"] == len(events)
    assert picture["cash"]["acc-1"]["available"] == "102885.67"
    assert picture["cash"]["acc-1"]["realised_pnl"] == "2885.67"
    assert picture["cards"]["card-1"]["status"] == "APPROVED"
    assert picture["cards"]["card-2"]["status"] == "PROPOSED"
    assert picture["orders"]["order-1"]["status"] == "CLOSED"
    assert picture["orders"]["order-1"]["exit_leg"] == "TARGET"
    assert picture["kill_switches"]["acc-1"] == {"tripped": False, "reason": ""}
    assert picture["risk"]["acc-1"]["halted"] is False
