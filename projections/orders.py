"""Orders: each bracket's status, legs and fills (what the paper broker works from)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.broker import WorkingOrder
from domain.events import (
    Envelope,
    ExitRefused,
    ExitRequested,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPlaced,
    OrderRejected,
)
from domain.values import Leg

if TYPE_CHECKING:
    from projections.desk import DeskView


@dataclass
class OrderRow:
    order_id: str
    card_id: str
    account_id: str
    symbol: str
    quantity: int
    stop: Decimal | None  # None (with the target): a plain entry, no exits
    target: Decimal | None
    square_off: bool
    placed_at: datetime
    status: str = "PLACED"
    entry_price: Decimal | None = None
    exit_price: Decimal | None = None
    exit_leg: str = ""
    fills: int = 0
    cancelled: list[str] = field(default_factory=list)
    broker: str = "paper"  # the venue working it
    exit_requested: str = ""  # an operator's pending exit: CANCEL or CLOSE
    exit_requested_at: datetime | None = None


@dataclass
class Orders:
    by_id: dict[str, OrderRow]
    live_by_symbol: dict[str, set[str]]  # symbol -> orders still working or open

    @classmethod
    def empty(cls) -> Orders:
        return cls({}, {})


def working(row: OrderRow) -> WorkingOrder:
    """A live bracket as the desk's log knows it: what a broker is asked about."""
    return WorkingOrder(row.order_id, row.symbol, row.quantity, row.status, row.placed_at,
                        row.stop, row.target, row.square_off, row.entry_price,
                        row.exit_requested_at if row.exit_requested == "CLOSE" else None)


def apply_orders(view: DeskView, event: Envelope) -> None:
    """Fold one event into the orders view."""
    orders, payload, occurred_at = view.orders, event.payload, event.occurred_at
    match payload:
        case OrderPlaced():
            orders.by_id[payload.order_id] = OrderRow(
                payload.order_id, payload.card_id, payload.account_id, payload.symbol,
                payload.quantity, payload.stop, payload.target, payload.square_off, occurred_at,
                broker=payload.broker,
            )
            orders.live_by_symbol.setdefault(payload.symbol, set()).add(payload.order_id)
        case OrderAccepted():
            _status(orders, payload.order_id, "WORKING")
        case OrderRejected():
            _finish(orders, payload.order_id, "REJECTED")
        case OrderFilled():
            row = orders.by_id.get(payload.order_id)
            if row is None:
                return
            row.fills += 1
            if payload.leg is Leg.ENTRY:
                row.entry_price, row.status = payload.price, "OPEN"
            else:
                row.exit_price, row.exit_leg = payload.price, payload.leg.value
                _finish(orders, payload.order_id, "CLOSED")
        case OrderCancelled():
            row = orders.by_id.get(payload.order_id)
            if row is None:
                return
            row.cancelled.append(payload.leg.value)
            if payload.leg is Leg.ENTRY:
                _finish(orders, payload.order_id, "CANCELLED")
        case ExitRequested():
            row = orders.by_id.get(payload.order_id)
            if row is not None:
                row.exit_requested, row.exit_requested_at = payload.action.value, occurred_at
        case ExitRefused():
            row = orders.by_id.get(payload.order_id)
            if row is not None:
                row.exit_requested, row.exit_requested_at = "", None
        case _:
            pass


def _status(view: Orders, order_id: str, status: str) -> None:
    row = view.by_id.get(order_id)
    if row is not None:
        row.status = status


def _finish(view: Orders, order_id: str, status: str) -> None:
    row = view.by_id.get(order_id)
    if row is not None:
        row.status, row.exit_requested, row.exit_requested_at = status, "", None
        view.live_by_symbol.get(row.symbol, set()).discard(order_id)
