"""Each account's approval policy deciding its waiting cards, as `policy:<name>`.

It reacts to the card's proposal and to the judge's verdict on it, and decides from the
event that caused the step and the view folded up to it (desk time, never the wall clock),
so a replay of the log makes the same decisions. Approvals and rejections go through the
same command path as a human's: guardrails are re-checked at approval, and the policy's own
checks are recorded beside them in `CardApproved.guardrails` (in the reason of a
`CardRejected`). A card no rule decides is left waiting for an operator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.aggregates import TradeCard
from domain.aggregates.card import CardStatus
from domain.approval_policy import (
    Outcome,
    PolicyCheck,
    PolicyDecision,
    PolicyFacts,
    ReviewStatus,
    decide,
)
from domain.events import CardProposed, CardReviewed, Envelope
from domain.strategy.book import StrategyBook
from domain.values import GuardrailResult
from projections.desk import DeskView
from streams.commands import ApproveCard, RejectCard, handle
from streams.process_managers.auto_approver import policy_actor
from streams.unit_of_work import UnitOfWork

# The judge's read model's review status -> what a policy sees of it.
_REVIEW_STATUS: dict[str, ReviewStatus] = {
    "pending": "pending",
    "reviewed": "reviewed",
    "failed": "failed",
}


def policy_facts(card: CardProposed, view: DeskView, event: Envelope) -> PolicyFacts:
    """What the policy sees of `card` at `event`: size, equity and the judge's answer."""
    review = view.reviews.by_card.get(card.card_id)
    status = _REVIEW_STATUS.get(review.status, "none") if review is not None else "none"
    return PolicyFacts(
        strategy=card.strategy,
        quantity=card.quantity,
        notional=card.reference_price * card.quantity,
        equity=view.equity(card.account_id),
        review=status,
        verdict=review.verdict if review is not None else "",
        at=event.occurred_at,
    )


def as_guardrail(check: PolicyCheck) -> GuardrailResult:
    """A policy check as recorded beside the guardrails on the approval."""
    return GuardrailResult(name=f"policy.{check.name}", passed=check.passed, detail=check.detail)


@dataclass(frozen=True)
class _Step:
    card_id: str
    actor: str
    event: Envelope
    decision: PolicyDecision
    view: DeskView
    uow: UnitOfWork
    book: StrategyBook

    def run(self, command: type[ApproveCard | RejectCard], **fields: Any) -> None:
        """Run `command` as the policy, in the causing event's chain at its desk time."""
        cmd = command(
            actor=self.actor,
            at=self.event.occurred_at,
            correlation_id=self.event.correlation_id,
            causation_id=self.event.event_id,
            card_id=self.card_id,
            **fields,
        )
        handle(cmd, self.uow, self.view, self.book)


def _approve(s: _Step) -> None:
    s.run(ApproveCard, policy_checks=tuple(as_guardrail(c) for c in s.decision.checks))


def _reject(s: _Step) -> None:
    ran = "; ".join(
        f"{c.name} {'passed' if c.passed else 'failed'} ({c.detail})" for c in s.decision.checks
    )
    s.run(RejectCard, reason=f"{s.decision.reason} [checks run: {ran}]")


def _leave(s: _Step) -> None:
    """No event: the card waits for an operator (or, WAIT, for the judge's verdict)."""


# The policy's outcome -> what is done about the card.
OUTCOMES: dict[Outcome, Callable[[_Step], None]] = {
    Outcome.APPROVE: _approve,
    Outcome.REJECT: _reject,
    Outcome.WAIT: _leave,
    Outcome.LEAVE: _leave,
}


def _card_id(event: Envelope) -> str | None:
    payload = event.payload
    return payload.card_id if isinstance(payload, CardProposed | CardReviewed) else None


class PolicyApprover:
    """Applies each account's mandate approval policy to its waiting cards."""

    name = "approval-policy"

    def __init__(self, book: StrategyBook) -> None:
        self.book = book

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """Decide the card named by a proposal or a verdict, when it still waits."""
        card_id = _card_id(event)
        if card_id is None:
            return
        card = uow.get(TradeCard, card_id)
        proposal = card.proposal
        if (
            card.status is not CardStatus.PROPOSED
            or proposal is None
            or event.occurred_at >= proposal.expires_at
        ):
            return  # decided already, by a human or another approver, or expired
        account = view.accounts.get(proposal.account_id)
        if account is None or account.mandate is None:
            return
        policy = account.mandate.policy()
        decision = decide(policy, policy_facts(proposal, view, event))
        OUTCOMES[decision.outcome](
            _Step(card_id, policy_actor(policy.name), event, decision, view, uow, self.book)
        )
