"""A venue's pushed updates become order events, with the broker's ids and times.

Accepted, partly filled, filled, cancelled and rejected map onto the order aggregate's
commands; a fill moves cash and positions exactly as a paper fill does (the same
`OrderFilled` and `PositionClosed`, with the same charges). A fill that arrives before the
router's acknowledgement acknowledges the order first. Every fill is named by the venue's
trade id (`venue_fill_id`), so an update pushed twice, or seen again after a reconnect, adds
nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

import structlog

from adapters.eventstore.store import DeskStore
from domain.aggregates import Cause, DomainError, Order, StaleWrite
from domain.aggregates.order import OrderStatus
from domain.costs import Product, fill_costs
from domain.events import OrderFilled, OrderPartiallyFilled, Recorded
from domain.ids import ORDER_PREFIX, venue_fill_id
from domain.session import ist
from domain.values import Leg, Side
from domain.venue import VenueOrderStatus, VenueTrade, VenueUpdate
from streams.ports import Clock
from streams.routing.router import Notify

log = structlog.get_logger("eventdesk.venue_updates")

_AVERAGE = Decimal("0.0001")
_PAISE = Decimal("0.01")
_RETRIES = 3


class VenueUpdates:
    """Records one venue's updates on the desk's orders."""

    def __init__(self, store: DeskStore, venue: str, clock: Clock,
                 notify: Notify = lambda _: None, actor: str = "",
                 accounts: Collection[str] = ()) -> None:
        self.store = store
        self.venue = venue
        # The accounts whose login this stream is (none named: every account's at the
        # venue): an update naming another account's order is refused, never applied.
        self.accounts = frozenset(accounts)
        self.clock = clock
        self.notify = notify
        self.actor = actor or f"broker:{venue}"  # reconciliation imports under its own name
        self.refused: list[str] = []  # updates the desk could not apply, with the reason

    def record(self, update: VenueUpdate) -> list[Recorded]:
        """Apply one update to its order and commit; an update for an order the desk did
        not place here is left to reconciliation."""
        coid = update.order.client_order_id
        if not coid.startswith(ORDER_PREFIX):
            return []
        for _ in range(_RETRIES):
            order = self.store.load(Order, coid)
            if not order.exists or order.placed is None or order.placed.broker != self.venue:
                return []
            if self.accounts and order.placed.account_id not in self.accounts:
                return self._foreign(coid, order.placed.account_id)
            try:
                apply_update(order, update, self._cause(order, update), self.venue)
            except DomainError as e:
                self.refused.append(f"{coid}: {e}")
                log.warning("venue update refused", venue=self.venue, order_id=coid,
                            reason=str(e), correlation_id=order.correlation_id)
                return []
            try:
                recorded = self.store.commit(order)
            except StaleWrite:
                continue  # the router acknowledged meanwhile: apply to the fresh order
            if recorded:
                self.notify(recorded)
            return recorded
        raise StaleWrite(f"update for {coid} could not be recorded after {_RETRIES} tries")

    def _foreign(self, coid: str, account_id: str) -> list[Recorded]:
        reason = (f"{coid}: the order is {account_id}'s, not of this login "
                  f"({', '.join(sorted(self.accounts))})")
        self.refused.append(reason)
        log.warning("venue update for another account's order refused", venue=self.venue,
                    order_id=coid, reason=reason)
        return []

    def _cause(self, order: Order, update: VenueUpdate) -> Cause:
        at = update.trade.at if update.trade is not None else update.order.updated_at
        return Cause(at, self.clock(), self.actor, order.correlation_id)


def apply_update(order: Order, update: VenueUpdate, cause: Cause, venue: str) -> None:
    """The update as commands on the order (each idempotent)."""
    state, leg = update.order.status, update.order.leg
    if leg is Leg.ENTRY and order.status is OrderStatus.PLACED and (
            state is not VenueOrderStatus.REJECTED):
        order.accept(update.order.venue_order_id, cause, acknowledged_at=update.order.updated_at)
    if update.trade is not None:
        apply_trade(order, update.trade, cause, venue)
    elif state is VenueOrderStatus.REJECTED and leg is Leg.ENTRY:
        order.reject(update.order.reason or "rejected at the venue", cause)
    elif state is VenueOrderStatus.CANCELLED and leg is Leg.ENTRY:
        order.cancel_entry(update.order.reason or "cancelled at the venue", cause)
    elif state is VenueOrderStatus.CANCELLED:
        order.cancel_exit(leg, update.order.reason or "cancelled at the venue", cause)


def apply_trade(order: Order, trade: VenueTrade, cause: Cause, venue: str) -> None:
    """One venue trade: part of its leg, or the trade that completes it (then the leg's
    `OrderFilled` at the average price of all its trades)."""
    placed = order.placed
    assert placed is not None
    fill_id = venue_fill_id(venue, trade.trade_id)
    done = order.entry if trade.leg is Leg.ENTRY else order.exit
    if fill_id in order.fill_ids or done is not None:
        return
    filled = order.filled_so_far(trade.leg) + trade.quantity
    if filled > placed.quantity:
        raise DomainError(f"trade {trade.trade_id} fills {filled} of {placed.quantity}")
    if filled < placed.quantity:
        order.fill_part(OrderPartiallyFilled(
            order_id=order.id, account_id=placed.account_id, fill_id=fill_id, leg=trade.leg,
            quantity=trade.quantity, price=trade.price, filled=filled, traded_at=trade.at,
        ), cause)
        return
    parts = [(p.quantity, p.price) for p in order.partials.get(trade.leg, [])]
    parts.append((trade.quantity, trade.price))
    price = _in_paise(trade.price) if len(parts) == 1 else (
        sum((q * p for q, p in parts), Decimal(0)) / placed.quantity).quantize(_AVERAGE)
    side = placed.side if trade.leg is Leg.ENTRY else (
        Side.SELL if placed.side is Side.BUY else Side.BUY)
    product = Product.INTRADAY if placed.square_off else Product.DELIVERY
    order.fill(OrderFilled(
        order_id=order.id, account_id=placed.account_id, fill_id=fill_id, leg=trade.leg,
        side=side, symbol=placed.symbol, quantity=placed.quantity, price=price,
        costs=fill_costs(side, placed.quantity, price, product, ist(trade.at).date()),
        rule=f"{venue} trade {trade.trade_id} ({len(parts)} part(s))",
    ), cause)


def _in_paise(price: Decimal) -> Decimal:
    """A venue's price written to the paise at least (JSON floats drop trailing zeros:
    806.6 is 806.60, as the desk writes every other price)."""
    exponent = price.as_tuple().exponent
    return price.quantize(_PAISE) if isinstance(exponent, int) and exponent > -2 else price
