"""An account's broker, as `desk broker add` recorded it, opened as a trading adapter: the
settings and credential references from the link, the session's token read from the
account's state directory (where `desk broker login` stored it). Nothing is called here:
a missing or expired token shows on the adapter's status and as an AUTH error on its
first call, never as a crash."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace

from adapters.brokers.credentials import read_secret_file
from adapters.brokers.ibkr import IbkrVenue
from adapters.brokers.logins import Link, ibkr_config, kite_config, upstox_config
from adapters.brokers.upstox import UpstoxVenue
from adapters.brokers.zerodha import ZerodhaVenue

AnyVenue = UpstoxVenue | ZerodhaVenue | IbkrVenue


def _upstox(link: Link, environ: Mapping[str, str]) -> AnyVenue:
    config = upstox_config(link)
    if "instruments_url" in link.settings:
        config = replace(config, instruments_url=link.settings["instruments_url"])
    return UpstoxVenue(config)


def _kite(link: Link, environ: Mapping[str, str]) -> AnyVenue:
    config = kite_config(link, environ)
    if not config.access_token and config.token_path and config.token_path.exists():
        token = read_secret_file(config.token_path, "Kite access token")
        config = replace(config, access_token=token)
    return ZerodhaVenue(config)


def _ibkr(link: Link, environ: Mapping[str, str]) -> AnyVenue:
    return IbkrVenue(ibkr_config(link))


# Broker -> how its adapter is opened from a link (paper needs none: it trades in-step).
OPENERS: dict[str, Callable[[Link, Mapping[str, str]], AnyVenue]] = {
    "upstox": _upstox, "zerodha": _kite, "ibkr": _ibkr}


def open_venue(link: Link, environ: Mapping[str, str] = os.environ) -> AnyVenue:
    """The adapter trading `link`'s account (raises `CredentialError` when a credential
    the link names cannot be read)."""
    return OPENERS[link.broker](link, environ)
