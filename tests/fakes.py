"""In-memory fakes of the desk's ports (`streams/ports.py`), for fast tests of the core.

- `FakeClock`: a `Clock` (call it) and a `Timeline` (now, sleep_until) that moves by hand.
- `InMemoryStore`: an `AggregateStore` with the log reads a runtime needs.
- `FakeBroker`: a `Broker` that records every request and reports the updates a test
  pushes; `tests/integration/test_broker_contract.py` holds it to the paper broker's contract.
- `FakeRuntime`: a `DeskRuntime` that commits and folds, with no process managers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from domain.aggregates import Aggregate, InputStream, StaleWrite
from domain.aggregates.base import Cause
from domain.broker import (
    BrokerAck,
    BrokerFunds,
    BrokerPosition,
    OrderUpdate,
    UpdateKind,
    WorkingOrder,
)
from domain.events import BarClosed, Envelope, OrderPlaced, Payload, Recorded
from domain.inputs import InputFact
from domain.money import ZERO
from domain.values import Leg
from projections.desk import DeskView, apply
from streams.embedded import input_streams
from streams.unit_of_work import UnitOfWork

A = TypeVar("A", bound=Aggregate)


class FakeClock:
    """Time that moves only when told (or when the scheduler sleeps on it)."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self.slept: list[datetime] = []

    def __call__(self) -> datetime:
        return self._now

    def now(self) -> datetime:
        return self._now

    def sleep_until(self, at: datetime) -> None:
        self.slept.append(at)
        self._now = max(self._now, at)

    def advance(self, by: timedelta) -> None:
        self._now += by


class InMemoryStore:
    """Streams and one global log in memory, with the store's optimistic concurrency."""

    def __init__(self) -> None:
        self._log: list[Recorded] = []
        self._streams: dict[str, list[Envelope]] = {}
        self._tracking: dict[str, int] = {}

    def load(self, cls: type[A], stream_id: str) -> A:
        return cls.replay(stream_id, self.stream(stream_id))

    def stream(self, stream_id: str) -> list[Envelope]:
        return list(self._streams.get(stream_id, ()))

    def versions(self, stream_ids: Iterable[str]) -> dict[str, int]:
        return {s: len(self._streams[s]) for s in stream_ids if self._streams.get(s)}

    def commit(
        self, *aggregates: Aggregate, tracking: tuple[str, int] | None = None
    ) -> list[Recorded]:
        events = [e for a in aggregates for e in a.collect_events()]
        versions = {s: len(v) for s, v in self._streams.items()}
        for event in events:  # check all before writing any: all or nothing
            if event.stream_version != versions.get(event.stream_id, 0) + 1:
                raise StaleWrite(f"concurrent write to {event.stream_id}")
            versions[event.stream_id] = event.stream_version
        recorded = []
        for event in events:
            rec = Recorded(len(self._log) + 1, event)
            self._log.append(rec)
            self._streams.setdefault(event.stream_id, []).append(event)
            recorded.append(rec)
        if tracking is not None:
            name, position = tracking
            self._tracking[name] = max(self._tracking.get(name, 0), position)
        return recorded

    def append(self, payload: Payload, stream_id: str, at: datetime) -> Recorded:
        """Log an outside fact (a bar, a news item) as the next version of `stream_id`."""
        stream = InputStream.at(stream_id, len(self._streams.get(stream_id, ())) + 1)
        stream.append(payload, Cause(at, at, "feed", stream_id))
        return self.commit(stream)[0]

    def read(self, after: int = 0, limit: int = 1000) -> list[Recorded]:
        return self._log[after:after + limit]

    def read_all(self, after: int = 0, batch: int = 2000) -> Iterator[Recorded]:
        yield from self._log[after:]

    def head(self) -> int:
        return len(self._log)

    def tracked(self, name: str) -> int:
        return self._tracking.get(name, 0)


