"""Order: a bracket (market entry, stop and target exits, one-cancels-other)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from domain.aggregates.base import Aggregate, Cause, DomainError
from domain.events import (
    ExitAction,
    ExitRefused,
    ExitRequested,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderPlaced,
    OrderRejected,
    PositionClosed,
)
from domain.ids import ORDER_PREFIX
from domain.values import Leg, Side


def _opposite(side: Side) -> Side:
    return Side.SELL if side is Side.BUY else Side.BUY


class OrderStatus(StrEnum):
    PLACED = "PLACED"  # sent, not yet acknowledged
    WORKING = "WORKING"  # acknowledged, entry not filled
    OPEN = "OPEN"  # entry filled, exits working
    CLOSED = "CLOSED"  # an exit filled
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"


class Order(Aggregate):
    stream_prefix = ORDER_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.placed: OrderPlaced | None = None
        self.status: OrderStatus | None = None
        self.entry: OrderFilled | None = None
        self.exit: OrderFilled | None = None
        self.fill_ids: set[str] = set()
        self.cancelled_legs: set[Leg] = set()
        self.partials: dict[Leg, list[OrderPartiallyFilled]] = {}  # a venue's part fills
        self.exit_requested: ExitAction | None = None  # an operator's exit, until it ends

    @property
    def order_id(self) -> str:
        return self.id

    @property
    def _account(self) -> str:
        assert self.placed is not None, f"order {self.id} was never placed"
        return self.placed.account_id

    def place(self, placed: OrderPlaced, cause: Cause) -> None:
        if self.exists:
            return
        self._record(placed, cause)

    def accept(self, broker_order_id: str, cause: Cause,
               acknowledged_at: datetime | None = None) -> None:
        if self.status is OrderStatus.PLACED:
            accepted = OrderAccepted(
                order_id=self.id, account_id=self._account, broker_order_id=broker_order_id,
                acknowledged_at=acknowledged_at,
            )
            self._record(accepted, cause)

    def fill_part(self, part: OrderPartiallyFilled, cause: Cause) -> None:
        """Record part of a leg's fill once (by its fill id, the venue's trade)."""
        if part.fill_id in self.fill_ids:
            return
        expected = self.status is OrderStatus.WORKING if part.leg is Leg.ENTRY else (
            self.status is OrderStatus.OPEN)
        if not expected:
            raise DomainError(f"{part.leg} part fill on order {self.id} in status {self.status}")
        self._record(part, cause)

    def filled_so_far(self, leg: Leg) -> int:
        """The quantity of `leg` already filled in parts."""
        parts = self.partials.get(leg, [])
        return parts[-1].filled if parts else 0

    def reject(self, reason: str, cause: Cause) -> None:
        if self.status in (OrderStatus.PLACED, OrderStatus.WORKING):
            rejected = OrderRejected(order_id=self.id, account_id=self._account, reason=reason)
            self._record(rejected, cause)

    def fill(self, fill: OrderFilled, cause: Cause) -> None:
        """Apply a broker fill once (by fill id); exits cancel the sibling legs."""
        if fill.fill_id in self.fill_ids:
            return
        self._check_fill(fill)
        if fill.leg is Leg.ENTRY:
            if self.status is not OrderStatus.WORKING:
                raise DomainError(f"entry fill on order {self.id} in status {self.status}")
            self._record(fill, cause)
            return
        if self.status is not OrderStatus.OPEN:
            raise DomainError(f"exit fill on order {self.id} in status {self.status}")
        self._record(fill, cause)
        for leg in (Leg.STOP, Leg.TARGET):
            if leg is not fill.leg and leg not in self.cancelled_legs:
                self._record(
                    OrderCancelled(order_id=self.id, account_id=self._account, leg=leg,
                                   reason=f"one-cancels-other: {fill.leg} filled"),
                    cause,
                )
        self._record(self._position_closed(), cause)

    def _position_closed(self) -> PositionClosed:
        assert self.placed is not None and self.entry is not None and self.exit is not None
        gross = (self.exit.price - self.entry.price) * self.entry.quantity
        costs = self.entry.costs.total + self.exit.costs.total
        return PositionClosed(
            account_id=self.placed.account_id, order_id=self.id, symbol=self.placed.symbol,
            quantity=self.entry.quantity, entry_price=self.entry.price,
            exit_price=self.exit.price, exit_leg=self.exit.leg, gross_pnl=gross, costs=costs,
            realised_pnl=gross - costs,
        )

    def _check_fill(self, fill: OrderFilled) -> None:
        placed = self.placed
        if placed is None:
            raise DomainError(f"fill on order {self.id}, which was never placed")
        expected_side = placed.side if fill.leg is Leg.ENTRY else _opposite(placed.side)
        problems = [
            f"order_id {fill.order_id}" if fill.order_id != self.id else "",
            f"account {fill.account_id}" if fill.account_id != placed.account_id else "",
            f"symbol {fill.symbol}" if fill.symbol != placed.symbol else "",
            f"side {fill.side}" if fill.side is not expected_side else "",
            f"quantity {fill.quantity}" if fill.quantity != placed.quantity else "",
        ]
        wrong = [p for p in problems if p]
        if wrong:
            raise DomainError(f"fill {fill.fill_id} does not match order {self.id}: "
                              + ", ".join(wrong))

    def cancel_entry(self, reason: str, cause: Cause) -> None:
        if self.status is OrderStatus.WORKING:
            self._record(OrderCancelled(order_id=self.id, account_id=self._account, leg=Leg.ENTRY,
                               reason=reason), cause)

    def cancel_exit(self, leg: Leg, reason: str, cause: Cause) -> None:
        """An exit leg the venue cancelled while the position is still open."""
        if self.status is OrderStatus.OPEN and leg is not Leg.ENTRY and (
                leg not in self.cancelled_legs):
            self._record(OrderCancelled(order_id=self.id, account_id=self._account, leg=leg,
                                        reason=reason), cause)
    def exit_action(self) -> ExitAction:
        """What an operator's exit means for this order now: cancel a bracket whose entry
        has not filled, close one whose entry has; a refusal when neither applies."""
        if self.status in (OrderStatus.PLACED, OrderStatus.WORKING):
            return ExitAction.CANCEL
        if self.status is OrderStatus.OPEN:
            return ExitAction.CLOSE
        raise DomainError(f"order {self.id} is {self.status or 'unknown'}: nothing to exit")

    def request_exit(self, action: ExitAction, scope: str, reason: str, cause: Cause) -> None:
        """Record an operator's exit (the broker acts on it); one at a time per order."""
        if self.exit_action() is not action:
            raise DomainError(f"order {self.id} is {self.status}: cannot {action.lower()} it")
        if self.exit_requested is not None:
            raise DomainError(f"order {self.id}: an exit ({self.exit_requested}) is pending")
        if not reason.strip():
            raise DomainError("an exit needs a reason")
        self._record(ExitRequested(order_id=self.id, account_id=self._account, action=action,
                                   scope=scope, reason=reason.strip()), cause)

    def refuse_exit(self, reason: str, cause: Cause) -> None:
        """The broker refused the pending exit: recorded with its reason."""
        if self.exit_requested is not None:
            self._record(ExitRefused(order_id=self.id, account_id=self._account,
                                     action=self.exit_requested, reason=reason), cause)

    def _on_exit_requested(self, e: ExitRequested) -> None:
        self.exit_requested = e.action

    def _on_exit_refused(self, e: ExitRefused) -> None:
        self.exit_requested = None

    def _on_order_placed(self, e: OrderPlaced) -> None:
        self.placed, self.status = e, OrderStatus.PLACED

    def _on_order_accepted(self, e: OrderAccepted) -> None:
        self.status = OrderStatus.WORKING

    def _on_order_rejected(self, e: OrderRejected) -> None:
        self.status = OrderStatus.REJECTED

    def _on_order_partially_filled(self, e: OrderPartiallyFilled) -> None:
        self.fill_ids.add(e.fill_id)
        self.partials.setdefault(e.leg, []).append(e)

    def _on_order_filled(self, e: OrderFilled) -> None:
        self.fill_ids.add(e.fill_id)
        if e.leg is Leg.ENTRY:
            self.entry, self.status = e, OrderStatus.OPEN
        else:
            self.exit, self.status = e, OrderStatus.CLOSED
            self.exit_requested = None

    def _on_order_cancelled(self, e: OrderCancelled) -> None:
        self.cancelled_legs.add(e.leg)
        if e.leg is Leg.ENTRY:
            self.status, self.exit_requested = OrderStatus.CANCELLED, None
