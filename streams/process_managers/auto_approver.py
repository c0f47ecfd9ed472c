"""The demo operator: approves each proposed card as a named human would, on the record."""

from __future__ import annotations

from domain.aggregates import CardNotPending
from domain.events import CardProposed, Envelope
from domain.strategy.book import StrategyBook
from projections.desk import DeskView
from streams.commands import ApproveCard, handle
from streams.unit_of_work import UnitOfWork


class AutoApprover:
    """Approves every card as `operator`; used by `desk demo` and stated in its output."""

    name = "auto-approver"

    def __init__(self, operator: str, book: StrategyBook) -> None:
        self.actor = f"operator:{operator}"
        self.book = book

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """Approve each proposed card as the configured operator (the demo's approver)."""
        if not isinstance(event.payload, CardProposed):
            return
        approve = ApproveCard(actor=self.actor, at=event.occurred_at,
                              correlation_id=event.correlation_id,
                              causation_id=event.event_id, card_id=event.payload.card_id)
        try:
            handle(approve, uow, view, self.book)
        except CardNotPending:
            return  # decided already (a replayed step): nothing to do
