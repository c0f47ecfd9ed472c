"""Card expiry: a card nobody decided on expires with the desk clock (the bar stream, or
the scheduler's afternoon job: both run `expire_due`)."""

from __future__ import annotations

from datetime import datetime

from domain.aggregates import Cause, TradeCard
from domain.events import BarClosed, Envelope
from projections.approval_queue import pending
from projections.desk import DeskView
from streams.unit_of_work import UnitOfWork


def expire_due(uow: UnitOfWork, view: DeskView, now: datetime, cause: Cause) -> list[str]:
    """Expire every waiting card whose time has come by `now`; the cards expired, in order."""
    expired = []
    for row in pending(view.cards):  # oldest expiry first: stop at the first one not due
        if row.expires_at is None or row.expires_at > now:
            break
        if uow.get(TradeCard, row.card_id).expire_if_due(now, cause):
            expired.append(row.card_id)
    return expired


class CardExpiry:
    """Closed bar -> the waiting cards due by the bar's end expire."""

    name = "card-expiry"
    actor = "clock"

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """Expire every waiting card whose time is up at this event's desk time."""
        if isinstance(event.payload, BarClosed):
            expire_due(uow, view, event.payload.end, uow.cause(self.actor))
