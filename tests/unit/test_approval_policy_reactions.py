"""The approval policy reacting on the desk: a proposal or a verdict in, the decision
it records through the operator command path (or nothing, when a human must decide)."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from adapters.files.strategy_book import default_book
from domain.aggregates import Account, CardReview, TradeCard
from domain.approval_policy import AUTO_NAME, ApprovalMode, ApprovalPolicy
from domain.events import (
    CardApproved,
    CardRejected,
    CardReviewed,
    CardReviewRequested,
    Payload,
    Recorded,
)
from domain.ids import account_stream
from streams.process_managers import REACTIONS
from streams.process_managers.approval_policy import PolicyApprover
from streams.unit_of_work import UnitOfWork
from tests.fakes import FakeClock, InMemoryStore
from tests.unit.conftest import T0, D, cause, fold, mandate, proposal


class Desk:
    """An in-memory desk with one funded account (10 lakh) under the given approval."""

    def __init__(self, **approval: Any) -> None:
        self.store = InMemoryStore()
        self.clock = FakeClock(T0)
        account = Account(account_stream("acc-1"))
        account.open("Asha Rao", cause())
        account.set_mandate(mandate(cash_buffer_pct=D("0"), **approval), "test", cause())
        account.deposit(D("1000000.00"), "neft-1", cause())
        self.store.commit(account)

    def propose(self, **overrides: Any) -> Recorded:
        """A card every guardrail passes (small, liquid, known sector, fresh news)."""
        card = TradeCard("card-1")
        fields: dict[str, Any] = {
            "quantity": 10,
            "sector": "IT",
            "catalyst_at": T0 - timedelta(minutes=2),
            "adv_value": D("1000000000"),
        }
        card.propose(proposal(**{**fields, **overrides}), cause())
        return self.store.commit(card)[-1]

    def review(self, verdict: str, minutes: int = 1) -> Recorded:
        at = T0 + timedelta(minutes=minutes)
        review = CardReview("review-card-1")
        review.request_review(
            CardReviewRequested(
                card_id="card-1",
                account_id="acc-1",
                reviewer="rule-based",
                prompt_name="judge",
                prompt_version=1,
            ),
            cause(at),
        )
        review.conclude(
            CardReviewed(
                card_id="card-1",
                account_id="acc-1",
                reviewer="rule-based",
                verdict=verdict,
                confidence=Decimal("0.8"),
                thesis="t",
                risks=(),
                invalidation="i",
                prompt_name="judge",
                prompt_version=1,
                prompt_sha256="a",
                schema_sha256="b",
            ),
            cause(at),
        )
        return self.store.commit(review)[-1]

    def react(self, rec: Recorded) -> list[Recorded]:
        uow = UnitOfWork(self.store, self.clock, rec.event)
        PolicyApprover(default_book()).handle(
            rec.event, fold([r.event for r in self.store.read_all()]), uow
        )
        return uow.commit()


def payloads(recorded: list[Recorded]) -> list[Payload]:
    return [r.event.payload for r in recorded]


def policy(**fields: Any) -> ApprovalPolicy:
    return ApprovalPolicy(name="judged", mode=ApprovalMode.AUTO, **fields)


def test_policy_approver_when_an_auto_account_proposes_within_limits_then_approved() -> None:
    desk = Desk(auto_approve=True)

    [approved] = payloads(desk.react(desk.propose()))

    assert isinstance(approved, CardApproved)
    assert approved.approved_by == f"policy:{AUTO_NAME}"
    checks = {g.name: g.passed for g in approved.guardrails}
    assert checks["policy.max_notional_pct"] is True
    assert "exposure_single_name" in checks  # guardrails re-checked as for a human


def test_policy_approver_when_the_account_is_manual_then_the_card_waits() -> None:
    desk = Desk()

    assert desk.react(desk.propose()) == []


def test_policy_approver_when_the_card_is_above_the_size_limit_then_it_stays_pending() -> None:
    desk = Desk(approval_policy=policy(max_notional=D("4000")))

    assert desk.react(desk.propose()) == []  # 10 x 500 = 5,000


def test_policy_approver_when_a_guardrail_fails_on_recheck_then_rejected_by_the_policy() -> None:
    desk = Desk(auto_approve=True)

    # Stale news: the catalyst is a day old by approval time.
    [rejected] = payloads(desk.react(desk.propose(catalyst_at=T0 - timedelta(days=1))))

    assert isinstance(rejected, CardRejected)
    assert rejected.rejected_by == f"policy:{AUTO_NAME}"
    assert rejected.reason.startswith("guardrail failed at approval")


def test_policy_approver_when_the_judge_rejects_then_auto_rejected_with_the_reason() -> None:
    desk = Desk(approval_policy=policy(approve_verdicts=("support",), reject_verdicts=("oppose",)))
    assert desk.react(desk.propose()) == []  # waits for the judge, never on a timer

    [rejected] = payloads(desk.react(desk.review("oppose")))

    assert isinstance(rejected, CardRejected)
    assert rejected.rejected_by == "policy:judged"
    assert rejected.reason.startswith(
        "auto-rejected by policy: reject_judge_verdict: judge verdict oppose vs reject on oppose"
    )


def test_policy_approver_when_the_judge_supports_then_approved_at_the_verdict() -> None:
    desk = Desk(approval_policy=policy(approve_verdicts=("support",)))
    desk.react(desk.propose())

    [approved] = desk.react(desk.review("support", minutes=3))

    assert isinstance(approved.event.payload, CardApproved)
    assert approved.event.occurred_at == T0 + timedelta(minutes=3)
    assert {g.name: g.detail for g in approved.event.payload.guardrails}[
        "policy.judge_verdict"
    ] == "judge verdict support (needs support)"


def test_policy_approver_when_outside_the_window_then_left_for_a_human() -> None:
    desk = Desk(approval_policy=policy(window_start=time(10, 0), window_end=time(15, 0)))

    assert desk.react(desk.propose()) == []  # proposed 09:30 IST


def test_policy_approver_when_the_wall_clock_differs_then_desk_time_decides() -> None:
    window = policy(window_start=time(9, 15), window_end=time(10, 0))
    first, second = Desk(approval_policy=window), Desk(approval_policy=window)
    second.clock = FakeClock(T0 + timedelta(hours=8))  # the rerun happens in the evening

    once, again = first.react(first.propose()), second.react(second.propose())

    assert [(r.event.event_id, r.event.payload) for r in once] == [
        (r.event.event_id, r.event.payload) for r in again
    ]
    assert isinstance(once[0].event.payload, CardApproved)


def test_reactions_when_a_card_is_proposed_or_reviewed_then_the_policy_reacts() -> None:
    assert PolicyApprover in REACTIONS[type(proposal())]
    assert REACTIONS[CardReviewed] == (PolicyApprover,)
