"""The venue's update feed: each ticker order message becomes a `VenueUpdate` (with the
fills it brought, read from `/orders/{id}/trades`) for every subscriber, and a filled entry
gets its exits armed. On each (re)connect the order book is read for what the ticker missed
meanwhile, so a dropped connection loses no desk update."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog

from adapters.brokers.zerodha.book import client_of, own_leg
from adapters.brokers.zerodha.parsing import Row, is_desk_tag, parse_order, readable
from adapters.brokers.zerodha.stream import TickerStream
from domain.values import Leg
from domain.venue import VenueError, VenueOrder, VenueOrderStatus, VenueTrade, VenueUpdate

if TYPE_CHECKING:
    from adapters.brokers.zerodha.execution import ZerodhaVenue

log = structlog.get_logger(__name__)


class Subscription:
    """One consumer's queue of updates, filled from the moment it was made."""

    def __init__(self, queues: list[asyncio.Queue[VenueUpdate]]) -> None:
        self._queue: asyncio.Queue[VenueUpdate] = asyncio.Queue()
        self._queues = queues
        queues.append(self._queue)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> VenueUpdate:
        return await self._queue.get()

    async def aclose(self) -> None:
        """Stop receiving updates."""
        with contextlib.suppress(ValueError):
            self._queues.remove(self._queue)


class UpdateFeed:
    """The ticker connection and what it hands to the desk."""

    def __init__(self, venue: ZerodhaVenue) -> None:
        self._venue = venue
        self.stream = TickerStream(venue.config, lambda: venue.client.access_token,
                                   self.on_order, self.on_connect)
        self._task: asyncio.Task[None] | None = None
        self._queues: list[asyncio.Queue[VenueUpdate]] = []
        self._seen: dict[str, tuple[str, int]] = {}  # order id -> (Kite status, filled)
        self._trades: set[str] = set()
        self.last_update_at: datetime | None = None

    def start(self) -> None:
        """Connect the ticker, unless it already runs."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.stream.run())

    def subscribe(self) -> AsyncIterator[VenueUpdate]:
        """A new consumer's updates (the ticker starts with the first one)."""
        self.start()
        return Subscription(self._queues)

    async def close(self) -> None:
        """Stop the ticker."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def on_connect(self) -> None:
        """Replay, through `on_order`, the desk orders whose state changed while away."""
        for row in await self._venue.client.call("GET", "/orders") or []:
            if is_desk_tag(row.get("tag")) and str(row["tag"]) in self._venue.ids():
                await self.on_order(row)

    async def on_order(self, row: Row) -> None:
        """Publish one order's new state, with the fills it brought; arm a filled entry."""
        order_id = str(row["order_id"])
        try:
            state = (str(row.get("status")), int(row.get("filled_quantity") or 0))
        except (TypeError, ValueError, ArithmeticError):
            log.warning("kite order update unreadable", order_id=order_id)
            return
        before = self._seen.get(order_id, ("", 0))
        if before == state:
            return  # the ticker repeats itself; the book replay on reconnect too
        self._seen[order_id] = state
        client_order_id, leg = await self._identify(row)
        try:
            with readable("order update"):
                order = parse_order(row, client_order_id, leg)
        except VenueError as e:  # one bad message must not stop the feed
            log.warning("kite order update unreadable", error=e.kind.value)
            return
        fills = await self._new_fills(order, before[1])
        now = datetime.now(UTC)
        self.last_update_at = now
        for update in ([VenueUpdate(order, now, t) for t in fills]
                       or [VenueUpdate(order, now)]):
            for queue in self._queues:
                queue.put_nowait(update)
        if leg is Leg.ENTRY and order.status is VenueOrderStatus.FILLED and is_desk_tag(
                row.get("tag")):
            try:
                await self._venue.arm_exits(order, str(row["tag"]))
            except VenueError as e:  # retried on the next reconnect or place_bracket
                log.warning("kite exits not armed", error=e.kind.value, code=e.code)

    async def _identify(self, row: Row) -> tuple[str, Leg]:
        tag = row.get("tag")
        if is_desk_tag(tag) and row.get("transaction_type") == "BUY":
            return client_of(tag, self._venue.ids()), Leg.ENTRY
        try:  # a sell may be a GTT leg, which only the GTT list names
            owner = (await self._venue.book()).owner.get(str(row["order_id"]))
        except VenueError:
            owner = None
        return owner or (client_of(tag, self._venue.ids()), own_leg(row))

    async def _new_fills(self, order: VenueOrder, filled_before: int) -> list[VenueTrade]:
        if order.filled_quantity <= filled_before:
            return []
        try:
            trades = await self._venue.order_trades(order.venue_order_id,
                                                    order.client_order_id, order.leg)
        except VenueError as e:  # the update still goes out; `trades` has the fill later
            log.warning("kite fills not read", error=e.kind.value, code=e.code)
            return []
        fresh = [t for t in trades if t.trade_id not in self._trades]
        self._trades.update(t.trade_id for t in fresh)
        return fresh
