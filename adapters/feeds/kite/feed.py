"""Kite Connect's ticker websocket: `wss://ws.kite.trade?api_key=…&access_token=…`.

Instruments are numeric tokens; requests are JSON text (`subscribe`, then `mode`); the
server sends binary frames of packets (`parsing.decode_frame`), 1-byte heartbeats, and text
messages (order updates, errors) that this feed logs and leaves to the order stream.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp
import structlog

from adapters.feeds.frames import Decoded
from adapters.feeds.kite.parsing import MODES, decode_frame, request
from adapters.feeds.session import Clock, WebsocketFeed, wall_clock

log = structlog.get_logger("eventdesk.feeds")

WS_URL = "wss://ws.kite.trade"
TOKENS_PER_CONNECTION = 3000  # and at most 3 connections per api_key


@dataclass(frozen=True)
class KiteFeedConfig:
    """Where the ticker is (the real service by default) and what to subscribe."""

    instruments: Mapping[int, str]  # instrument token -> symbol
    mode: str = "full"
    ws_url: str = WS_URL


class KiteFeed(WebsocketFeed):
    """`MarketFeed` for the Kite ticker; key and token go in the URL, as Kite asks, and are
    never logged."""

    name = "kite"

    def __init__(self, config: KiteFeedConfig, api_key: str, access_token: str,
                 clock: Clock = wall_clock, max_delay: float = 5.0) -> None:
        super().__init__(clock, max_delay)
        if config.mode not in MODES:
            raise ValueError(f"mode: expected one of {', '.join(MODES)}, got {config.mode!r}")
        if len(config.instruments) > TOKENS_PER_CONNECTION:
            raise ValueError(f"{len(config.instruments)} tokens exceed Kite's "
                             f"{TOKENS_PER_CONNECTION} per connection")
        self._config = config
        self._auth = {"api_key": api_key, "access_token": access_token}
        self._symbols = dict(config.instruments)

    def __repr__(self) -> str:
        return f"KiteFeed(ws_url={self._config.ws_url!r}, mode={self._config.mode!r})"

    async def connect(self, http: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
        """Open the ticker websocket."""
        return await http.ws_connect(self._config.ws_url, params=self._auth, heartbeat=30)

    def opening_messages(self, keys: Sequence[str]) -> list[str | bytes]:
        """Subscribe every token, then put them in the configured mode."""
        return self.change_messages("sub", keys)

    def change_messages(self, method: str, keys: Sequence[str]) -> list[str | bytes]:
        """`subscribe` + `mode`, or `unsubscribe`."""
        tokens = [int(k) for k in keys]
        if method == "unsub":
            return [request("unsubscribe", tokens)]
        return [request("subscribe", tokens), request("mode", tokens, self._config.mode)]

    def decode(self, frame: bytes, received_ms: int) -> Decoded:
        """The ticks in one binary frame."""
        return decode_frame(frame, self._symbols, received_ms)

    def on_text(self, text: str) -> None:
        """Order updates and errors arrive as text; the order stream reads them."""
        try:
            kind = json.loads(text).get("type", "?")
        except (ValueError, AttributeError):
            kind = "unreadable"
        log.info("kite ticker text message", type=kind)