class FakeBroker:
    """A venue that accepts (or refuses, when told) and fills only what a test pushes."""

    name = "fake"

    def __init__(self, cash: Decimal = Decimal("10000000.00")) -> None:
        self.cash = cash
        self.calls: list[tuple[str, str]] = []  # (request, order id), in order
        self.refusal = ""  # when set, every request is refused with this reason
        self._placed: dict[str, OrderPlaced] = {}
        self._done: set[str] = set()  # cancelled or closed
        self._entries: dict[str, Decimal] = {}  # order id -> entry fill price
        self._exits: dict[str, Decimal] = {}
        self._pushed: list[OrderUpdate] = []

    def push(self, update: OrderUpdate) -> None:
        """Have the venue report `update` on the next `updates` that asks for its order."""
        self._pushed.append(update)

    def place_bracket(self, order: OrderPlaced) -> BrokerAck:
        self.calls.append(("place_bracket", order.order_id))
        if self.refusal:
            return BrokerAck(False, reason=self.refusal)
        if order.order_id in self._placed:
            return BrokerAck(False, reason=f"order {order.order_id} was already placed")
        self._placed[order.order_id] = order
        return BrokerAck(True, broker_order_id=f"fake-{order.order_id}")

    def cancel(self, order_id: str) -> BrokerAck:
        self.calls.append(("cancel", order_id))
        refusal = self.refusal or self._unchangeable(order_id) or (
            f"order {order_id}: entry filled" if order_id in self._entries else "")
        if refusal:
            return BrokerAck(False, reason=refusal)
        self._done.add(order_id)
        return BrokerAck(True, broker_order_id=f"fake-{order_id}")

    def modify(
        self, order_id: str, stop: Decimal | None = None, target: Decimal | None = None
    ) -> BrokerAck:
        self.calls.append(("modify", order_id))
        refusal = self.refusal or self._unchangeable(order_id)
        if not refusal and stop is None and target is None:
            refusal = "nothing to modify"
        if refusal:
            return BrokerAck(False, reason=refusal)
        placed = self._placed[order_id]
        new_stop, new_target = stop or placed.stop, target or placed.target
        if new_stop >= new_target:
            return BrokerAck(False, reason=f"stop {new_stop} must be below target {new_target}")
        self._placed[order_id] = placed.model_copy(update={"stop": new_stop,
                                                           "target": new_target})
        return BrokerAck(True, broker_order_id=f"fake-{order_id}")

    def close(self, order: WorkingOrder) -> BrokerAck:
        order_id = order.order_id
        self.calls.append(("close", order_id))
        refusal = self.refusal or self._unchangeable(order_id) or (
            "" if order_id in self._entries else f"order {order_id}: entry not filled")
        if refusal:
            return BrokerAck(False, reason=refusal)
        return BrokerAck(True, broker_order_id=f"fake-{order_id}")

    def updates(self, bar: BarClosed, working: Sequence[WorkingOrder]) -> list[OrderUpdate]:
        asked = {w.order_id for w in working} - self._done
        reported = [u for u in self._pushed if u.order_id in asked]
        self._pushed = [u for u in self._pushed if u not in reported]
        for u in reported:
            if u.kind is UpdateKind.FILLED and u.price is not None:
                (self._entries if u.leg is Leg.ENTRY else self._exits)[u.order_id] = u.price
        return reported

    def positions(self) -> list[BrokerPosition]:
        return [BrokerPosition(self._placed[o].symbol, self._placed[o].quantity, price)
                for o, price in sorted(self._entries.items()) if o not in self._exits]

    def funds(self) -> BrokerFunds:
        used = sum((p.average_price * p.quantity for p in self.positions()), ZERO)
        return BrokerFunds(available=self.cash - used, used=used)

    def _unchangeable(self, order_id: str) -> str:
        if order_id not in self._placed:
            return f"unknown order {order_id}"
        if order_id in self._done or order_id in self._exits:
            return f"order {order_id} is done"
        return ""


class FakeRuntime:
    """A `DeskRuntime` with no process managers: it commits, then folds what it recorded."""

    def __init__(self, store: InMemoryStore, clock: FakeClock) -> None:
        self.store = store
        self.clock = clock
        self.view = DeskView()

    def execute(self, uow: UnitOfWork) -> list[Recorded]:
        recorded = uow.commit()
        self._fold(recorded)
        return recorded

    def ingest(self, facts: Iterable[InputFact]) -> int:
        streams = input_streams(facts, self.view.stream_versions, self.clock)
        self._fold(self.store.commit(*streams))
        return len(streams)

    def _fold(self, recorded: list[Recorded]) -> None:
        for rec in recorded:
            apply(self.view, rec.event, rec.position)
