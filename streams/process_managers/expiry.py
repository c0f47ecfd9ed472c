"""Card expiry: a card nobody decided on expires with the desk clock (the bar stream)."""

from __future__ import annotations

from domain.aggregates import TradeCard
from domain.events import BarClosed, Envelope
from projections.approval_queue import pending
from projections.desk import DeskView
from streams.unit_of_work import UnitOfWork


class CardExpiry:
    name = "card-expiry"
    actor = "clock"

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        if not isinstance(event.payload, BarClosed):
            return
        now = event.payload.end
        for row in pending(view.cards):
            if row.expires_at is None or row.expires_at > now:
                break
            uow.get(TradeCard, row.card_id).expire_if_due(now, uow.cause(self.actor))
