"""RiskGuard: one account's (or the desk's) kill switch."""

from __future__ import annotations

from domain.aggregates import RiskGuard
from domain.events import KillSwitchReset, KillSwitchTripped
from domain.ids import risk_stream
from tests.unit.conftest import D, cause


def trip(guard: RiskGuard, reason: str = "daily loss -5000.00 reached limit -5000") -> None:
    guard.trip(reason, "daily_pnl", D("-5000.00"), D("-5000"), cause())


def test_trip_when_switch_is_off_then_tripped_with_reason_and_numbers() -> None:
    guard = RiskGuard(risk_stream("acc-1"))

    trip(guard)

    assert [e.payload for e in guard.collect_events()] == [
        KillSwitchTripped(scope="acc-1", reason="daily loss -5000.00 reached limit -5000",
                          metric="daily_pnl", value=D("-5000.00"), limit=D("-5000"))
    ]
    assert guard.tripped


def test_trip_when_already_tripped_then_recorded_once_with_first_reason() -> None:
    guard = RiskGuard(risk_stream("acc-1"))
    trip(guard, "first breach")

    trip(guard, "second breach")

    assert len(guard.collect_events()) == 1
    assert guard.reason == "first breach"


def test_reset_when_tripped_then_switch_off() -> None:
    guard = RiskGuard(risk_stream("desk"))
    trip(guard)
    guard.collect_events()

    guard.reset("new trading day", cause())

    assert [e.payload for e in guard.collect_events()] == [
        KillSwitchReset(scope="desk", reason="new trading day")
    ]
    assert (guard.tripped, guard.reason) == (False, "")


def test_reset_when_not_tripped_then_nothing_recorded() -> None:
    guard = RiskGuard(risk_stream("acc-1"))

    guard.reset("just in case", cause())

    assert not guard.has_pending


def test_replay_when_tripped_reset_tripped_then_tripped_with_latest_reason() -> None:
    guard = RiskGuard(risk_stream("acc-1"))
    trip(guard, "first breach")
    guard.reset("reviewed", cause())
    trip(guard, "drawdown 10.00% reached limit 10%")
    events = guard.collect_events()

    rebuilt = RiskGuard.replay(guard.id, events)

    assert (rebuilt.scope, rebuilt.tripped, rebuilt.reason, rebuilt.version) == (
        "acc-1", True, "drawdown 10.00% reached limit 10%", 3
    )
