"""The Upstox REST API over aiohttp: bearer token, order-API rate limits, timeouts, and
every error answer turned into a `VenueError` (never carrying the token or the secret)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp

from adapters.brokers.credentials import CredentialError
from adapters.brokers.ratelimit import RateLimiter
from adapters.brokers.upstox.config import UpstoxApp, UpstoxConfig
from adapters.brokers.upstox.instruments import InstrumentTable, parse_instruments_file
from adapters.brokers.upstox.parsing import error_from
from adapters.brokers.upstox.session import AccessToken, expiry_after, load_token, save_token
from domain.venue import VenueError, VenueErrorKind

# Paths by what they do; `True` marks the order APIs (order host, rate-limited).
ROUTES: dict[str, tuple[str, str, bool]] = {
    "token": ("POST", "/v2/login/authorization/token", False),
    "place_order": ("POST", "/v3/order/place", True),
    "modify_order": ("PUT", "/v3/order/modify", True),
    "cancel_order": ("DELETE", "/v3/order/cancel", True),
    "place_gtt": ("POST", "/v3/order/gtt/place", True),
    "modify_gtt": ("PUT", "/v3/order/gtt/modify", True),
    "cancel_gtt": ("DELETE", "/v3/order/gtt/cancel", True),
    "gtt": ("GET", "/v3/order/gtt", False),
    "order_book": ("GET", "/v2/order/retrieve-all", False),
    "trades": ("GET", "/v2/order/trades/get-trades-for-day", False),
    "order_trades": ("GET", "/v2/order/trades", False),
    "positions": ("GET", "/v2/portfolio/short-term-positions", False),
    "holdings": ("GET", "/v2/portfolio/long-term-holdings", False),
    "funds": ("GET", "/v3/user/get-funds-and-margin", False),
    "stream_authorize": ("GET", "/v2/feed/portfolio-stream-feed/authorize", False),
}


class UpstoxClient:
    """One account's Upstox session: its token, its rate limiter, its HTTP connections."""

    def __init__(self, config: UpstoxConfig,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.config = config
        self.limiter = RateLimiter(*config.order_windows)
        self._now = now
        self._token: AccessToken | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def token_expires_at(self) -> datetime | None:
        """When the current token lapses (None before one is loaded)."""
        return self._token.expires_at if self._token else None

    def http(self) -> aiohttp.ClientSession:
        """The shared connection pool, opened on first use."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    def bearer(self) -> str:
        """The Authorization header value; AUTH error when there is no live token."""
        if self._token is None:
            try:
                self._token = load_token(self.config.token_path)
            except CredentialError as e:
                raise VenueError(VenueErrorKind.AUTH, f"{e}; run `desk broker login`") from None
        if self._now() >= self._token.expires_at:
            raise VenueError(VenueErrorKind.AUTH, "the Upstox token expired at "
                             f"{self._token.expires_at.isoformat()}; log in again")
        return f"Bearer {self._token.value}"

    async def call(self, route: str, *, params: Mapping[str, str] | None = None,
                   body: Any = None) -> Any:
        """Send one documented request; its `data`, or a `VenueError` saying what failed."""
        method, path, order_api = ROUTES[route]
        headers = {"Authorization": self.bearer(), "Accept": "application/json",
                   "Api-Version": "3.0" if path.startswith("/v3/") else "2.0"}
        if order_api:
            await self.limiter.acquire()
            if self.config.algo_name:
                headers["X-Algo-Name"] = self.config.algo_name
        host = self.config.order_host if order_api else self.config.api_host
        try:
            return await self._send(method, host + path, headers, params=params, json=body)
        except VenueError as e:
            if e.kind is VenueErrorKind.AUTH:
                self.forget_token()  # a fresh login may have stored a new one meanwhile
            raise

    async def _send(self, method: str, url: str, headers: dict[str, str], *,
                    params: Mapping[str, str] | None = None, json: Any = None,
                    data: Mapping[str, str] | None = None) -> Any:
        what = f"{method} {url.split('?')[0]}"
        timeout = aiohttp.ClientTimeout(total=self.config.request_timeout)
        try:
            async with self.http().request(method, url, headers=headers, params=params,
                                           json=json, data=data, timeout=timeout) as resp:
                answer = await resp.json(content_type=None)
                status = resp.status
        except TimeoutError:
            raise VenueError(VenueErrorKind.TIMEOUT, f"{what}: no answer in "
                             f"{self.config.request_timeout:g}s") from None
        except (aiohttp.ClientError, ValueError) as e:
            raise VenueError(VenueErrorKind.UNAVAILABLE, f"{what}: {type(e).__name__}") from None
        if status >= 400 or not isinstance(answer, dict) or answer.get("status") == "error":
            raise error_from(status, answer)
        return answer.get("data", answer)

    async def exchange_code(self, app: UpstoxApp, code: str) -> AccessToken:
        """Trade the login redirect's `code` for the day's token, and store it owner-only."""
        _, path, _ = ROUTES["token"]
        answer = await self._send("POST", self.config.api_host + path,
                                  {"Accept": "application/json"}, data={
                                      "code": code, "client_id": app.api_key,
                                      "client_secret": app.api_secret,
                                      "redirect_uri": app.redirect_uri,
                                      "grant_type": "authorization_code"})
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise VenueError(VenueErrorKind.AUTH, "the token answer carried no access_token")
        token = AccessToken(str(answer["access_token"]), expiry_after(self._now()))
        save_token(self.config.token_path, token)
        self._token = token
        return token

    async def instruments(self) -> InstrumentTable:
        """Today's instrument master from the configured URL (no auth: a public file)."""
        timeout = aiohttp.ClientTimeout(total=max(self.config.request_timeout, 30.0))
        try:
            async with self.http().get(self.config.instruments_url, timeout=timeout) as resp:
                resp.raise_for_status()
                payload = await resp.read()
        except (TimeoutError, aiohttp.ClientError) as e:
            raise VenueError(VenueErrorKind.UNAVAILABLE,
                             f"instruments file: {type(e).__name__}") from None
        try:
            return parse_instruments_file(payload)
        except (ValueError, KeyError) as e:
            raise VenueError(VenueErrorKind.UNAVAILABLE, f"instruments file: {e}") from None

    def forget_token(self) -> None:
        """Drop the cached token so the next call reads the stored one again."""
        self._token = None

    async def close(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            await self._http.close()
        await asyncio.sleep(0)  # let aiohttp release its transports before the loop ends
