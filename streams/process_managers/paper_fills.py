"""Bars drive the paper broker: each closed bar may fill entries and exits of live brackets."""

from __future__ import annotations

from adapters.brokers.paper.broker import PaperBroker, WorkingOrder
from domain.aggregates import Cause, Order
from domain.costs import Product, fill_costs
from domain.events import BarClosed, Envelope, OrderFilled
from domain.ids import fill_id_for
from domain.session import ist
from domain.values import Leg, Side
from projections.desk import DeskView
from streams.unit_of_work import UnitOfWork


class PaperFills:
    name = "paper-fills"
    actor = "broker:paper"

    def __init__(self, broker: PaperBroker) -> None:
        self.broker = broker

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        bar = event.payload
        if not isinstance(bar, BarClosed):
            return
        live = view.orders.live_by_symbol.get(bar.symbol)
        if not live:
            return
        working = [
            WorkingOrder(o.order_id, o.status, o.placed_at, o.stop, o.target, o.square_off)
            for o in (view.orders.by_id[i] for i in sorted(live))
        ]
        for order_id, decision in self.broker.fills_for_bar(bar, working):
            order = uow.get(Order, order_id)
            placed = order.placed
            assert placed is not None
            side = Side.BUY if decision.leg is Leg.ENTRY else Side.SELL
            product = Product.INTRADAY if placed.square_off else Product.DELIVERY
            fill = OrderFilled(
                order_id=order_id, account_id=placed.account_id,
                fill_id=fill_id_for(order_id, decision.leg), leg=decision.leg,
                side=side, symbol=placed.symbol, quantity=placed.quantity,
                price=decision.price,
                costs=fill_costs(side, placed.quantity, decision.price, product,
                                 ist(bar.start).date()),
                rule=decision.rule,
            )
            # Caused by the bar (the price evidence), but part of the order's chain.
            cause = Cause(event.occurred_at, uow.clock(), self.actor, order.correlation_id,
                          event.event_id)
            order.fill(fill, cause)
