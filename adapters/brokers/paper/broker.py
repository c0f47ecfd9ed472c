"""The paper broker: accepts brackets at once and fills them from the bar stream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from adapters.brokers.paper.matching import FillDecision, entry_fill, exit_fill
from domain.events import BarClosed, OrderPlaced
from domain.session import square_off_due


@dataclass(frozen=True)
class BrokerAck:
    accepted: bool
    broker_order_id: str = ""
    reason: str = ""


@dataclass(frozen=True)
class WorkingOrder:
    """What matching needs to know about one live bracket."""

    order_id: str
    status: str  # WORKING (entry pending) or OPEN (exits working)
    placed_at: datetime
    stop: Decimal
    target: Decimal
    square_off: bool


class PaperBroker:
    """Simulated venue: deterministic fills, the rule stated on every fill."""

    name = "paper"

    def place_bracket(self, order: OrderPlaced) -> BrokerAck:
        if order.quantity <= 0:
            return BrokerAck(False, reason="quantity must be positive")
        return BrokerAck(True, broker_order_id=f"paper-{order.order_id}")

    def fills_for_bar(
        self, bar: BarClosed, orders: list[WorkingOrder]
    ) -> list[tuple[str, FillDecision]]:
        """The fills this bar causes, one decision per order at most."""
        fills: list[tuple[str, FillDecision]] = []
        for order in orders:
            decision: FillDecision | None = None
            if order.status == "WORKING":
                decision = entry_fill(order.placed_at, bar)
            elif order.status == "OPEN":
                decision = exit_fill(
                    order.stop, order.target, bar,
                    order.square_off and square_off_due(bar.start),
                )
            if decision is not None:
                fills.append((order.order_id, decision))
        return fills
