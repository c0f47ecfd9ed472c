"""Upstox settings: where its hosts are, how the desk trades there, and its secrets.

Every URL is configuration, so pointing an account at the real Upstox (or at the local
fake) changes nothing but settings. Secrets come from `adapters.brokers.credentials`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from adapters.brokers.credentials import read_secret
from adapters.brokers.ratelimit import Window

API_HOST = "https://api.upstox.com"
ORDER_HOST = "https://api-hft.upstox.com"  # the SDK's `order_host`: place/modify/cancel
INSTRUMENTS_URL = "https://assets.upstox.com/market-quote/instruments/exchange/NSE.json.gz"

# Order APIs (place/modify/cancel/GTT) per user, for apps that are not registered algos.
ORDER_WINDOWS = (Window(10, 1.0), Window(500, 60.0), Window(2000, 1800.0))


@dataclass(frozen=True)
class UpstoxConfig:
    """How to reach Upstox and how to trade there; defaults are the real service."""

    api_host: str = API_HOST
    order_host: str = ORDER_HOST
    instruments_url: str = INSTRUMENTS_URL
    state_dir: Path = Path.home() / ".eventdesk" / "upstox"  # token and GTT journal
    algo_name: str = ""  # sent as X-Algo-Name when the app is an exchange-registered algo
    entry_protection_pct: Decimal = Decimal("0.5")  # a GTT entry is a LIMIT this far above
    request_timeout: float = 10.0
    reconnect_max_delay: float = 5.0
    order_windows: tuple[Window, ...] = field(default=ORDER_WINDOWS)

    @property
    def token_path(self) -> Path:
        """The owner-only file holding the day's access token and its expiry."""
        return self.state_dir / "token.json"

    @property
    def journal_path(self) -> Path:
        """The file tying the desk's order ids to the GTTs placed for them."""
        return self.state_dir / "gtt-journal.json"


@dataclass(frozen=True)
class UpstoxApp:
    """The Upstox app an account logs in through (Developer Apps: key, secret, redirect)."""

    api_key: str
    api_secret: str
    redirect_uri: str

    def __repr__(self) -> str:  # the secret never reaches a log line through repr
        return f"UpstoxApp(api_key={self.api_key!r}, redirect_uri={self.redirect_uri!r})"


def load_app(environ: Mapping[str, str] = os.environ) -> UpstoxApp:
    """The app's key, secret and redirect URI from `UPSTOX_API_KEY`, `UPSTOX_API_SECRET`
    (or their `_FILE` forms) and `UPSTOX_REDIRECT_URI`."""
    return UpstoxApp(
        api_key=read_secret("UPSTOX_API_KEY", environ),
        api_secret=read_secret("UPSTOX_API_SECRET", environ),
        redirect_uri=read_secret("UPSTOX_REDIRECT_URI", environ),
    )
