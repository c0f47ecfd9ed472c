"""Logging an account in at its broker, and its session as an operator sees it offline.

- Upstox: the operator opens the authorization URL, logs in, and pastes the `code` from
  the redirect; it is exchanged at the token endpoint and the token stored owner-only
  with its expiry (03:30 IST the next morning).
- Kite: the operator opens the login URL and pastes the `request_token` from the redirect;
  it is exchanged with its SHA-256 checksum and the access token stored owner-only.
- IBKR: the Client Portal gateway holds the login (done in a browser at the gateway); the
  desk checks the brokerage session (`/iserver/auth/status`, `ssodh/init`, `/tickle`).
- Paper: nothing to log in to.

Pasted codes are read from the terminal, never from argv; nothing secret is printed.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from adapters.brokers.credentials import CredentialError
from adapters.brokers.ibkr import IbkrConfig
from adapters.brokers.ibkr.client import IbkrClient
from adapters.brokers.links import environ_for, state_dir
from adapters.brokers.ratelimit import Window
from adapters.brokers.upstox import UpstoxConfig, load_app
from adapters.brokers.upstox.client import UpstoxClient
from adapters.brokers.upstox.config import ORDER_WINDOWS as UPSTOX_WINDOWS
from adapters.brokers.upstox.session import authorization_url, load_token
from adapters.brokers.zerodha import KiteConfig, ZerodhaVenue
from adapters.brokers.zerodha.client import ORDER_WINDOWS as KITE_WINDOWS
from adapters.brokers.zerodha.config import load_config as load_kite
from adapters.brokers.zerodha.execution import token_expiry

Ask = Callable[[str], str]  # a prompt shown to the operator -> what they typed
Say = Callable[[str], None]


@dataclass(frozen=True)
class Link:
    """An account's broker as `desk broker add` recorded it."""

    account_id: str
    broker: str
    credentials: Mapping[str, str]
    settings: Mapping[str, str]
    home: Path | None = None  # where ~/.eventdesk lives (tests point it elsewhere)

    @property
    def state_dir(self) -> Path:
        return state_dir(self.account_id, self.settings, self.home)


def upstox_config(link: Link) -> UpstoxConfig:
    """The Upstox adapter's settings for this account (real hosts unless set)."""
    config = UpstoxConfig(state_dir=link.state_dir / "upstox")
    hosts = {k: link.settings[k] for k in ("api_host", "order_host", "algo_name")
             if k in link.settings}
    return replace(config, **hosts)  # type: ignore[arg-type]


def kite_config(link: Link, environ: Mapping[str, str] = os.environ) -> KiteConfig:
    """The Kite adapter's settings for this account, its token kept in the state dir."""
    env = environ_for(link.credentials, environ)
    overrides: dict[str, object] = {"token_path": link.state_dir / "kite.token"}
    overrides.update({k: link.settings[k] for k in ("api_url", "ticker_url")
                      if k in link.settings})
    return load_kite(env, **overrides)


def ibkr_config(link: Link) -> IbkrConfig:
    """The IBKR adapter's settings: the gateway's URL and the IBKR account id."""
    env = {"IBKR_ACCOUNT_ID": link.settings.get("account_id", "")}
    if "base_url" in link.settings:
        env["IBKR_BASE_URL"] = link.settings["base_url"]
    return IbkrConfig.from_env(env)


async def _upstox(link: Link, ask: Ask, say: Say, environ: Mapping[str, str]) -> str:
    config = upstox_config(link)
    app = load_app(environ_for(link.credentials, environ))
    say(f"Open this URL, log in, and copy the code from the page it sends you to:\n"
        f"  {authorization_url(config.api_host, app, state=link.account_id)}")
    code = ask("code: ").strip()
    client = UpstoxClient(config)
    try:
        token = await client.exchange_code(app, code)
    finally:
        await client.close()
    return f"Upstox token stored (owner-only); it expires {token.expires_at.isoformat()}"


async def _kite(link: Link, ask: Ask, say: Say, environ: Mapping[str, str]) -> str:
    config = kite_config(link, environ)
    say(f"Open this URL, log in, and copy request_token from the page it sends you to:\n"
        f"  {config.login_url()}")
    request_token = ask("request_token: ").strip()
    venue = ZerodhaVenue(config)
    try:
        await venue.login(request_token)
    finally:
        await venue.close()
    expires = token_expiry(datetime.now().astimezone())
    return f"Kite access token stored (owner-only); it expires {expires.isoformat()}"


async def _ibkr(link: Link, ask: Ask, say: Say, environ: Mapping[str, str]) -> str:
    config = ibkr_config(link)
    say(f"Checking the brokerage session at the Client Portal gateway {config.base_url} "
        "(log in there in a browser first)")
    client = IbkrClient(config)
    try:
        await client.ensure_session()
        expires = client.sso_expires_at
    finally:
        await client.close()
    return "IBKR gateway session: authenticated" + (
        f"; it lapses {expires.isoformat()}" if expires else "")


async def _paper(link: Link, ask: Ask, say: Say, environ: Mapping[str, str]) -> str:
    return "the paper broker needs no login"


LOGINS: dict[str, Callable[[Link, Ask, Say, Mapping[str, str]], Awaitable[str]]] = {
    "upstox": _upstox, "zerodha": _kite, "ibkr": _ibkr, "paper": _paper}


async def log_in(link: Link, ask: Ask, say: Say,
                 environ: Mapping[str, str] = os.environ) -> str:
    """Log the account in at its broker; a line saying what was stored or checked."""
    return await LOGINS[link.broker](link, ask, say, environ)


@dataclass(frozen=True)
class Session:
    """What can be said of a session without calling the broker."""

    token_expires_at: datetime | None
    detail: str
    rate_windows: tuple[Window, ...]


def offline_session(link: Link, now: datetime) -> Session:
    """The stored token's expiry and state, and the order rate windows the adapter keeps."""
    if link.broker == "upstox":
        try:
            token = load_token(upstox_config(link).token_path)
        except CredentialError as e:
            return Session(None, f"no usable token ({e}): desk broker login "
                           f"{link.account_id}", UPSTOX_WINDOWS)
        state = "expired: log in again" if token.expires_at <= now else "token valid"
        return Session(token.expires_at, state, UPSTOX_WINDOWS)
    if link.broker == "zerodha":
        path = link.state_dir / "kite.token"
        if not path.exists():
            return Session(None, f"no token: desk broker login {link.account_id}",
                           KITE_WINDOWS)
        expires = token_expiry(datetime.fromtimestamp(path.stat().st_mtime).astimezone())
        state = "expired: log in again" if expires <= now else "token valid"
        return Session(expires, state, KITE_WINDOWS)
    if link.broker == "ibkr":
        config = ibkr_config(link)
        return Session(None, f"gateway {config.base_url} holds the session (desk broker "
                       f"login {link.account_id} checks it)", config.windows)
    return Session(None, "paper: always connected", ())
