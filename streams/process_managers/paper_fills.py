"""Bars drive the broker's order updates: each closed bar may fill entries and exits of the
desk's live brackets (the paper broker decides them from the bar; a real venue reports
what it filled)."""

from __future__ import annotations

from domain.aggregates import Cause, Order
from domain.broker import OrderUpdate, UpdateKind
from domain.costs import Product, fill_costs
from domain.events import BarClosed, Envelope, OrderFilled
from domain.session import ist
from domain.values import Leg, Side
from projections.desk import DeskView
from projections.orders import working
from streams.ports import Broker
from streams.routing.routes import VenueRoutes
from streams.unit_of_work import UnitOfWork


class PaperFills:
    """Closed bar -> the broker's updates on the bar's symbol -> fills on the orders."""

    name = "paper-fills"

    def __init__(self, broker: Broker, routes: VenueRoutes | None = None) -> None:
        self.broker = broker
        self.actor = f"broker:{broker.name}"
        self.remote = (routes or VenueRoutes()).venues  # they report their own fills

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """On each closed bar, record what the broker says happened to the working brackets."""
        bar = event.payload
        if not isinstance(bar, BarClosed):
            return
        live = view.orders.live_by_symbol.get(bar.symbol)
        if not live:
            return
        working_orders = [working(o) for o in (view.orders.by_id[i] for i in sorted(live))
                          if o.broker not in self.remote]  # a remote venue fills its own
        if not working_orders:
            return
        for update in self.broker.updates(bar, working_orders):
            order = uow.get(Order, update.order_id)
            # Caused by the bar (the price evidence), but part of the order's chain.
            cause = Cause(event.occurred_at, uow.clock(), self.actor, order.correlation_id,
                          event.event_id)
            if update.kind is UpdateKind.FILLED:
                order.fill(_filled(order, update, bar), cause)
            elif update.kind is UpdateKind.REJECTED:
                order.reject(update.detail, cause)
            elif update.leg is Leg.ENTRY:
                order.cancel_entry(update.detail, cause)


def _filled(order: Order, update: OrderUpdate, bar: BarClosed) -> OrderFilled:
    """The venue's fill as the desk records it, with the charges for its product."""
    placed = order.placed
    assert placed is not None and update.price is not None
    side = Side.BUY if update.leg is Leg.ENTRY else Side.SELL
    product = Product.INTRADAY if placed.square_off else Product.DELIVERY
    return OrderFilled(
        order_id=update.order_id, account_id=placed.account_id, fill_id=update.fill_id,
        leg=update.leg, side=side, symbol=placed.symbol, quantity=placed.quantity,
        price=update.price,
        costs=fill_costs(side, placed.quantity, update.price, product, ist(bar.start).date()),
        rule=update.detail,
    )
