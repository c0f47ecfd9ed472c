"""Reconciliation: what a remote venue reports against what the desk's log says."""

from __future__ import annotations

from domain.events.envelope import Payload, register
from domain.values import Side


@register
class ReconciliationBreak(Payload):
    """A difference between the desk and a venue, naming both sides. Until an operator
    resolves it, the `accounts` trading at that venue take no new entries."""

    break_id: str
    venue: str
    kind: str  # ORDER_MISSING_AT_VENUE, EXTERNAL_ORDER, POSITION
    subject: str  # the order id, venue order id or symbol the difference is about
    desk_side: str
    venue_side: str
    accounts: tuple[str, ...]


@register
class ExternalOrderObserved(Payload):
    """An order at the venue that the desk did not place (another platform, the broker's
    own terminal, an RMS action)."""

    venue: str
    venue_order_id: str
    symbol: str
    side: Side
    quantity: int
    filled_quantity: int
    status: str


@register
class BreakResolved(Payload):
    """An operator looked at a break and resolved it (with what they did about it)."""

    break_id: str
    venue: str
    resolved_by: str
    note: str
