"""A local candle service for tests and demos: Upstox's `/v3/historical-candle/...` and Kite's
`/instruments/historical/...`, answering from a bars file (one-minute rows) in each venue's
documented JSON, after checking each venue's authorization header.

Upstox answers newest first with an open-interest column; Kite oldest first, its times
written `+0530`. A refused token gets each venue's error body with 401/403. Each venue's
range limit for one-minute candles is enforced as documented (Upstox: one month up to the
`to_date`; Kite: 60 days), with its error body and 400. A test can make the n-th request
fail (`fail_at`, 500) or be throttled (`throttle_at`, 429).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web


class FakeCandles:
    """Both venues' candle endpoints over the rows of `bars` (symbol,ts,open,...,volume)."""

    def __init__(self, bars: Path, upstox_keys: Mapping[str, str], kite_tokens: Mapping[str, str],
                 upstox_token: str, kite_auth: str) -> None:
        with bars.open(newline="") as f:
            self.rows = list(csv.DictReader(f))
        self.upstox_keys = dict(upstox_keys)  # instrument key -> symbol
        self.kite_tokens = dict(kite_tokens)  # instrument token -> symbol
        self.upstox_token = upstox_token
        self.kite_auth = kite_auth  # "api_key:access_token"
        self.requests: list[str] = []
        self.broken: set[str] = set()  # symbols whose first candle is sent malformed
        self.fail_at: set[int] = set()  # request numbers (1-based) answered 500
        self.throttle_at: set[int] = set()  # request numbers answered 429
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    def _candles(self, symbol: str, start: date, end: date) -> list[list[Any]]:
        out: list[list[Any]] = []
        for row in self.rows:
            at = datetime.fromisoformat(row["ts"])
            if row["symbol"] == symbol and start <= at.date() <= end:
                out.append([row["ts"], float(row["open"]), float(row["high"]),
                            float(row["low"]), float(row["close"]), int(row["volume"])])
        if symbol in self.broken and out:
            out[0] = [out[0][0], "n/a", *out[0][2:]]
        return out

    def _fault(self) -> web.Response | None:
        """The answer a test asked for at this request's number, if any."""
        n = len(self.requests)
        if n in self.throttle_at:
            return web.json_response({"status": "error", "message": "Too many requests"},
                                     status=429)
        if n in self.fail_at:
            return web.json_response({"status": "error", "message": "Internal error"},
                                     status=500)
        return None

    async def upstox(self, request: web.Request) -> web.Response:
        """GET /v3/historical-candle/{key}/{unit}/{n}/{to}/{from}."""
        self.requests.append(request.path_qs)
        if (fault := self._fault()) is not None:
            return fault
        if request.headers.get("Authorization") != f"Bearer {self.upstox_token}":
            return web.json_response({"status": "error", "errors": [
                {"errorCode": "UDAPI100050", "message": "Invalid token used to access API"}]},
                status=401)
        info = request.match_info
        symbol = self.upstox_keys.get(info["key"])
        if symbol is None or (info["unit"], info["n"]) != ("minutes", "1"):
            return web.json_response({"status": "error", "errors": [
                {"errorCode": "UDAPI1021", "message": "Instrument key or interval is invalid"}]},
                status=400)
        start, end = date.fromisoformat(info["from"]), date.fromisoformat(info["to"])
        if not _within_a_month(start, end):
            return web.json_response({"status": "error", "errors": [
                {"errorCode": "UDAPI1148", "message": "Invalid date range"}]}, status=400)
        candles = self._candles(symbol, start, end)
        return web.json_response({"status": "success", "data": {
            "candles": [[*c, 0] for c in reversed(candles)]}})

    async def kite(self, request: web.Request) -> web.Response:
        """GET /instruments/historical/{token}/{interval}?from=&to=."""
        self.requests.append(request.path_qs)
        if (fault := self._fault()) is not None:
            return fault
        if request.headers.get("Authorization") != f"token {self.kite_auth}" or \
                request.headers.get("X-Kite-Version") != "3":
            return web.json_response({"status": "error", "message": "Incorrect `api_key` or "
                                      "`access_token`.", "error_type": "TokenException"},
                                     status=403)
        info = request.match_info
        symbol = self.kite_tokens.get(info["token"])
        if symbol is None or info["interval"] != "minute":
            return web.json_response({"status": "error", "message": "invalid token or interval",
                                      "error_type": "InputException"}, status=400)
        start = datetime.fromisoformat(request.query.get("from", ""))
        end = datetime.fromisoformat(request.query.get("to", ""))
        if end - start > timedelta(days=60):
            return web.json_response({"status": "error", "message": "interval exceeds max "
                                      "limit: 60 days", "error_type": "InputException"},
                                     status=400)
        candles = [[c[0].replace("+05:30", "+0530"), *c[1:]]
                   for c in self._candles(symbol, start.date(), end.date())]
        return web.json_response({"status": "success", "data": {"candles": candles}})

    async def start(self) -> None:
        """Serve on 127.0.0.1, a port the OS picks."""
        app = web.Application()
        app.router.add_get("/v3/historical-candle/{key}/{unit}/{n}/{to}/{from}", self.upstox)
        app.router.add_get("/instruments/historical/{token}/{interval}", self.kite)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()


def _within_a_month(start: date, end: date) -> bool:
    """Whether `start` is after the same day of the month before `end` (Upstox's one-month
    range for minute candles)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return start <= end and (months == 0 or (months == 1 and start.day > end.day))
