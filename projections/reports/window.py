"""What every report shares: IST day windows, paisa rounding, and the decisions index that
ties an order to its card, signal, review and approval."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from domain.events import (
    CardApproved,
    CardProposed,
    CardReviewed,
    CardReviewFailed,
    Envelope,
    OrderPlaced,
    SignalScored,
)
from domain.money import to_paise
from domain.session import IST, ist


def day_start(day: date) -> datetime:
    """The IST midnight that opens `day`."""
    return datetime.combine(day, time(0), IST)


def day_end(day: date) -> datetime:
    """The IST midnight that closes `day` (exclusive)."""
    return day_start(day + timedelta(days=1))


def ist_day(at: datetime) -> date:
    """The IST calendar day of an instant."""
    return ist(at).date()


def paisa(amount: Decimal) -> Decimal:
    """Rounded to the paisa, half up, as contract notes round."""
    return to_paise(amount)


@dataclass(frozen=True)
class Approval:
    """Who approved a card, when, and the guardrails re-checked at that moment."""

    at: datetime
    actor: str
    event: CardApproved


@dataclass
class Decisions:
    """Cards, signals, orders, reviews and approvals by id, folded from the log."""

    cards: dict[str, tuple[datetime, CardProposed]] = field(default_factory=dict)
    signals: dict[str, SignalScored] = field(default_factory=dict)
    orders: dict[str, tuple[datetime, OrderPlaced]] = field(default_factory=dict)
    reviews: dict[str, tuple[datetime, CardReviewed | CardReviewFailed]] = field(
        default_factory=dict
    )
    approvals: dict[str, Approval] = field(default_factory=dict)

    def note(self, event: Envelope) -> None:
        """Fold one event (other types are ignored)."""
        p = event.payload
        if isinstance(p, CardProposed):
            self.cards[p.card_id] = (event.occurred_at, p)
        elif isinstance(p, SignalScored):
            self.signals[p.signal_id] = p
        elif isinstance(p, OrderPlaced):
            self.orders[p.order_id] = (event.occurred_at, p)
        elif isinstance(p, CardReviewed | CardReviewFailed):
            self.reviews[p.card_id] = (event.occurred_at, p)
        elif isinstance(p, CardApproved):
            self.approvals[p.card_id] = Approval(event.occurred_at, event.actor, p)

    def card_of_order(self, order_id: str) -> CardProposed | None:
        """The card an order came from, when the log has it."""
        placed = self.orders.get(order_id)
        found = self.cards.get(placed[1].card_id) if placed else None
        return found[1] if found else None

    def playbook_of(self, card: CardProposed | None) -> str:
        """The playbook version of the signal behind a card ('' when unknown)."""
        signal = self.signals.get(card.signal_id) if card else None
        return signal.playbook_version if signal else ""
