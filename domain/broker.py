"""What the desk and a venue tell each other about brackets: acks, order updates, the
venue's positions and funds. Plain frozen values, so every broker adapter speaks them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.values import Leg


@dataclass(frozen=True)
class BrokerAck:
    """The venue's answer to a place, cancel or modify request."""

    accepted: bool
    broker_order_id: str = ""
    reason: str = ""


@dataclass(frozen=True)
class WorkingOrder:
    """One live bracket as the desk's log knows it: what a venue reports updates on."""

    order_id: str
    symbol: str
    quantity: int
    status: str  # WORKING (entry pending) or OPEN (exits working)
    placed_at: datetime
    stop: Decimal | None  # None (with the target): a plain entry, no exits
    target: Decimal | None
    square_off: bool
    entry_price: Decimal | None = None  # known once the entry filled
    exit_requested_at: datetime | None = None  # an operator asked to close the position


class UpdateKind(StrEnum):
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class OrderUpdate:
    """Something that happened to a bracket at the venue: a leg filled (price, the venue's
    fill id, the rule or trade that filled it), a leg cancelled, or the order rejected."""

    order_id: str
    kind: UpdateKind
    leg: Leg
    detail: str  # the fill rule, or the cancel / reject reason
    price: Decimal | None = None
    fill_id: str = ""


@dataclass(frozen=True)
class BrokerPosition:
    """A holding the venue reports (long only: the desk buys, then exits)."""

    symbol: str
    quantity: int
    average_price: Decimal


@dataclass(frozen=True)
class BrokerFunds:
    """Cash at the venue: free to trade, and held by open positions."""

    available: Decimal
    used: Decimal
