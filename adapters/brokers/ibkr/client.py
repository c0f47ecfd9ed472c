"""The gateway's REST side: one aiohttp session, IBKR's session upkeep (auth status, SSO
brokerage session, `/tickle` keepalive) and every request through the rate limiter with a
timeout, its failures mapped to `VenueError`.

The `session` value `/tickle` returns authenticates the websocket; it is kept here and
never logged or put in an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp
import structlog

from adapters.brokers.ibkr.config import IbkrConfig
from adapters.brokers.ibkr.replies import error_for
from adapters.brokers.ratelimit import RateLimiter
from domain.venue import VenueError, VenueErrorKind

log = structlog.get_logger("eventdesk.ibkr")


class IbkrClient:
    """Requests to one gateway, on one brokerage session kept alive by `/tickle`."""

    def __init__(self, config: IbkrConfig) -> None:
        self.config = config
        self.limiter = RateLimiter(*config.windows)
        self._http: aiohttp.ClientSession | None = None
        self._session_token = ""
        self._authenticated = False
        self._sso_expires_at: datetime | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._login = asyncio.Lock()

    @property
    def authenticated(self) -> bool:
        """Whether the last word from the gateway was an authenticated brokerage session."""
        return self._authenticated

    @property
    def sso_expires_at(self) -> datetime | None:
        """When the gateway's login lapses, as `/tickle` last said."""
        return self._sso_expires_at

    def http(self) -> aiohttp.ClientSession:
        """The shared HTTP session (created on first use, inside the running loop)."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=self.config.tls_verified),
                timeout=aiohttp.ClientTimeout(total=self.config.request_timeout))
        return self._http

    async def session_token(self) -> str:
        """The brokerage session's websocket token, logging in first when needed."""
        await self.ensure_session()
        return self._session_token

    async def ensure_session(self) -> None:
        """Check the brokerage session; open it with `ssodh/init` when the gateway is
        logged in but the session is not; start the keepalive. AUTH when it cannot."""
        async with self._login:
            if self._authenticated and self._session_token:
                return
            status = await self._send("POST", "/iserver/auth/status", None)
            if not _authenticated(status):
                status = await self._send("POST", "/iserver/auth/ssodh/init",
                                          {"publish": True, "compete": True})
            if not _authenticated(status):
                raise VenueError(VenueErrorKind.AUTH, "IBKR gateway has no brokerage session "
                                 "(log in to the gateway in a browser)")
            await self.tickle()
            if self._keepalive is None or self._keepalive.done():
                self._keepalive = asyncio.create_task(self._keep_alive())

    def session_lost(self) -> None:
        """Note that the gateway refused the session (e.g. on the websocket): the next
        request logs in again first."""
        self._authenticated = False

    async def tickle(self) -> None:
        """`POST /tickle`: keeps the session and tells its websocket token and expiry."""
        reply = await self._send("POST", "/tickle", None)
        if not isinstance(reply, dict) or not reply.get("session"):
            raise VenueError(VenueErrorKind.AUTH, "IBKR /tickle returned no session")
        self._session_token = str(reply["session"])
        auth = (reply.get("iserver") or {}).get("authStatus") or {}
        self._authenticated = bool(auth.get("authenticated", True))
        expires = reply.get("ssoExpires")
        if expires not in (None, ""):
            # ssoExpires counts milliseconds left from now.
            self._sso_expires_at = datetime.now(UTC) + timedelta(milliseconds=int(expires))

    async def request(self, method: str, path: str, body: Any = None) -> Any:
        """A request on the brokerage session; one fresh login and retry after a 401, which
        IBKR answers before it acts, so the retry cannot act twice."""
        await self.ensure_session()
        try:
            return await self._send(method, path, body)
        except VenueError as e:
            if e.kind is not VenueErrorKind.AUTH:
                raise
            self._authenticated = False
        await self.ensure_session()
        return await self._send(method, path, body)

    async def _send(self, method: str, path: str, body: Any) -> Any:
        await self.limiter.acquire()
        url = self.config.base_url.rstrip("/") + path
        try:
            async with self.http().request(method, url, json=body) as response:
                text = await response.text()
                payload = _decode(text)
                failure = error_for(response.status, payload, response.headers.get("Retry-After"))
        except TimeoutError:
            raise VenueError(VenueErrorKind.TIMEOUT, f"{method} {path}: no answer in "
                             f"{self.config.request_timeout:g}s") from None
        except aiohttp.ClientError as e:
            raise VenueError(VenueErrorKind.UNAVAILABLE,
                             f"{method} {path}: {type(e).__name__}") from None
        if failure is not None:
            if failure.kind is VenueErrorKind.AUTH:
                self._authenticated = False
            raise failure
        return payload

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self.config.tickle_seconds)
            try:
                await self.tickle()
            except VenueError as e:
                # The next request logs in again; the keepalive only reports.
                self._authenticated = False
                log.warning("ibkr_tickle_failed", kind=e.kind.value, status=e.status)

    async def close(self) -> None:
        """Stop the keepalive and close the HTTP session."""
        if self._keepalive is not None:
            self._keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keepalive
        if self._http is not None:
            await self._http.close()


def _authenticated(status: Any) -> bool:
    return isinstance(status, dict) and bool(status.get("authenticated"))


def _decode(text: str) -> Any:
    if not text.strip():
        return None
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        return text  # the gateway answers some failures with plain text or HTML
