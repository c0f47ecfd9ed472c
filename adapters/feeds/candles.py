"""Historical candles from the brokers' endpoints, for `desk ingest candles`:

- Upstox: `GET {api_host}/v3/historical-candle/{instrument_key}/{unit}/{n}/{to}/{from}`
  (unit minutes | hours | days; dates yyyy-mm-dd; `Authorization: Bearer <token>`);
- Kite: `GET {api_url}/instruments/historical/{instrument_token}/{interval}?from=&to=`
  (interval minute | 3minute | ... | 60minute | day; `yyyy-mm-dd hh:mm:ss`;
  `Authorization: token <api_key>:<access_token>`, `X-Kite-Version: 3`).

Both answer `{"status": "success", "data": {"candles": [[ts, open, high, low, close,
volume, oi?], ...]}}`. `candle_rows` turns such a body into the bar file's rows (symbol, ts,
open, high, low, close, volume), so each candle passes the same validator as a file's row.
The instruments and hosts come from the feeds file `desk run` reads (`api_host` for Upstox,
`api_url` for Kite); the secrets from the environment, as for the feeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx

from adapters.brokers.credentials import read_secret

UPSTOX_API = "https://api.upstox.com"
KITE_API = "https://api.kite.trade"

# our interval -> Upstox (unit, count); Kite's interval name
UPSTOX_INTERVALS = {"1m": ("minutes", 1), "3m": ("minutes", 3), "5m": ("minutes", 5),
                    "10m": ("minutes", 10), "15m": ("minutes", 15), "30m": ("minutes", 30),
                    "1h": ("hours", 1), "1d": ("days", 1)}
KITE_INTERVALS = {"1m": "minute", "3m": "3minute", "5m": "5minute", "10m": "10minute",
                  "15m": "15minute", "30m": "30minute", "1h": "60minute", "1d": "day"}


class CandleError(ValueError):
    """The venue refused the request, or its answer is not a candle list; says why."""


class CandleThrottled(CandleError):
    """The venue answered 429: too many requests; the same request may be sent again later."""


def candle_rows(body: Any, symbol: str, daily: bool = False) -> list[list[str]]:
    """The bar-file rows of a candle answer (a daily candle's ts cut to its date, as a
    file's daily bar); `CandleError` when it is not a candle answer."""
    data = body.get("data") if isinstance(body, dict) else None
    candles = data.get("candles") if isinstance(data, dict) else None
    if not isinstance(body, dict) or body.get("status") != "success" or \
            not isinstance(candles, list):
        raise CandleError(f"{symbol}: not a candle list: {_error_text(body)}")
    rows = []
    for candle in candles:
        if not isinstance(candle, list) or len(candle) < 6:
            rows.append([symbol, str(candle)[:60], "", "", "", "", ""])  # the validator says why
            continue
        ts, *values = candle[:6]
        rows.append([symbol, str(ts)[:10] if daily else str(ts),
                     *("" if v is None else str(v) for v in values)])
    return sorted(rows, key=lambda r: r[1])  # Upstox sends the newest first


def _error_text(body: Any) -> str:
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            return str(first.get("message") or first.get("errorCode") or first)
        if "message" in body:
            return str(body["message"])
    return "unexpected answer"


@dataclass(frozen=True)
class CandleSource:
    """One venue's candle endpoint and the instruments (venue key -> symbol) to fetch."""

    venue: str
    base_url: str
    instruments: Mapping[str, str]
    headers: Mapping[str, str]

    def url(self, key: str, interval: str, start: date, end: date) -> tuple[str, dict[str, str]]:
        """The request for `key`'s candles of `interval` from `start` to `end` (inclusive)."""
        if self.venue == "upstox":
            unit, count = UPSTOX_INTERVALS[interval]
            return (f"{self.base_url}/v3/historical-candle/{quote(key, safe='')}/{unit}/"
                    f"{count}/{end.isoformat()}/{start.isoformat()}", {})
        return (f"{self.base_url}/instruments/historical/{key}/{KITE_INTERVALS[interval]}",
                {"from": f"{start.isoformat()} 00:00:00", "to": f"{end.isoformat()} 23:59:59"})

    async def fetch_one(self, http: httpx.AsyncClient, key: str, interval: str, start: date,
                        end: date) -> list[list[str]]:
        """One instrument's rows from `start` to `end` in one request; `CandleThrottled` on
        429, `CandleError` naming the instrument on any other refusal."""
        symbol = self.instruments[key]
        url, params = self.url(key, interval, start, end)
        try:
            response = await http.get(url, params=params, headers=dict(self.headers))
            body = response.json()
        except (httpx.HTTPError, ValueError) as e:
            raise CandleError(f"{self.venue} {symbol}: {type(e).__name__}") from None
        if response.status_code == 429:
            raise CandleThrottled(f"{self.venue} {symbol}: HTTP 429: {_error_text(body)}")
        if response.status_code != 200:
            raise CandleError(f"{self.venue} {symbol}: HTTP {response.status_code}: "
                              f"{_error_text(body)}")
        return candle_rows(body, symbol, daily=interval == "1d")


def candle_sources(feeds: list[Any], env: Mapping[str, str]) -> list[CandleSource]:
    """A source per entry of a feeds file's `feeds` list (validated by `load_feeds`)."""
    sources = []
    for entry in feeds:
        instruments = {str(k): str(v) for k, v in entry["instruments"].items()}
        if entry["venue"] == "upstox":
            token = read_secret("UPSTOX_ACCESS_TOKEN", env)
            sources.append(CandleSource("upstox", str(entry.get("api_host", UPSTOX_API)),
                                        instruments, {"Authorization": f"Bearer {token}",
                                                      "Accept": "application/json"}))
        else:
            auth = f"token {read_secret('KITE_API_KEY', env)}:" \
                   f"{read_secret('KITE_ACCESS_TOKEN', env)}"
            sources.append(CandleSource("kite", str(entry.get("api_url", KITE_API)),
                                        instruments, {"Authorization": auth,
                                                      "X-Kite-Version": "3"}))
    return sources
