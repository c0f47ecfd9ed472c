"""Approval to execution: reserve cash, place the bracket, move cash with each fill."""

from __future__ import annotations

from domain.aggregates import Account, Order, TradeCard
from domain.events import (
    CardApproved,
    Envelope,
    OrderCancelled,
    OrderFilled,
    OrderPlaced,
    OrderRejected,
    PositionClosed,
)
from domain.ids import account_stream, order_id_for
from domain.sizing import reserve_for
from domain.values import Horizon, Leg
from projections.desk import DeskView
from streams.ports import Broker
from streams.routing.routes import VenueRoutes
from streams.unit_of_work import UnitOfWork


class Execution:
    """Approved card -> cash reserved and a bracket at the broker; fills move the cash.

    For an account routed to a remote venue only the intent is recorded here (`OrderPlaced`
    naming the venue): the router sends it from the log, outside any step.
    """

    name = "execution"
    actor = "execution"

    def __init__(self, broker: Broker, routes: VenueRoutes | None = None) -> None:
        self.broker = broker
        self.routes = routes or VenueRoutes()

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """Approval places the bracket; fills and exits move the account's cash."""
        match event.payload:
            case CardApproved() as approved:
                self._place(approved, view, uow)
            case OrderFilled() as fill if fill.leg is Leg.ENTRY:
                order = uow.get(Order, fill.order_id)
                assert order.placed is not None
                amount = fill.price * fill.quantity + fill.costs.total
                uow.get(Account, account_stream(fill.account_id)).deploy(
                    order.placed.card_id, fill.order_id, amount, uow.cause(self.actor)
                )
            case PositionClosed() as closed:
                order = uow.get(Order, closed.order_id)
                assert order.exit is not None
                proceeds = closed.exit_price * closed.quantity - order.exit.costs.total
                uow.get(Account, account_stream(closed.account_id)).return_cash(
                    closed.order_id, proceeds, uow.cause(self.actor)
                )
            case OrderRejected() | OrderCancelled() as ended:
                if isinstance(ended, OrderCancelled) and ended.leg is not Leg.ENTRY:
                    return
                order = uow.get(Order, ended.order_id)
                assert order.placed is not None
                uow.get(Account, account_stream(order.placed.account_id)).release(
                    order.placed.card_id, f"order ended: {ended.event_type}",
                    uow.cause(self.actor),
                )
            case _:
                pass

    def _place(self, approved: CardApproved, view: DeskView, uow: UnitOfWork) -> None:
        card = uow.get(TradeCard, approved.card_id)
        proposal = card.proposal
        assert proposal is not None
        # Loaded first so the reservation is logged before the order it pays for.
        account = uow.get(Account, account_stream(proposal.account_id))
        order = uow.get(Order, order_id_for(card.id))
        if order.exists:
            return
        cause = uow.cause(self.actor)
        reserve = reserve_for(proposal.reference_price, proposal.quantity)
        if view.halted(proposal.account_id):
            card.deny("kill switch tripped after approval", cause)
            return
        if reserve > account.available:
            card.deny(f"insufficient cash: need {reserve}, available {account.available}",
                      cause, required_cash=reserve)
            return
        account.reserve(card.id, reserve, cause)
        venue = self.routes.venue_for(proposal.account_id)
        placed = OrderPlaced(
            order_id=order.id, card_id=card.id, account_id=proposal.account_id,
            broker=venue or self.broker.name, symbol=proposal.symbol, side=proposal.side,
            quantity=proposal.quantity, stop=proposal.stop, target=proposal.target,
            square_off=proposal.horizon is Horizon.INTRADAY, reserved=reserve,
        )
        order.place(placed, cause)
        if venue is not None:
            return
        ack = self.broker.place_bracket(placed)
        if ack.accepted:
            order.accept(ack.broker_order_id, cause)
        else:
            order.reject(ack.reason, cause)
