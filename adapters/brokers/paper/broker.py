"""The paper broker: accepts brackets at once and fills them from the bar stream.

Fills are decided from the desk's own record of its working brackets (passed to
`updates`), so a desk restarted from its log fills exactly as before. The venue's book,
kept in memory, adds what only the venue knows: cancels, moved stops and targets, and the
positions and funds it reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from adapters.brokers.paper.matching import (
    FillDecision,
    entry_fill,
    exit_fill,
    operator_exit_fill,
)
from domain.broker import (
    BrokerAck,
    BrokerFunds,
    BrokerPosition,
    OrderUpdate,
    UpdateKind,
    WorkingOrder,
)
from domain.events import BarClosed, OrderPlaced
from domain.ids import fill_id_for
from domain.money import ZERO
from domain.session import square_off_due
from domain.values import Leg

# Paper cash: enough that the venue never refuses what the desk's own ledger allowed.
DEFAULT_CASH = Decimal("100000000.00")


@dataclass
class _Bracket:
    """The venue's side of one bracket."""

    symbol: str
    quantity: int
    stop: Decimal | None  # None (with the target): a plain entry
    target: Decimal | None
    cancelled: bool = False
    entry_price: Decimal | None = None
    exit_price: Decimal | None = None


class PaperBroker:
    """Simulated venue: deterministic fills, the rule stated on every fill."""

    name = "paper"

    def __init__(self, cash: Decimal = DEFAULT_CASH) -> None:
        self.cash = cash
        self._book: dict[str, _Bracket] = {}

    def place_bracket(self, order: OrderPlaced) -> BrokerAck:
        """Accept a bracket with a positive quantity and an order id not seen before."""
        if order.quantity <= 0:
            return BrokerAck(False, reason="quantity must be positive")
        if order.order_id in self._book:
            return BrokerAck(False, reason=f"order {order.order_id} was already placed")
        self._book[order.order_id] = _Bracket(order.symbol, order.quantity, order.stop,
                                              order.target)
        return BrokerAck(True, broker_order_id=_venue_id(order.order_id))

    def cancel(self, order_id: str) -> BrokerAck:
        """Cancel a bracket whose entry has not filled (its exits go with it)."""
        bracket = self._book.get(order_id)
        refusal = _unchangeable(order_id, bracket)
        if refusal:
            return BrokerAck(False, reason=refusal)
        assert bracket is not None
        if bracket.entry_price is not None:
            return BrokerAck(False, reason=f"order {order_id}: entry filled; exit instead")
        bracket.cancelled = True
        return BrokerAck(True, broker_order_id=_venue_id(order_id))

    def modify(
        self, order_id: str, stop: Decimal | None = None, target: Decimal | None = None
    ) -> BrokerAck:
        """Move the stop and/or target of a live bracket; the stop stays below the target."""
        bracket = self._book.get(order_id)
        refusal = _unchangeable(order_id, bracket)
        if refusal:
            return BrokerAck(False, reason=refusal)
        assert bracket is not None
        if stop is None and target is None:
            return BrokerAck(False, reason="nothing to modify: give a stop or a target")
        if bracket.stop is None or bracket.target is None:
            return BrokerAck(False, reason=f"order {order_id} is a plain entry: no stop or "
                             "target to move")
        new_stop = stop if stop is not None else bracket.stop
        new_target = target if target is not None else bracket.target
        if new_stop >= new_target:
            return BrokerAck(False, reason=f"stop {new_stop} must be below target {new_target}")
        bracket.stop, bracket.target = new_stop, new_target
        return BrokerAck(True, broker_order_id=_venue_id(order_id))

    def close(self, order: WorkingOrder) -> BrokerAck:
        """Close an open bracket at the next bar (see `matching`); its exits go with it.
        A bracket this process never saw placed (a restart) is taken from the desk's log."""
        order_id = order.order_id
        bracket = self._book.setdefault(order_id, _adopted(order))
        refusal = _unchangeable(order_id, bracket)
        if refusal:
            return BrokerAck(False, reason=refusal)
        assert bracket is not None
        if bracket.entry_price is None:
            return BrokerAck(False, reason=f"order {order_id}: entry not filled; cancel instead")
        return BrokerAck(True, broker_order_id=_venue_id(order_id))

    def updates(self, bar: BarClosed, working: Sequence[WorkingOrder]) -> list[OrderUpdate]:
        """The fills this bar causes, one per bracket at most, each with its rule."""
        fills: list[OrderUpdate] = []
        for order in working:
            bracket = self._book.setdefault(order.order_id, _adopted(order))
            if bracket.cancelled:
                continue
            # The venue's stop and target: the desk's, unless moved since.
            decision = _decide(bar, replace(order, stop=bracket.stop, target=bracket.target))
            if decision is None:
                continue
            if decision.leg is Leg.ENTRY:
                bracket.entry_price = decision.price
            else:
                bracket.exit_price = decision.price
            fills.append(OrderUpdate(
                order.order_id, UpdateKind.FILLED, decision.leg, decision.rule, decision.price,
                fill_id=fill_id_for(order.order_id, decision.leg)))
        return fills

    def positions(self) -> list[BrokerPosition]:
        """Filled entries not yet exited, one row per symbol."""
        held: dict[str, tuple[int, Decimal]] = {}
        for b in self._open():
            assert b.entry_price is not None
            quantity, cost = held.get(b.symbol, (0, ZERO))
            held[b.symbol] = (quantity + b.quantity, cost + b.entry_price * b.quantity)
        return [BrokerPosition(symbol, quantity, cost / quantity)
                for symbol, (quantity, cost) in sorted(held.items())]

    def funds(self) -> BrokerFunds:
        """Paper cash plus realised gains (before charges), less what open positions hold."""
        used = sum((b.entry_price * b.quantity for b in self._open()
                    if b.entry_price is not None), ZERO)
        realised = sum(((b.exit_price - b.entry_price) * b.quantity
                        for b in self._book.values()
                        if b.exit_price is not None and b.entry_price is not None), ZERO)
        return BrokerFunds(available=self.cash + realised - used, used=used)

    def _open(self) -> list[_Bracket]:
        return [b for b in self._book.values()
                if b.entry_price is not None and b.exit_price is None]


def _venue_id(order_id: str) -> str:
    return f"paper-{order_id}"


def _adopted(order: WorkingOrder) -> _Bracket:
    """A bracket the desk's log holds but this process never saw placed (a restart)."""
    return _Bracket(order.symbol, order.quantity, order.stop, order.target,
                    entry_price=order.entry_price)


def _unchangeable(order_id: str, bracket: _Bracket | None) -> str:
    if bracket is None:
        return f"unknown order {order_id}"
    if bracket.cancelled:
        return f"order {order_id} is cancelled"
    if bracket.exit_price is not None:
        return f"order {order_id} is closed"
    return ""


def _decide(bar: BarClosed, order: WorkingOrder) -> FillDecision | None:
    if order.status == "WORKING":
        return entry_fill(order.placed_at, bar)
    if order.status == "OPEN" and order.exit_requested_at is not None:
        return operator_exit_fill(order.exit_requested_at, bar)
    if order.status == "OPEN":
        return exit_fill(order.stop, order.target, bar,
                         order.square_off and square_off_due(bar.start))
    return None
