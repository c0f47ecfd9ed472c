"""Operator exits: an operator's `ExitRequested` goes to the broker through its port.

Cancel: the broker cancels the unfilled bracket and the entry's cancel is recorded (the
reservation is then released by `Execution`). Close: the broker closes the position and
its exit fill comes back from the broker's updates (the paper broker: the next bar). A
broker's refusal is recorded as `ExitRefused` with its reason. Kill switches do not stop
exits: they halt new entries only. An order routed to a remote venue is left to that
venue's exit router, outside the step.
"""

from __future__ import annotations

from domain.aggregates import Order
from domain.events import Envelope, ExitAction, ExitRequested
from projections.desk import DeskView
from projections.orders import working
from streams.ports import Broker
from streams.unit_of_work import UnitOfWork


class OperatorExits:
    """ExitRequested -> the broker's cancel or close; a refusal recorded with its reason."""

    name = "operator-exits"

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.actor = f"broker:{broker.name}"

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """Send the operator's exit to the broker and record what it said."""
        request = event.payload
        if not isinstance(request, ExitRequested):
            return
        order = uow.get(Order, request.order_id)
        row = view.orders.by_id.get(request.order_id)
        if order.exit_requested is not request.action or row is None:
            return  # already ended (filled or cancelled) before the broker was asked
        if order.placed is not None and order.placed.broker != self.broker.name:
            return  # a remote venue's order: its exit router sends it (streams.routing)
        cause = uow.cause(self.actor)
        if request.action is ExitAction.CANCEL:
            ack = self.broker.cancel(request.order_id)
            if ack.accepted:
                order.cancel_entry(f"operator exit ({event.actor}): {request.reason}", cause)
                return
        else:
            ack = self.broker.close(working(row))
            if ack.accepted:
                return  # the exit fill comes with the broker's next updates
        order.refuse_exit(ack.reason or "refused by the broker", cause)
