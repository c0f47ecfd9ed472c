"""Order updates from Kite's ticker websocket: its TEXT messages `{"type":"order",...}`;
binary frames (market data and 1-byte heartbeats) are ignored. Reconnects by itself; the
URL carries the api key and access token, so no URL or aiohttp message is ever logged."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

import aiohttp
import structlog

from adapters.brokers.zerodha.config import KiteConfig
from adapters.brokers.zerodha.parsing import Row, ticker_order
from domain.venue import VenueError

log = structlog.get_logger(__name__)
MAX_BACKOFF_SECONDS = 5.0


class TickerStream:
    """One ticker connection, kept up for as long as `run` runs."""

    def __init__(self, config: KiteConfig, token: Callable[[], str],
                 on_order: Callable[[Row], Awaitable[None]],
                 on_connect: Callable[[], Awaitable[None]]) -> None:
        self._config = config
        self._token = token
        self._on_order = on_order
        self._on_connect = on_connect
        self.connected = False
        self.last_message_at: datetime | None = None
        self.last_error = ""

    def _url(self) -> str:
        query = urlencode({"api_key": self._config.api_key, "access_token": self._token()})
        return f"{self._config.ticker_url}?{query}"

    async def run(self) -> None:
        """Connect, hand every order message on, and reconnect after each drop."""
        backoff = self._config.reconnect_seconds
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    await self._listen(session)
                    backoff = self._config.reconnect_seconds
                except (aiohttp.ClientError, OSError, TimeoutError, VenueError) as e:
                    # aiohttp's text may hold the URL, and so the token: keep the type only
                    self.last_error = (e.kind.value if isinstance(e, VenueError)
                                       else type(e).__name__)
                    log.warning("kite ticker disconnected", error=self.last_error)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                finally:
                    self.connected = False
                await asyncio.sleep(backoff)

    async def _listen(self, session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(self._url(), heartbeat=30) as ws:
            self.connected, self.last_error = True, ""
            await self._on_connect()
            async for message in ws:
                self.last_message_at = datetime.now(UTC)
                if message.type is aiohttp.WSMsgType.TEXT:
                    row = ticker_order(message.data)
                    if row is not None:
                        await self._on_order(row)
                elif message.type is aiohttp.WSMsgType.ERROR:
                    break
