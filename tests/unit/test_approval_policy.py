"""The approval policy as data: what it decides on a waiting card, and why."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from domain.approval_policy import (
    AUTO_NAME,
    MANUAL,
    ApprovalMode,
    ApprovalPolicy,
    Outcome,
    PolicyFacts,
    decide,
)
from domain.approval_policy_text import describe, revise_policy
from domain.values import Mandate
from tests.unit.conftest import T0, D, mandate


def facts(**overrides: Any) -> PolicyFacts:
    """Card facts at T0 (09:30 IST): 100 at 500 (50,000) on 10 lakh equity, no review."""
    fields: dict[str, Any] = {
        "strategy": "buyback",
        "quantity": 100,
        "notional": D("50000"),
        "equity": D("1000000"),
        "review": "none",
        "verdict": "",
        "at": T0,
    }
    fields.update(overrides)
    return PolicyFacts(**fields)


def auto(**overrides: Any) -> ApprovalPolicy:
    return ApprovalPolicy(name="auto-test", mode=ApprovalMode.AUTO, **overrides)


def test_decide_when_manual_then_the_card_is_left_for_an_operator() -> None:
    assert decide(MANUAL, facts()).outcome is Outcome.LEAVE


def test_decide_when_every_limit_holds_then_approved_with_the_checks_run() -> None:
    policy = auto(
        max_notional=D("60000"),
        max_quantity=200,
        strategies=("buyback",),
        window_start=time(9, 15),
        window_end=time(15, 0),
    )

    decision = decide(policy, facts())

    assert decision.outcome is Outcome.APPROVE
    assert [(c.name, c.passed) for c in decision.checks] == [
        ("max_notional", True),
        ("max_quantity", True),
        ("strategy_allowed", True),
        ("time_window", True),
    ]


def test_decide_when_the_card_is_above_the_size_limit_then_left_for_an_operator() -> None:
    decision = decide(auto(max_notional=D("40000")), facts())

    assert decision.outcome is Outcome.LEAVE
    assert "notional 50000 vs cap 40000" in decision.reason


def test_decide_when_the_strategy_is_not_listed_then_left_for_an_operator() -> None:
    decision = decide(auto(strategies=("momentum",)), facts())

    assert decision.outcome is Outcome.LEAVE
    assert "strategy buyback" in decision.reason


def test_decide_when_the_judge_has_not_answered_then_waits_never_approves() -> None:
    policy = auto(approve_verdicts=("support",))

    assert decide(policy, facts(review="pending")).outcome is Outcome.WAIT
    assert decide(policy, facts(review="none", at=T0 + timedelta(hours=3))).outcome is Outcome.WAIT


def test_decide_when_the_judge_supports_then_approved() -> None:
    policy = auto(approve_verdicts=("support",))

    assert decide(policy, facts(review="reviewed", verdict="support")).outcome is Outcome.APPROVE


def test_decide_when_the_judge_review_failed_then_left_for_an_operator() -> None:
    decision = decide(auto(approve_verdicts=("support",)), facts(review="failed"))

    assert decision.outcome is Outcome.LEAVE
    assert "review failed" in decision.reason


def test_decide_when_the_judge_opposes_and_that_rejects_then_rejected_with_the_reason() -> None:
    policy = auto(approve_verdicts=("support",), reject_verdicts=("oppose",))

    decision = decide(policy, facts(review="reviewed", verdict="oppose"))

    assert decision.outcome is Outcome.REJECT
    assert decision.reason == (
        "auto-rejected by policy: reject_judge_verdict: judge verdict oppose vs reject on oppose"
    )


def test_decide_when_the_judge_cautions_without_a_reject_rule_then_left() -> None:
    policy = auto(approve_verdicts=("support",), reject_verdicts=("oppose",))

    assert decide(policy, facts(review="reviewed", verdict="caution")).outcome is Outcome.LEAVE


def test_decide_when_notional_exceeds_the_reject_level_then_rejected() -> None:
    decision = decide(auto(reject_above_notional=D("45000")), facts())

    assert decision.outcome is Outcome.REJECT
    assert "notional 50000 vs reject above 45000" in decision.reason


def test_decide_when_outside_the_ist_window_then_left_for_an_operator() -> None:
    policy = auto(window_start=time(10, 0), window_end=time(14, 0))

    decision = decide(policy, facts())  # 09:30 IST

    assert decision.outcome is Outcome.LEAVE
    assert "09:30 IST vs 10:00-14:00 IST" in decision.reason


def test_decide_when_outside_the_window_and_that_rejects_then_rejected() -> None:
    policy = auto(window_start=time(10, 0), window_end=time(14, 0), reject_outside_window=True)

    assert decide(policy, facts()).outcome is Outcome.REJECT
    assert decide(policy, facts(at=T0 + timedelta(hours=1))).outcome is Outcome.APPROVE


def test_policy_when_the_intake_said_auto_then_auto_within_the_position_cap() -> None:
    policy = mandate(auto_approve=True, max_position_pct=D("20")).policy()

    assert (policy.name, policy.mode, policy.max_notional_pct) == (
        AUTO_NAME,
        ApprovalMode.AUTO,
        Decimal("20"),
    )
    assert decide(policy, facts(notional=D("250000"))).outcome is Outcome.LEAVE
    assert decide(policy, facts(notional=D("150000"))).outcome is Outcome.APPROVE


def test_policy_when_an_old_mandate_is_loaded_then_its_bool_still_decides() -> None:
    old = mandate().model_dump(mode="json")
    del old["approval_policy"]

    assert Mandate.model_validate(old).policy() == MANUAL
    assert Mandate.model_validate({**old, "auto_approve": True}).policy().mode is ApprovalMode.AUTO


def test_policy_when_one_is_set_then_it_wins_over_the_bool() -> None:
    chosen = auto(max_quantity=10)

    assert mandate(auto_approve=False, approval_policy=chosen).policy() == chosen


def test_revise_policy_when_switching_to_auto_then_named_for_auto_with_the_limits() -> None:
    revised = revise_policy(
        MANUAL, {"mode": "auto", "max_quantity": "500", "window": "09:30-14:30"}
    )

    assert isinstance(revised, ApprovalPolicy)
    assert (revised.name, revised.mode, revised.max_quantity) == (AUTO_NAME, ApprovalMode.AUTO, 500)
    assert (revised.window_start, revised.window_end) == (time(9, 30), time(14, 30))


def test_revise_policy_when_a_key_or_verdict_is_unknown_then_says_what_is_wrong() -> None:
    assert str(revise_policy(MANUAL, {"colour": "red"})).startswith(
        "unknown policy setting 'colour'"
    )
    assert "approve_verdicts" in str(revise_policy(MANUAL, {"approve_on": "maybe"}))
    assert "window_end: Input should be in a valid time format" in str(
        revise_policy(MANUAL, {"window": "09:30-"})
    )
    assert "reject_outside_window needs a time window" in str(
        revise_policy(MANUAL, {"reject_outside_window": "yes"})
    )


def test_describe_when_auto_then_says_what_approves_and_what_rejects() -> None:
    policy = auto(
        max_notional=D("200000"), approve_verdicts=("support",), reject_verdicts=("oppose",)
    )

    assert describe(policy) == (
        "auto-test (auto: approves when guardrails pass and notional ≤ ₹200000 and judge says "
        "support; rejects when judge says oppose; otherwise an operator decides)"
    )
