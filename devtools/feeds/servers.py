"""The fake feed servers: an aiohttp app per venue on 127.0.0.1 (port 0), pushing whatever
frames a test or demo hands them to every open websocket, and recording what clients ask.

Upstox: `GET /v3/feed/market-data-feed/authorize` (Bearer token) answers a single-use
`authorized_redirect_uri`; the socket takes JSON requests in binary frames. Kite: the socket
at `/` checks `api_key` and `access_token` and takes JSON text requests.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

from aiohttp import WSMsgType, web


class FakeFeed:
    """What both fakes share: open sockets, requests seen, frames to push, drops."""

    def __init__(self) -> None:
        self.sockets: set[web.WebSocketResponse] = set()
        self.requests: list[dict[str, Any]] = []
        self.connections = 0
        self.connected = asyncio.Event()
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    async def push(self, frame: bytes) -> None:
        """Send one binary frame to every open socket."""
        for ws in list(self.sockets):
            await ws.send_bytes(frame)

    async def push_text(self, text: str) -> None:
        """Send one text message to every open socket."""
        for ws in list(self.sockets):
            await ws.send_str(text)

    async def drop(self) -> None:
        """Close every open socket, as a venue does when it drops a client."""
        self.connected.clear()
        for ws in list(self.sockets):
            await ws.close()

    async def wait_requests(self, count: int) -> None:
        """Return once `count` requests have arrived (a client's subscriptions)."""
        while len(self.requests) < count:
            await asyncio.sleep(0.005)

    async def _socket(self, request: web.Request, text: bool) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.add(ws)
        self.connections += 1
        self.connected.set()
        try:
            async for message in ws:
                kind = WSMsgType.TEXT if text else WSMsgType.BINARY
                if message.type is kind:
                    self.requests.append(json.loads(message.data))
                elif message.type is WSMsgType.ERROR:
                    break
        finally:
            self.sockets.discard(ws)
        return ws

    def app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> str:
        """Serve on a free 127.0.0.1 port; the base URL."""
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        """Close the sockets and the server."""
        await self.drop()
        if self._runner is not None:
            await self._runner.cleanup()


class FakeUpstoxFeed(FakeFeed):
    """Upstox Market Data Feed V3, authorized by the Bearer `token`."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self._codes: set[str] = set()

    async def authorize(self, request: web.Request) -> web.Response:
        """GET /v3/feed/market-data-feed/authorize: a single-use websocket URL."""
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"status": "error", "errors": [
                {"errorCode": "UDAPI100050", "message": "Invalid token used to access API"}]},
                status=401)
        code = secrets.token_urlsafe(12)
        self._codes.add(code)
        ws_url = f"{self.base_url.replace('http://', 'ws://')}/v3/feed/market-data-feed"
        return web.json_response({"status": "success", "data": {
            "authorizedRedirectUri": f"{ws_url}?code={code}",
            "authorized_redirect_uri": f"{ws_url}?code={code}"}})

    async def socket(self, request: web.Request) -> web.StreamResponse:
        """The feed socket behind an authorized URL."""
        code = request.query.get("code", "")
        if code not in self._codes:
            raise web.HTTPForbidden(text="authorized_redirect_uri is single-use")
        self._codes.discard(code)
        return await self._socket(request, text=False)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v3/feed/market-data-feed/authorize", self.authorize)
        app.router.add_get("/v3/feed/market-data-feed", self.socket)
        return app


class FakeKiteTicker(FakeFeed):
    """Kite's ticker, for the app `api_key` and the session `access_token`."""

    def __init__(self, api_key: str, access_token: str) -> None:
        super().__init__()
        self._auth = {"api_key": api_key, "access_token": access_token}

    async def socket(self, request: web.Request) -> web.StreamResponse:
        """The ticker socket; a wrong key or token is refused as Kite does (403)."""
        if {k: request.query.get(k) for k in self._auth} != self._auth:
            raise web.HTTPForbidden(text="invalid api_key or access_token")
        return await self._socket(request, text=True)

    @property
    def ws_url(self) -> str:
        """The URL a `KiteFeedConfig` points at."""
        return self.base_url.replace("http://", "ws://") + "/"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self.socket)
        return app
