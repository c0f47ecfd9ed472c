"""The day's Upstox access token: the OAuth pieces that obtain it, and its safe storage.

Upstox tokens come from a browser login (no headless refresh) and lapse every day at about
03:30 IST, so the token is stored with that expiry and refused once it has passed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlencode

from adapters.brokers.credentials import CredentialError, read_secret_file, write_secret_file
from adapters.brokers.upstox.config import UpstoxApp
from domain.session import IST

EXPIRES_AT = time(3, 30)  # IST, the next morning


@dataclass(frozen=True)
class AccessToken:
    """A day's token and when Upstox stops honouring it."""

    value: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"AccessToken(expires_at={self.expires_at.isoformat()})"


def expiry_after(issued_at: datetime) -> datetime:
    """When a token issued at `issued_at` lapses: the next 03:30 IST after it (UTC)."""
    local = issued_at.astimezone(IST)
    lapse = datetime.combine(local.date(), EXPIRES_AT, IST)
    if lapse <= local:
        lapse += timedelta(days=1)
    return lapse.astimezone(tz=issued_at.tzinfo)


def authorization_url(api_host: str, app: UpstoxApp, state: str = "") -> str:
    """The login page an operator opens; Upstox redirects back with `?code=`."""
    query = {"response_type": "code", "client_id": app.api_key, "redirect_uri": app.redirect_uri}
    if state:
        query["state"] = state
    return f"{api_host}/v2/login/authorization/dialog?{urlencode(query)}"


def save_token(path: Path, token: AccessToken) -> None:
    """Store the token owner-only, with its expiry beside it."""
    write_secret_file(path, json.dumps(
        {"access_token": token.value, "expires_at": token.expires_at.isoformat()}))


def load_token(path: Path) -> AccessToken:
    """The stored token, or a `CredentialError` saying why there is none usable."""
    raw = read_secret_file(path, "Upstox access token")
    try:
        stored = json.loads(raw)
        return AccessToken(str(stored["access_token"]),
                           datetime.fromisoformat(str(stored["expires_at"])))
    except (ValueError, KeyError, TypeError):
        raise CredentialError(f"Upstox access token: {path} is not a stored token; "
                              "log in again") from None
