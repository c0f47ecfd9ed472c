"""The portfolio stream: Upstox's websocket of order and GTT updates, kept connected.

Each connection starts at `GET /v2/feed/portfolio-stream-feed/authorize`, whose answer is
a single-use `authorized_redirect_uri`. After every (re)connect the trade book is read, so
a fill that happened while the stream was down is still reported, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp
import structlog

from adapters.brokers.upstox.client import UpstoxClient
from adapters.brokers.upstox.config import UpstoxConfig
from domain.venue import VenueError, VenueUpdate

log = structlog.get_logger("eventdesk.upstox")

UPDATE_TYPES = "order,gtt_order"
FIRST_DELAY = 0.1  # seconds before the first reconnect; doubles up to the configured max

Interpret = Callable[[Mapping[str, Any], set[str]], Awaitable[list[VenueUpdate]]]
CatchUp = Callable[[set[str]], Awaitable[list[VenueUpdate]]]


class PortfolioStream:
    """An async iterator of `VenueUpdate`s that reconnects by itself until closed."""

    def __init__(self, client: UpstoxClient, config: UpstoxConfig, interpret: Interpret,
                 catch_up: CatchUp) -> None:
        self._client = client
        self._config = config
        self._interpret = interpret
        self._catch_up = catch_up
        self._queue: asyncio.Queue[VenueUpdate] = asyncio.Queue()
        self._seen: set[str] = set()  # trade ids (and ended GTT legs) already reported
        self._task: asyncio.Task[None] | None = None
        self.connected = False
        self.last_update_at: datetime | None = None
        with contextlib.suppress(RuntimeError):  # no loop yet: start on first iteration
            self._start()

    def _start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def __aiter__(self) -> PortfolioStream:
        return self

    async def __anext__(self) -> VenueUpdate:
        self._start()
        return await self._queue.get()

    async def aclose(self) -> None:
        """Stop reconnecting and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        delay = FIRST_DELAY
        while True:
            try:
                await self._session()
                delay = FIRST_DELAY
            except VenueError as e:
                log.warning("upstox stream refused", kind=e.kind.value, code=e.code)
            except (aiohttp.ClientError, TimeoutError, KeyError, TypeError) as e:
                log.warning("upstox stream dropped", error=type(e).__name__)
            finally:
                self.connected = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._config.reconnect_max_delay)

    async def _session(self) -> None:
        authorized = await self._client.call("stream_authorize",
                                             params={"update_types": UPDATE_TYPES})
        url = str(authorized["authorized_redirect_uri"])
        headers = {"Authorization": self._client.bearer()}
        async with self._client.http().ws_connect(url, headers=headers, heartbeat=30) as ws:
            self.connected = True
            self._publish(await self._catch_up(self._seen))
            async for message in ws:
                if message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    await self._handle(message.data)
                elif message.type is aiohttp.WSMsgType.ERROR:
                    break

    async def _handle(self, data: str | bytes) -> None:
        try:
            payload = json.loads(data)
            if not isinstance(payload, dict):
                raise ValueError("not a JSON object")
            updates = await self._interpret(payload, self._seen)
        except ValueError as e:  # a bad message is skipped with its reason, never fatal
            log.warning("upstox update skipped", reason=str(e))
            return
        self._publish(updates)

    def _publish(self, updates: list[VenueUpdate]) -> None:
        for update in updates:
            self._queue.put_nowait(update)
            self.last_update_at = datetime.now(UTC)
