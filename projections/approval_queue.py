"""The approval queue: every card, its status and who decided it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.events import (
    CardApproved,
    CardBlocked,
    CardExpired,
    CardProposed,
    CardRejected,
    Envelope,
    OrderDenied,
)
from domain.money import ZERO

if TYPE_CHECKING:
    from projections.desk import DeskView


@dataclass
class CardRow:
    card_id: str
    account_id: str
    symbol: str
    strategy: str
    side: str
    quantity: int
    reference_price: Decimal
    stop: Decimal | None  # None (with the target): a plain entry, no exits
    target: Decimal | None
    expires_at: datetime | None
    status: str = "PROPOSED"
    decided_by: str = ""
    reason: str = ""


def apply_queue(view: DeskView, event: Envelope) -> None:
    """Fold one event into the approval queue."""
    cards, payload = view.cards, event.payload
    match payload:
        case CardProposed():
            cards[payload.card_id] = CardRow(
                payload.card_id, payload.account_id, payload.symbol, payload.strategy,
                payload.side.value, payload.quantity, payload.reference_price, payload.stop,
                payload.target, payload.expires_at,
            )
        case CardBlocked():
            cards[payload.card_id] = CardRow(
                payload.card_id, payload.account_id, payload.symbol, "", "BUY", 0,
                ZERO, ZERO, ZERO, None, status="BLOCKED", decided_by="guardrails",
                reason=payload.reason,
            )
        case CardApproved():
            _decide(cards, payload.card_id, "APPROVED", payload.approved_by, "")
        case CardRejected():
            _decide(cards, payload.card_id, "REJECTED", payload.rejected_by, payload.reason)
        case CardExpired():
            _decide(cards, payload.card_id, "EXPIRED", "", "expired without a decision")
        case OrderDenied():
            row = cards.get(payload.card_id)
            if row is not None:
                row.status, row.reason = "DENIED", payload.reason
        case _:
            pass


def _decide(cards: dict[str, CardRow], card_id: str, status: str, by: str, reason: str) -> None:
    row = cards.get(card_id)
    if row is not None:
        row.status, row.decided_by, row.reason = status, by, reason


def pending(cards: dict[str, CardRow]) -> list[CardRow]:
    """Cards waiting for a human, oldest expiry first."""
    waiting = [c for c in cards.values() if c.status == "PROPOSED"]
    return sorted(waiting, key=lambda c: (c.expires_at is None, c.expires_at, c.card_id))
