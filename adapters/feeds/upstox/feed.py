"""The Upstox Market Data Feed V3 over one websocket (Upstox allows one per user).

Each connection starts at `GET /v3/feed/market-data-feed/authorize` (Bearer token), whose
answer holds a single-use `authorized_redirect_uri`; requests go as JSON in binary frames;
the server answers with protobuf `FeedResponse` frames (`parsing.decode_frame`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp

from adapters.feeds.frames import Decoded
from adapters.feeds.session import Clock, WebsocketFeed, wall_clock
from adapters.feeds.upstox.parsing import decode_frame, request

API_HOST = "https://api.upstox.com"
AUTHORIZE_PATH = "/v3/feed/market-data-feed/authorize"
# Keys one connection may subscribe, by mode (page v3/get-market-data-feed).
KEY_LIMITS = {"ltpc": 5000, "full": 2000}


@dataclass(frozen=True)
class UpstoxFeedConfig:
    """Where the feed is (the real service by default) and how to subscribe."""

    instruments: Mapping[str, str]  # instrument key ("NSE_EQ|INE002A01018") -> symbol
    mode: str = "full"
    api_host: str = API_HOST
    request_timeout: float = 10.0


class UpstoxFeed(WebsocketFeed):
    """`MarketFeed` for Upstox V3; `token` is the day's access token (never logged)."""

    name = "upstox"

    def __init__(self, config: UpstoxFeedConfig, token: str, clock: Clock = wall_clock,
                 max_delay: float = 5.0) -> None:
        super().__init__(clock, max_delay)
        if config.mode not in KEY_LIMITS:
            raise ValueError(f"mode: expected one of {', '.join(KEY_LIMITS)}, "
                             f"got {config.mode!r}")
        if len(config.instruments) > KEY_LIMITS[config.mode]:
            raise ValueError(f"{len(config.instruments)} instruments exceed Upstox's "
                             f"{KEY_LIMITS[config.mode]} per connection in {config.mode} mode")
        self._config = config
        self._token = token
        self._symbols = dict(config.instruments)

    def __repr__(self) -> str:
        return f"UpstoxFeed(api_host={self._config.api_host!r}, mode={self._config.mode!r})"

    async def connect(self, http: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
        """Authorize, then open the single-use websocket URL it returns."""
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self._config.request_timeout)
        async with http.get(self._config.api_host + AUTHORIZE_PATH, headers=headers,
                            timeout=timeout) as response:
            if response.status != 200:
                raise aiohttp.ClientResponseError(response.request_info, (),
                                                  status=response.status)
            body = await response.json()
        url = str(body["data"]["authorized_redirect_uri"])
        return await http.ws_connect(url, heartbeat=30)

    def opening_messages(self, keys: Sequence[str]) -> list[str | bytes]:
        """One `sub` request for every key, in the configured mode."""
        return self.change_messages("sub", keys)

    def change_messages(self, method: str, keys: Sequence[str]) -> list[str | bytes]:
        """A `sub`/`unsub` request, JSON in a binary frame."""
        return [request(uuid.uuid4().hex, method, self._config.mode, keys)]

    def decode(self, frame: bytes, received_ms: int) -> Decoded:
        """The ticks in one protobuf frame."""
        return decode_frame(frame, self._symbols, received_ms)
