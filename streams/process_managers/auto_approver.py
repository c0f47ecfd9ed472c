"""The demo operator: approves each proposed card as a named human would, on the record."""

from __future__ import annotations

from domain.aggregates import CardNotPending
from domain.events import CardProposed, Envelope
from projections.desk import DeskView
from streams.commands import approve_card
from streams.unit_of_work import UnitOfWork


class AutoApprover:
    """Approves every card as `operator`; used by `desk demo` and stated in its output."""

    name = "operator"

    def __init__(self, operator: str) -> None:
        self.actor = f"operator:{operator}"

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        if not isinstance(event.payload, CardProposed):
            return
        try:
            approve_card(uow, view, event.payload.card_id, self.actor, event.occurred_at,
                         uow.cause(self.actor))
        except CardNotPending:
            return  # decided already (a replayed step): nothing to do
