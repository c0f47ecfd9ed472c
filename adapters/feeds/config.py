"""The live feeds a desk subscribes to, from a file an operator writes (YAML or JSON):

    feeds:
      - venue: upstox            # token: $UPSTOX_ACCESS_TOKEN (or $UPSTOX_ACCESS_TOKEN_FILE)
        mode: full               # ltpc | full
        instruments: {"NSE_EQ|INE002A01018": RELIANCE}
      - venue: kite              # $KITE_API_KEY and $KITE_ACCESS_TOKEN (or their _FILE)
        mode: quote              # ltp | quote | full
        instruments: {738561: RELIANCE}

`api_host` (Upstox) and `ws_url` (Kite) point a feed elsewhere (a local fake); secrets
never sit in this file. Each venue is a row of `VENUES`: adding a venue adds a row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from pydantic import TypeAdapter, ValidationError

from adapters.brokers.credentials import CredentialError, read_secret
from adapters.feeds.kite.feed import WS_URL, KiteFeed, KiteFeedConfig
from adapters.feeds.session import Clock, WebsocketFeed
from adapters.feeds.upstox.feed import API_HOST, UpstoxFeed, UpstoxFeedConfig
from domain.values import Symbol


class FeedConfigError(ValueError):
    """A feeds file that cannot be used; the message says what to fix."""


def _upstox(entry: Mapping[str, Any], env: Mapping[str, str], clock: Clock) -> WebsocketFeed:
    instruments = {str(k): str(v) for k, v in _instruments(entry).items()}
    config = UpstoxFeedConfig(instruments, str(entry.get("mode", "full")),
                              str(entry.get("api_host", API_HOST)))
    return UpstoxFeed(config, read_secret("UPSTOX_ACCESS_TOKEN", env), clock)


def _kite(entry: Mapping[str, Any], env: Mapping[str, str], clock: Clock) -> WebsocketFeed:
    try:
        instruments = {int(k): str(v) for k, v in _instruments(entry).items()}
    except ValueError:
        raise FeedConfigError("kite instruments are numeric instrument tokens") from None
    config = KiteFeedConfig(instruments, str(entry.get("mode", "full")),
                            str(entry.get("ws_url", WS_URL)))
    return KiteFeed(config, read_secret("KITE_API_KEY", env),
                    read_secret("KITE_ACCESS_TOKEN", env), clock)


VENUES: dict[str, Callable[[Mapping[str, Any], Mapping[str, str], Clock], WebsocketFeed]] = {
    "upstox": _upstox,
    "kite": _kite,
}


_SYMBOL: TypeAdapter[str] = TypeAdapter(Symbol)


def _instruments(entry: Mapping[str, Any]) -> Mapping[Any, Any]:
    instruments = entry.get("instruments")
    if not isinstance(instruments, Mapping) or not instruments:
        raise FeedConfigError("each feed needs instruments: a map of the venue's key or "
                              "token to the desk's symbol")
    for key, symbol in instruments.items():
        try:
            _SYMBOL.validate_python(symbol)
        except ValidationError:
            raise FeedConfigError(f"instrument {key}: {symbol!r} is not a desk symbol "
                                  "(NSE style: capitals, digits, & and -)") from None
    return instruments


def load_feeds(path: Path, env: Mapping[str, str], clock: Clock) -> list[WebsocketFeed]:
    """The feeds `path` configures, each subscribed to its instruments once started."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as e:
        raise FeedConfigError(f"{path}: cannot read it ({e.strerror})") from None
    except yaml.YAMLError:
        raise FeedConfigError(f"{path}: not valid YAML or JSON") from None
    entries = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise FeedConfigError(f"{path}: expected a list under 'feeds'")
    feeds = []
    for n, entry in enumerate(entries, start=1):
        venue = entry.get("venue") if isinstance(entry, dict) else None
        if venue not in VENUES:
            raise FeedConfigError(f"{path}: feed {n}: venue must be one of "
                                  f"{', '.join(VENUES)}, got {venue!r}")
        try:
            feed = VENUES[venue](entry, env, clock)
        except (CredentialError, ValueError) as e:
            raise FeedConfigError(f"{path}: feed {n} ({venue}): {e}") from None
        feed.keys = [str(k) for k in entry["instruments"]]
        feeds.append(feed)
    return feeds
