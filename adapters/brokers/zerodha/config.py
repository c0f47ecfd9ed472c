"""Kite Connect settings and secrets. Base URLs are configuration, so pointing the adapter
at the real service or at a local fake changes nothing else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from adapters.brokers.credentials import read_secret, read_secret_file

API_URL = "https://api.kite.trade"
TICKER_URL = "wss://ws.kite.trade"
LOGIN_URL = "https://kite.zerodha.com/connect/login"
KITE_VERSION = "3"


@dataclass(frozen=True)
class KiteConfig:
    """One Kite Connect app and account session. `repr` hides the secrets."""

    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)
    access_token: str = field(default="", repr=False)
    api_url: str = API_URL
    ticker_url: str = TICKER_URL
    exchange: str = "NSE"
    # Kite refuses a market order without protection since April 2026; -1 lets Kite choose.
    market_protection: Decimal = Decimal("-1")
    # A GTT leg is a LIMIT order: the stop's limit sits this fraction below its trigger.
    stop_limit_slippage: Decimal = Decimal("0.005")
    timeout_seconds: float = 10.0
    reconnect_seconds: float = 0.2
    token_path: Path | None = None
    # The owner-only journal of entries about to be sent (see adapters/brokers/intents.py);
    # by default beside the token file. Without either, every entry is looked up first.
    intents_path: Path | None = None

    @property
    def journal_path(self) -> Path | None:
        """Where the adapter notes each entry before sending it (None: nowhere)."""
        if self.intents_path is not None or self.token_path is None:
            return self.intents_path
        return self.token_path.with_name(self.token_path.name + ".intents")

    def login_url(self) -> str:
        """Where the account holder logs in; Kite redirects back with a request token."""
        return f"{LOGIN_URL}?{urlencode({'v': KITE_VERSION, 'api_key': self.api_key})}"


def load_config(environ: Mapping[str, str] = os.environ, **overrides: object) -> KiteConfig:
    """Settings from `KITE_API_KEY`, `KITE_API_SECRET` and the day's token (`KITE_ACCESS_TOKEN`,
    or the owner-only file `KITE_ACCESS_TOKEN_FILE` that `ZerodhaVenue.login` writes)."""
    token = environ.get("KITE_ACCESS_TOKEN", "").strip()
    token_file = environ.get("KITE_ACCESS_TOKEN_FILE", "").strip()
    token_path = Path(token_file) if token_file else None
    if not token and token_path is not None and token_path.exists():
        token = read_secret_file(token_path, "KITE_ACCESS_TOKEN")
    settings: dict[str, object] = {
        "api_key": read_secret("KITE_API_KEY", environ),
        "api_secret": read_secret("KITE_API_SECRET", environ),
        "access_token": token, "token_path": token_path,
        "intents_path": Path(p) if (p := environ.get("KITE_INTENTS_FILE", "").strip()) else None,
        "api_url": environ.get("KITE_API_URL", API_URL),
        "ticker_url": environ.get("KITE_TICKER_URL", TICKER_URL),
    }
    settings.update(overrides)
    return KiteConfig(**settings)  # type: ignore[arg-type]
