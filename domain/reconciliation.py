"""What differs between the desk and a venue: pure comparison of the two sides' orders and
positions (the venue's fills are imported before, so what still differs is a break)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.broker import BrokerPosition
from domain.venue import VenueOrder, VenueOrderStatus


@dataclass(frozen=True)
class Difference:
    """One break, as both sides see it."""

    kind: str
    subject: str
    desk_side: str
    venue_side: str


@dataclass(frozen=True)
class DeskOrder:
    """One of the desk's orders at the venue, as its log says."""

    order_id: str
    symbol: str
    status: str  # PLACED, WORKING, OPEN, CLOSED, CANCELLED, REJECTED


_ACKNOWLEDGED_LIVE = ("WORKING", "OPEN")


def external_orders(venue_orders: Iterable[VenueOrder],
                    desk_orders: Iterable[DeskOrder]) -> list[VenueOrder]:
    """The venue's orders under no client order id of the desk's, each once."""
    ours = {o.order_id for o in desk_orders}
    seen: dict[str, VenueOrder] = {}
    for order in venue_orders:
        if order.client_order_id not in ours:
            seen.setdefault(order.venue_order_id, order)
    return [seen[k] for k in sorted(seen)]


def differences(desk_orders: Iterable[DeskOrder], venue_orders: Iterable[VenueOrder],
                desk_positions: Mapping[str, int],
                venue_positions: Iterable[BrokerPosition]) -> list[Difference]:
    """Every break: an acknowledged live order the venue does not hold, an order placed
    elsewhere, a symbol whose quantity differs."""
    venue_list = list(venue_orders)
    desk_list = list(desk_orders)
    held = {o.client_order_id for o in venue_list}
    found = [
        Difference("ORDER_MISSING_AT_VENUE", o.order_id, f"{o.status} {o.symbol}", "no order")
        for o in desk_list if o.status in _ACKNOWLEDGED_LIVE and o.order_id not in held
    ]
    found += [
        Difference("EXTERNAL_ORDER", o.venue_order_id, "not placed by the desk",
                   f"{o.side} {o.quantity} {o.symbol}")
        for o in external_orders(venue_list, desk_list)
        if o.status is not VenueOrderStatus.REJECTED
    ]
    at_venue: dict[str, int] = {}
    for p in venue_positions:
        at_venue[p.symbol] = at_venue.get(p.symbol, 0) + p.quantity
    for symbol in sorted(set(at_venue) | set(desk_positions)):
        desk_qty, venue_qty = desk_positions.get(symbol, 0), at_venue.get(symbol, 0)
        if desk_qty != venue_qty:
            found.append(Difference("POSITION", symbol, f"holds {desk_qty}",
                                    f"holds {venue_qty}"))
    return found
