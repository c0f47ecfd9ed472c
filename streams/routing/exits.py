"""Operator exits at a remote venue: the exit router sends what an operator asked
(`ExitRequested`) for an order that trades at its venue.

Cancel: the venue cancels the bracket's working orders (its entry, or the GTT) and the
entry's cancel is recorded (`Execution` then releases the reservation). A bracket whose entry
has already filled at the venue is not cancelled (that would leave the position without its
stop): the exit is refused with that reason. Close: the venue cancels the stop and target and
sells the position at market under the bracket's id; the sale's fill comes back on the
venue's update stream as the bracket's OPERATOR leg. A venue's refusal is `ExitRefused` with
its words. Like the order router, it reads the log from its own tracked position, commits the
answer with that position, and keeps an exit the venue could not answer for (timeout, 429,
5xx, a refused session) for the next pass; the venue finds a close it already holds, so a
retried close never sells twice. Kill switches do not stop exits.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from domain.aggregates import Order, StaleWrite
from domain.aggregates.order import OrderStatus
from domain.broker import BrokerAck
from domain.events import ExitAction, ExitRequested, Recorded
from domain.values import Leg
from domain.venue import CloseRequest, VenueError
from streams.routing.router import VenueRouter
from streams.unit_of_work import UnitOfWork

log = structlog.get_logger("eventdesk.exit_router")

_RETRIES = 3


class ExitRouter(VenueRouter):
    """Sends this venue's pending operator exits, in log order, each once."""

    process = "exits"
    actor_kind = "broker"  # the venue's answer, as its updates are recorded

    async def route(self) -> int:
        """One pass over the exits logged since the router's position; how many it settled.
        Stops at an exit whose order the venue has not acknowledged yet, or that the venue
        could not answer for (kept for the next pass)."""
        settled = 0
        for rec in list(self.store.read_all(self.position, types=("ExitRequested",))):
            request = rec.event.payload
            assert isinstance(request, ExitRequested)
            order = self.store.load(Order, request.order_id)
            if order.placed is None or not self.serves(order.placed.broker,
                                                        order.placed.account_id) or (
                    order.exit_requested is not request.action):
                self.position = rec.position  # another venue's, or already ended
                continue
            if order.status is OrderStatus.PLACED:
                return settled  # the order router has not heard back yet: ask next pass
            try:
                ack = await self._send(order, request.action, rec.event.occurred_at)
            except VenueError as e:
                self.last_error = str(e)
                log.warning("venue did not answer, exit kept for the next pass",
                            venue=self.venue.name, order_id=order.id, error=str(e),
                            correlation_id=rec.event.correlation_id)
                return settled
            self._record(rec, request, ack)
            self.position = rec.position
            settled += 1
        self.last_error = ""
        return settled

    async def _send(self, order: Order, action: ExitAction, at: datetime) -> BrokerAck:
        """The venue's answer to a cancel or a close of `order` (asked for at `at`)."""
        if action is ExitAction.CANCEL:
            found = await self.venue.find(order.id)
            if any(o.leg is Leg.ENTRY and o.filled_quantity for o in found):
                return BrokerAck(False, reason="the entry has filled at the venue: close "
                                               "the position instead")
            return await self.venue.cancel(order.id)
        placed, entry = order.placed, order.entry
        assert placed is not None and entry is not None
        return await self.venue.close_position(CloseRequest(
            client_order_id=order.id, symbol=placed.symbol,
            isin=self.isin(placed.symbol, at), quantity=entry.quantity,
            intraday=placed.square_off, reference_price=entry.price))

    def _record(self, rec: Recorded, request: ExitRequested, ack: BrokerAck) -> None:
        """The answer on the order, with the router's position; the venue is never asked
        again for it (the order is reloaded when its updates got there first)."""
        for _ in range(_RETRIES):
            uow = UnitOfWork(self.store, self.clock, rec.event)
            order = uow.get(Order, request.order_id)
            cause = uow.cause(self.actor)
            if not ack.accepted:
                order.refuse_exit(f"{self.venue.name}: {ack.reason or 'refused'}", cause)
            elif request.action is ExitAction.CANCEL:
                order.cancel_entry(f"operator exit ({rec.event.actor}): {request.reason}",
                                   cause)
            try:
                recorded = uow.commit(tracking=(self.name, rec.position))
            except StaleWrite:
                continue
            log.info("operator exit routed", venue=self.venue.name, order_id=order.id,
                     action=request.action.value, accepted=ack.accepted,
                     broker_order_id=ack.broker_order_id, reason=ack.reason,
                     correlation_id=order.correlation_id)
            self.notify(recorded)
            return
        raise StaleWrite(f"exit on {request.order_id} could not be recorded after "
                         f"{_RETRIES} tries")
