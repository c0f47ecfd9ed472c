"""Execution: bracket orders, their legs' fills and cancels, and closed positions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from domain.events.envelope import Payload, register
from domain.money import Money, Price
from domain.values import CostBreakdown, Leg, Quantity, Side, Symbol


@register
class OrderPlaced(Payload):
    """A bracket sent to a broker: market entry, then stop and target exits (OCO)."""

    order_id: str
    card_id: str
    account_id: str
    broker: str
    symbol: Symbol
    side: Side
    quantity: Quantity
    stop: Price | None  # None (with the target): a plain entry, no exits (a DCA buy)
    target: Price | None
    square_off: bool
    reserved: Money


@register
class OrderAccepted(Payload):
    """The broker acknowledged the bracket (`acknowledged_at`: the venue's time for it,
    when a remote venue reported one)."""

    order_id: str
    account_id: str
    broker_order_id: str
    acknowledged_at: datetime | None = None


@register
class OrderRejected(Payload):
    """The broker refused the bracket."""

    order_id: str
    account_id: str
    reason: str


@register
class OrderFilled(Payload):
    """One leg filled (fully) at a price, with its charges."""

    order_id: str
    account_id: str
    fill_id: str
    leg: Leg
    side: Side
    symbol: Symbol
    quantity: Quantity
    price: Price
    costs: CostBreakdown
    rule: Annotated[str, Field(max_length=500)]


@register
class OrderPartiallyFilled(Payload):
    """Part of one leg filled at a venue (`fill_id` names the venue's trade); the leg's
    `OrderFilled`, at the average price, follows once the leg has filled in full."""

    order_id: str
    account_id: str
    fill_id: str
    leg: Leg
    quantity: Quantity
    price: Price
    filled: Quantity  # the leg's quantity filled so far, this trade included
    traded_at: datetime


@register
class OrderCancelled(Payload):
    """A leg was cancelled (one-cancels-other, expiry, or operator)."""

    order_id: str
    account_id: str
    leg: Leg
    reason: str


@register
class PositionClosed(Payload):
    """A round trip finished: realised P&L after all charges."""

    account_id: str
    order_id: str
    symbol: Symbol
    quantity: Quantity
    entry_price: Price
    exit_price: Price
    exit_leg: Leg
    gross_pnl: Money
    costs: Money
    realised_pnl: Money
