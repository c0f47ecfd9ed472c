"""What every report shares: IST day windows, paisa rounding, and the decisions index that
ties an order to its card, signal, review and approval."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Generic, TypeVar

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

V = TypeVar("V")
UNKNOWN = "(unknown)"


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


@dataclass
class History(Generic[V]):
    """Values by key as they were at each log position: a later event that writes a key
    again must not change what an earlier position saw."""

    writes: dict[str, list[tuple[int, V]]] = field(default_factory=dict)

    def put(self, key: str, position: int, value: V) -> None:
        """Record `value` for `key` from log `position` on."""
        self.writes.setdefault(key, []).append((position, value))

    def at(self, key: str, position: int) -> V | None:
        """The value `key` had once the log was folded to `position` (None before)."""
        writes = self.writes.get(key, ())
        found = None
        for at, value in writes:  # almost always one write per key
            if at > position:
                break
            found = value
        return found


@dataclass
class Attributions:
    """Which strategy and playbook each order's card came from, as of any log position."""

    orders: History[str] = field(default_factory=History)  # order id -> card id
    cards: History[CardProposed] = field(default_factory=History)
    playbooks: History[str] = field(default_factory=History)  # signal id -> playbook version

    def note(self, event: Envelope, position: int) -> None:
        """Fold one event (other types are ignored)."""
        p = event.payload
        if isinstance(p, CardProposed):
            self.cards.put(p.card_id, position, p)
        elif isinstance(p, SignalScored):
            self.playbooks.put(p.signal_id, position, p.playbook_version)
        elif isinstance(p, OrderPlaced):
            self.orders.put(p.order_id, position, p.card_id)

    def keys(self, order_id: str, position: int) -> tuple[str, str]:
        """(strategy, playbook) of the order's card as the log stood at `position`."""
        card_id = self.orders.at(order_id, position)
        card = self.cards.at(card_id, position) if card_id is not None else None
        if card is None:
            return UNKNOWN, UNKNOWN
        return card.strategy, self.playbooks.at(card.signal_id, position) or UNKNOWN
