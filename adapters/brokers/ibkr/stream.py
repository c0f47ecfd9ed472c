"""The gateway websocket (`/ws`) as a stream of `VenueUpdate`s: authenticated with the
`/tickle` session, subscribed to live orders (`sor`) and trades (`str`), kept alive with
`tic`, reconnecting by itself.

Each (re)subscription asks for the day's trades as well as new ones, so a fill that happened
while the socket was down (or before it first connected) still arrives; trades are passed on
once per execution id, order states once per change.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import structlog

from adapters.brokers.ibkr import parsing
from adapters.brokers.ibkr.client import IbkrClient
from domain.venue import VenueError, VenueOrder, VenueTrade, VenueUpdate

log = structlog.get_logger("eventdesk.ibkr")

SUBSCRIPTIONS = ("sor+{}", 'str+{"realtimeUpdatesOnly":false,"days":1}')


class Updates:
    """One reader's view of the stream: everything pushed since it was made, in order."""

    def __init__(self, queue: asyncio.Queue[VenueUpdate]) -> None:
        self._queue = queue

    def __aiter__(self) -> AsyncIterator[VenueUpdate]:
        return self

    async def __anext__(self) -> VenueUpdate:
        return await self._queue.get()


class UpdateStream:
    """The websocket connection shared by every reader, started by the first one."""

    def __init__(self, client: IbkrClient, *, symbols: Mapping[int, str],
                 coids: Mapping[str, str]) -> None:
        self._client = client
        self._symbols = symbols
        self._coids = coids
        self._readers: list[asyncio.Queue[VenueUpdate]] = []
        self._task: asyncio.Task[None] | None = None
        self._orders: dict[str, VenueOrder] = {}
        self._seen_trades: set[str] = set()
        self.connected = False
        self.last_update_at: datetime | None = None

    def reader(self) -> Updates:
        """A new reader; the connection starts now, so nothing pushed after this is lost."""
        queue: asyncio.Queue[VenueUpdate] = asyncio.Queue()
        self._readers.append(queue)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return Updates(queue)

    async def _run(self) -> None:
        pauses = self._client.config.reconnect_seconds
        attempt = 0
        while True:
            try:
                await self._connect()
            except (VenueError, aiohttp.ClientError, OSError, TimeoutError) as e:
                log.warning("ibkr_ws_disconnected", error=type(e).__name__)
            finally:
                # Only a connection that got as far as its subscriptions resets the backoff,
                # so a refused session does not reconnect in a tight loop.
                attempt = 0 if self.connected else attempt + 1
                self.connected = False
            await asyncio.sleep(pauses[min(attempt, len(pauses) - 1)])

    async def _connect(self) -> None:
        token = await self._client.session_token()
        async with self._client.http().ws_connect(self._client.config.ws_url) as ws:
            pinger = asyncio.create_task(self._ping(ws))
            try:
                await ws.send_json({"session": token})
                async for message in ws:
                    if message.type is not aiohttp.WSMsgType.TEXT:
                        break
                    await self._receive(ws, message.data)
            finally:
                pinger.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pinger

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse, text: str) -> None:
        try:
            message = json.loads(text, parse_float=Decimal)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        # "waiting for session" needs no answer: the session was sent on connecting.
        topic = message.get("topic")
        if topic == "sts":
            await self._on_status(ws, message.get("args") or {})
        elif topic in ("sor", "str"):
            self._on_topic(topic, message.get("args") or [])

    async def _on_status(self, ws: aiohttp.ClientWebSocketResponse,
                         args: Mapping[str, Any]) -> None:
        if not args.get("authenticated"):
            self._client.session_lost()
            await ws.close()  # reconnect with a fresh login
            return
        if not self.connected:
            self.connected = True
            for subscription in SUBSCRIPTIONS:
                await ws.send_str(subscription)

    def _on_topic(self, topic: str, items: list[Any]) -> None:
        now = datetime.now(UTC)
        read: Callable[..., Any] = parsing.order if topic == "sor" else parsing.trade
        for raw in items:
            try:
                item = read(raw, symbols=self._symbols, coids=self._coids, now=now)
            except (parsing.PayloadError, TypeError, ValueError, AttributeError) as e:
                log.warning("ibkr_ws_unreadable", topic=topic, error=str(e))
                continue
            if topic == "sor":
                self._order(item, now)
            else:
                self._trade(item, now)

    def _order(self, order: VenueOrder, now: datetime) -> None:
        before = self._orders.get(order.venue_order_id)
        self._orders[order.venue_order_id] = order
        if before is None or (before.status, before.filled_quantity) != (
                order.status, order.filled_quantity):
            self._publish(VenueUpdate(order=order, received_at=now))

    def _trade(self, trade: VenueTrade, now: datetime) -> None:
        if trade.trade_id in self._seen_trades:
            return
        self._seen_trades.add(trade.trade_id)
        order = self._orders.get(trade.venue_order_id) or next(
            (o for o in self._orders.values()
             if (o.client_order_id, o.leg) == (trade.client_order_id, trade.leg)), None)
        if order is None:  # the trade came first: the order as far as this fill shows it
            order = VenueOrder(
                venue_order_id=trade.venue_order_id, client_order_id=trade.client_order_id,
                leg=trade.leg, symbol=trade.symbol, side=trade.side, quantity=trade.quantity,
                filled_quantity=trade.quantity, average_price=trade.price,
                status=parsing.ORDER_STATUS["Filled"], updated_at=trade.at)
        self._publish(VenueUpdate(order=order, received_at=now, trade=trade))

    def _publish(self, update: VenueUpdate) -> None:
        self.last_update_at = update.received_at
        for queue in self._readers:
            queue.put_nowait(update)

    async def _ping(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while not ws.closed:
            await asyncio.sleep(self._client.config.ws_ping_seconds)
            await ws.send_str("tic")

    async def close(self) -> None:
        """Stop reconnecting and close the socket."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
