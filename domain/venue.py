"""What the desk and a remote broker (Upstox, Kite, IBKR) tell each other, as plain frozen
values: the bracket asked for, the venue's orders and trades as it reports them, its
pushed updates, its errors and its session state.

Every order the desk sends carries the desk's order id as the venue's client tag (Upstox and
Kite `tag`, IBKR `cOID`), so after a timeout or a crash the desk can find what the venue
already has before it would ever place again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.broker import BrokerAck
from domain.values import Leg, Side


@dataclass(frozen=True)
class BracketRequest:
    """A bracket for a venue to work: a buy entry, then a stop and a target that cancel
    each other once the entry has filled."""

    client_order_id: str  # the desk's order id: the venue's tag / cOID
    symbol: str
    isin: str
    quantity: int
    stop: Decimal
    target: Decimal
    intraday: bool  # MIS / `I` product (squared off the same day) rather than delivery
    reference_price: Decimal  # the card's price: the base for a limit entry's protection
    entry_limit: Decimal | None = None  # None: at market (a venue that needs a limit
    # derives one from `reference_price` and its configured protection)


@dataclass(frozen=True)
class CloseRequest:
    """An operator's close of a bracket's open position: its stop and target cancelled,
    then a market sell of the position. The sale carries the bracket's own client order id
    (IBKR: a cOID derived from it), so it is found again after a timeout or a crash and is
    never sent twice, and comes back as the bracket's OPERATOR leg."""

    client_order_id: str  # the bracket's desk order id
    symbol: str
    isin: str
    quantity: int
    intraday: bool
    reference_price: Decimal  # the entry's fill: the base of a protected limit where needed


class VenueOrderStatus(StrEnum):
    PENDING = "PENDING"  # sent, not yet confirmed working
    TRIGGER_PENDING = "TRIGGER_PENDING"  # a stop, target or GTT leg waiting for its price
    OPEN = "OPEN"  # working at the exchange
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"

    @property
    def final(self) -> bool:
        """True when nothing more can happen to the order."""
        return self in (VenueOrderStatus.FILLED, VenueOrderStatus.CANCELLED,
                        VenueOrderStatus.REJECTED)


@dataclass(frozen=True)
class VenueOrder:
    """One order as the venue reports it. A bracket is several: its entry and its exits,
    each naming the leg and the desk's client order id it belongs to."""

    venue_order_id: str
    client_order_id: str  # "" for an order the desk did not place (an external order)
    leg: Leg
    symbol: str
    side: Side
    quantity: int
    filled_quantity: int
    average_price: Decimal | None
    status: VenueOrderStatus
    updated_at: datetime
    reason: str = ""  # the venue's words for a rejection or a cancel


def closing_sale(found: list[VenueOrder]) -> BrokerAck | None:
    """The ack for an operator's sale the venue already holds among a bracket's orders
    (None: none, or only refused ones), so a retried close never sells twice."""
    sale = next((o for o in found if o.leg is Leg.OPERATOR
                 and o.status is not VenueOrderStatus.REJECTED), None)
    return None if sale is None else BrokerAck(True, sale.venue_order_id,
                                               reason="the venue already holds this close")


@dataclass(frozen=True)
class VenueTrade:
    """One fill as the venue reports it, identified by the venue's own trade id."""

    trade_id: str
    venue_order_id: str
    client_order_id: str
    leg: Leg
    symbol: str
    side: Side
    quantity: int
    price: Decimal
    at: datetime


@dataclass(frozen=True)
class VenueUpdate:
    """Something the venue pushed (websocket, postback): an order's new state, and the
    trade that moved it when there was one."""

    order: VenueOrder
    received_at: datetime
    trade: VenueTrade | None = None


class VenueErrorKind(StrEnum):
    AUTH = "AUTH"  # the session or token is missing, expired or refused: log in again
    RATE_LIMITED = "RATE_LIMITED"  # the venue said slow down (429 or its own code)
    REJECTED = "REJECTED"  # the request was understood and refused (input, margin, RMS)
    NOT_FOUND = "NOT_FOUND"  # no such order at the venue
    UNAVAILABLE = "UNAVAILABLE"  # 5xx, a dropped connection, maintenance
    TIMEOUT = "TIMEOUT"  # no answer in time: the request may or may not have taken effect


class VenueError(Exception):
    """A venue's failure in the desk's terms; `code` is the venue's own (e.g. UDAPI100050).
    The message never carries a token, key or password."""

    def __init__(self, kind: VenueErrorKind, message: str, *, code: str = "",
                 status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(f"{kind.value}: {message}" + (f" [{code}]" if code else ""))
        self.kind = kind
        self.code = code
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class VenueStatus:
    """A venue session as an operator sees it (`desk broker status`)."""

    venue: str
    connected: bool  # the update stream is up
    token_expires_at: datetime | None
    last_update_at: datetime | None
    rate_headroom: dict[str, int] = field(default_factory=dict)  # window -> requests left
    # {"windows": {label: {limit, held_seconds}}, "sent_at": [epoch seconds]}: the headroom
    # at a later moment can be worked out from it
    rate_usage: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
