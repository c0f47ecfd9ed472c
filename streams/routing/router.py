"""The order router: sends to a remote venue the brackets `Execution` recorded for it.

It reads the log from its own tracked position. For every `OrderPlaced` naming its venue
and not yet acknowledged, it first asks the venue for what it holds under the desk's client
order id and places only when nothing is there, so a crash between "sent" and
"acknowledged" never makes a second order. The venue's answer becomes an event on the order
(`OrderAccepted` with the broker's id and time, or `OrderRejected` with its reason),
committed together with the router's position. A venue that fails (timeout, 429, 5xx, a
refused session) leaves the order unacknowledged; the next pass asks again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

import structlog

from adapters.eventstore.store import DeskStore
from domain.aggregates import Order, StaleWrite, TradeCard
from domain.aggregates.order import OrderStatus
from domain.broker import BrokerAck
from domain.events import OrderPlaced, Recorded
from domain.instruments import Instrument
from domain.values import Leg
from domain.venue import BracketRequest, VenueError, VenueOrder, VenueOrderStatus
from streams.instrument_master import DatedInstruments
from streams.ports import Clock, Venue
from streams.unit_of_work import UnitOfWork

# Why a venue order is refused before it is sent: a DCA buy's entry has no exits.
PLAIN_ENTRY_REFUSED = ("a plain entry (no stop, no target: a DCA buy) is placed by the paper "
                       "broker only; this venue's adapter places brackets")

log = structlog.get_logger("eventdesk.router")

Notify = Callable[[list[Recorded]], object]
"""Told what the router recorded, so the desk reacts (the embedded runtime pumps)."""


@dataclass(frozen=True)
class Outcome:
    """What the venue said about one order: held (with its id and time) or refused."""

    ack: BrokerAck
    found: tuple[VenueOrder, ...] = ()


def held(found: list[VenueOrder]) -> Outcome:
    """What the venue already holds under a client order id, as an acknowledgement: the
    entry (or any leg) that is not rejected, else the venue's rejection."""
    legs = sorted(found, key=lambda o: (o.leg is not Leg.ENTRY, o.updated_at))
    alive = [o for o in legs if o.status is not VenueOrderStatus.REJECTED]
    if alive:
        return Outcome(BrokerAck(True, alive[0].venue_order_id), tuple(found))
    return Outcome(BrokerAck(False, legs[0].venue_order_id,
                             legs[0].reason or "rejected at the venue"), tuple(found))


class VenueRouter:
    """A pass over the log for one venue from its own tracked position (`process`-venue),
    recording what the venue answered as `actor_kind`:venue."""

    process = "router"
    actor_kind = "router"

    def __init__(self, store: DeskStore, venue: Venue, instruments: Mapping[str, Instrument],
                 clock: Clock, notify: Notify = lambda _: None,
                 accounts: Collection[str] = ()) -> None:
        self.store = store
        self.venue = venue
        # Only these accounts' orders (none named: every account's at this venue), when
        # accounts at one broker trade under different logins.
        self.accounts = frozenset(accounts)
        self.instruments = instruments
        # What the venue is told an instrument is (its ISIN) follows the master in force on
        # the order's day, as its sizing did; `instruments` fills in symbols never logged.
        self.dated = DatedInstruments(store, instruments)
        self.clock = clock
        self.notify = notify
        # Its own tracked position per login: routers of two accounts at one broker
        # never advance each other past an order.
        self.name = "-".join((self.process, venue.name, *sorted(self.accounts)))
        self.actor = f"{self.actor_kind}:{venue.name}"
        self.position = store.tracked(self.name)
        self.last_error = ""  # the venue's failure on the last pass ("" when it answered)

    def isin(self, symbol: str, at: datetime) -> str:
        """`symbol`'s ISIN in the master in force on `at`'s IST day ("" when not listed)."""
        instrument = self.dated.on(at).get(symbol)
        return instrument.isin if instrument else ""

    def serves(self, broker: str, account_id: str) -> bool:
        """True for an order of `account_id` recorded for `broker` that this router sends."""
        return broker == self.venue.name and (not self.accounts or account_id in self.accounts)


class OrderRouter(VenueRouter):
    """Sends this venue's placed-but-unacknowledged orders, in log order, exactly once."""

    async def route(self) -> int:
        """One pass over the log since the router's position; returns how many orders it
        settled. Stops at the first order the venue could not answer for (kept for the next
        pass, so orders reach the venue in the order the desk placed them)."""
        settled = 0
        for rec in list(self.store.read_all(self.position, types=("OrderPlaced",))):
            placed = rec.event.payload
            assert isinstance(placed, OrderPlaced)
            if not self.serves(placed.broker, placed.account_id):
                self.position = rec.position
                continue
            try:
                outcome = await self._ask(placed, rec.event.occurred_at)
            except VenueError as e:
                self.last_error = str(e)
                log.warning("venue did not answer, order kept for the next pass",
                            venue=self.venue.name, order_id=placed.order_id, error=str(e),
                            correlation_id=rec.event.correlation_id)
                return settled
            if outcome is not None and not self._record(rec, outcome):
                return settled
            self.position = rec.position
            settled += outcome is not None
        self.last_error = ""
        return settled

    async def _ask(self, placed: OrderPlaced, at: datetime) -> Outcome | None:
        """Find first, place only when the venue holds nothing; None: already settled."""
        if self._order(placed.order_id).status is not OrderStatus.PLACED:
            return None
        found = await self.venue.find(placed.order_id)
        if found:
            return held(found)
        if placed.stop is None or placed.target is None:
            # The venue adapters place brackets (GTT, OCO) only; refused, with the reason.
            return Outcome(BrokerAck(False, reason=PLAIN_ENTRY_REFUSED))
        ack = await self.venue.place_bracket(self._request(placed, at))
        return Outcome(ack)

    def _record(self, rec: Recorded, outcome: Outcome) -> bool:
        """The venue's answer on the order, committed with the router's position; False
        when another writer (the venue's updates) got to the order first: ask again."""
        uow = UnitOfWork(self.store, self.clock, rec.event)
        order = uow.get(Order, rec.event.payload.order_id)  # type: ignore[attr-defined]
        cause = uow.cause(self.actor)
        at = min((o.updated_at for o in outcome.found), default=None)
        if outcome.ack.accepted:
            order.accept(outcome.ack.broker_order_id, cause, acknowledged_at=at)
        else:
            order.reject(outcome.ack.reason or "refused by the venue", cause)
        try:
            recorded = uow.commit(tracking=(self.name, rec.position))
        except StaleWrite:
            return False
        log.info("order routed", venue=self.venue.name, order_id=order.id,
                 accepted=outcome.ack.accepted, broker_order_id=outcome.ack.broker_order_id,
                 correlation_id=order.correlation_id)
        self.notify(recorded)
        return True

    def _order(self, order_id: str) -> Order:
        return self.store.load(Order, order_id)

    def _request(self, placed: OrderPlaced, at: datetime) -> BracketRequest:
        card = self.store.load(TradeCard, placed.card_id)
        assert card.proposal is not None, f"order {placed.order_id} has no proposed card"
        stop, target = placed.stop, placed.target
        assert stop is not None and target is not None, "plain entries are refused in `_ask`"
        return BracketRequest(
            client_order_id=placed.order_id, symbol=placed.symbol,
            isin=self.isin(placed.symbol, at), quantity=placed.quantity,
            stop=stop, target=target, intraday=placed.square_off,
            reference_price=card.proposal.reference_price,
        )
