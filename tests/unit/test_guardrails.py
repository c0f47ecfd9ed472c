"""Guardrails on a card: kill switch, position size, cash and market hours, with numbers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from domain.guardrails import CardFacts, check
from domain.session import IST
from domain.values import GuardrailResult
from tests.unit.conftest import D, mandate

# Buy 100 at 500 for an account with 10,00,000 equity and 5,00,000 available, Monday 10:30 IST.
# Cap 20% = 2,00,000; 5,00,000 available (the treasury holds the buffer apart).
PASSING = CardFacts(
    quantity=100,
    reference_price=D("500"),
    reserve=D("50250.00"),
    equity=D("1000000"),
    available=D("500000"),
    mandate=mandate(),
    halted=False,
    now=datetime(2025, 1, 6, 10, 30, tzinfo=IST),
)


def verdicts(facts: CardFacts) -> dict[str, GuardrailResult]:
    return {g.name: g for g in check(facts)}


def failed_names(facts: CardFacts) -> list[str]:
    return [g.name for g in check(facts) if not g.passed]


def test_check_when_card_is_within_every_limit_then_all_four_pass() -> None:
    results = verdicts(PASSING)

    assert sorted(results) == ["cash", "kill_switch", "market_hours", "position_size"]
    assert all(g.passed for g in results.values())


def test_check_when_kill_switch_tripped_then_only_kill_switch_fails() -> None:
    facts = replace(PASSING, halted=True)

    assert failed_names(facts) == ["kill_switch"]
    assert verdicts(facts)["kill_switch"].detail == "kill switch tripped"


def test_check_when_notional_exceeds_cap_then_position_size_fails_with_numbers() -> None:
    # 401 x 500 = 2,00,500 > 2,00,000 cap; reserve kept inside the cash limit.
    facts = replace(PASSING, quantity=401)

    assert failed_names(facts) == ["position_size"]
    assert verdicts(facts)["position_size"].detail == (
        "notional 200500.00 vs cap 200000.00 (20% of equity)"
    )


def test_check_when_notional_equals_cap_then_position_size_passes() -> None:
    facts = replace(PASSING, quantity=400)

    assert verdicts(facts)["position_size"].passed


def test_check_when_reserve_exceeds_available_then_cash_fails_with_numbers() -> None:
    facts = replace(PASSING, available=D("50000"))

    assert failed_names(facts) == ["cash"]
    assert verdicts(facts)["cash"].detail == (
        "reserve 50250.00 vs available 50000.00 (the cash buffer is held apart)"
    )


def test_check_when_reserve_equals_deployable_then_cash_passes() -> None:
    facts = replace(PASSING, available=D("100250"))

    assert verdicts(facts)["cash"].passed


@pytest.mark.parametrize(
    ("hour", "minute", "second", "open_"),
    [
        (9, 14, 59, False),
        (9, 15, 0, True),
        (15, 14, 59, True),
        (15, 15, 0, False),
        (3, 0, 0, False),
    ],
)
def test_check_when_time_is_around_session_edges_then_market_hours_follows_ist_window(
    hour: int, minute: int, second: int, open_: bool
) -> None:
    facts = replace(PASSING, now=datetime(2025, 1, 6, hour, minute, second, tzinfo=IST))

    result = verdicts(facts)["market_hours"]

    assert result.passed is open_
    assert result.detail == f"{hour:02d}:{minute:02d}:{second:02d} IST vs entries 09:15-15:15"


def test_check_when_now_is_given_in_utc_then_judged_in_ist() -> None:
    # 03:50 UTC is 09:20 IST.
    facts = replace(PASSING, now=datetime.fromisoformat("2025-01-06T03:50:00+00:00"))

    result = verdicts(facts)["market_hours"]

    assert result.passed
    assert result.detail.startswith("09:20:00 IST")
