"""The async REST client for Kite Connect v3: its headers, form-encoded bodies, rate limits
(orders 10/s, 200/min, 3000/day; everything else 10/s), timeouts, and every failure as a
`VenueError` that names no secret (aiohttp's own messages can echo URLs and headers, so
only the exception's type is kept)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

import aiohttp

from adapters.brokers.ratelimit import RateLimiter, Window
from adapters.brokers.zerodha.auth import login_checksum
from adapters.brokers.zerodha.config import KITE_VERSION, KiteConfig
from adapters.brokers.zerodha.parsing import unwrap
from domain.venue import VenueError, VenueErrorKind

ORDER_WINDOWS = (Window(10, 1), Window(200, 60), Window(3000, 86400))
OTHER_WINDOWS = (Window(10, 1),)
FORM = "application/x-www-form-urlencoded"
# What `quote_plus` leaves as it is: a form value made only of these needs no quoting, and
# nearly every order field (NSE, INFY, BUY, 10, CNC, a desk tag) is one.
PLAIN = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def form_body(form: Mapping[str, str]) -> str:
    """`urlencode(form)`, quoting only the keys and values that need it: urlencode quotes
    every one, a Python call each (bench.orders --profile: a quarter of sending an order)."""
    return "&".join(f"{k if PLAIN(k) else quote_plus(k)}={v if PLAIN(v) else quote_plus(v)}"
                    for k, v in form.items())


class KiteClient:
    """One Kite Connect session's HTTP side."""

    def __init__(self, config: KiteConfig) -> None:
        self.config = config
        self.access_token = config.access_token
        self.order_limits = RateLimiter(*ORDER_WINDOWS)
        self.other_limits = RateLimiter(*OTHER_WINDOWS)
        self._session: aiohttp.ClientSession | None = None
        self.auth_refused = False  # Kite's last answer refused the token

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.config.timeout_seconds))
        return self._session

    def _headers(self) -> dict[str, str]:
        headers = {"X-Kite-Version": KITE_VERSION}
        if self.access_token:
            headers["Authorization"] = f"token {self.config.api_key}:{self.access_token}"
        return headers

    async def call(self, method: str, path: str, *, form: Mapping[str, str] | None = None,
                   order: bool = False) -> Any:
        """Send one request and return its envelope's `data`; `order` requests count
        against Kite's order limits."""
        status, text = await self._send(method, path, form=form, order=order)
        try:
            data = unwrap(status, text)
        except VenueError as e:
            self.auth_refused = e.kind is VenueErrorKind.AUTH
            raise
        self.auth_refused = False
        return data

    async def text(self, path: str) -> str:
        """A plain-text resource (the instruments CSV)."""
        status, text = await self._send("GET", path)
        if status >= 400:
            unwrap(status, text)  # raises the error its envelope means
        return text

    async def _send(self, method: str, path: str, *, form: Mapping[str, str] | None = None,
                    order: bool = False) -> tuple[int, str]:
        await (self.order_limits if order else self.other_limits).acquire()
        headers = self._headers()
        if form:  # encoded here: aiohttp's FormData costs more than the rest of the request
            headers["Content-Type"] = FORM
        try:
            async with self._http().request(method, self.config.api_url + path,
                                            data=form_body(form) if form else None,
                                            headers=headers) as response:
                return response.status, await response.text()
        except TimeoutError:
            raise VenueError(VenueErrorKind.TIMEOUT,
                             f"{method} {path} got no answer in {self.config.timeout_seconds:g}s"
                             ) from None
        except aiohttp.ClientError as e:
            raise VenueError(VenueErrorKind.UNAVAILABLE,
                             f"{method} {path} failed ({type(e).__name__})") from None

    async def exchange_request_token(self, request_token: str) -> str:
        """`POST /session/token`: trade the login's request token for the day's access token."""
        checksum = login_checksum(self.config.api_key, request_token, self.config.api_secret)
        data = await self.call("POST", "/session/token", form={
            "api_key": self.config.api_key, "request_token": request_token,
            "checksum": checksum})
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise VenueError(VenueErrorKind.AUTH, "Kite's session answer had no access token")
        self.access_token = token
        return token

    async def close(self) -> None:
        """Close the HTTP connections."""
        if self._session is not None:
            await self._session.close()

