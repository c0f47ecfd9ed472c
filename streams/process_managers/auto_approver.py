"""The demo's approval policy: approves each proposed card, recorded as an automated actor
(`policy:NAME`) so no reader mistakes it for a human's decision (`operator:NAME`)."""

from __future__ import annotations

from domain.aggregates import CardNotPending
from domain.events import CardProposed, Envelope
from domain.strategy.book import StrategyBook
from projections.desk import DeskView
from streams.commands import ApproveCard, handle
from streams.unit_of_work import UnitOfWork

DEMO_POLICY = "demo-approve-all"


class AutoApprover:
    """Approves every card as `policy:<policy>`; used by `desk demo` and stated in its output.
    Guardrails are re-checked at approval as for a human, so some approvals are refused."""

    name = "auto-approver"

    def __init__(self, policy: str, book: StrategyBook) -> None:
        self.actor = policy_actor(policy)
        self.book = book

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """Approve each proposed card under the configured policy (the demo's approver)."""
        if not isinstance(event.payload, CardProposed):
            return
        approve = ApproveCard(actor=self.actor, at=event.occurred_at,
                              correlation_id=event.correlation_id,
                              causation_id=event.event_id, card_id=event.payload.card_id)
        try:
            handle(approve, uow, view, self.book)
        except CardNotPending:
            return  # decided already (a replayed step): nothing to do


def policy_actor(policy: str) -> str:
    """The actor an automated approval policy is recorded as."""
    return f"policy:{policy}"
