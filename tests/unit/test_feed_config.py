"""The feeds file `desk run` reads: venues, instruments and limits, secrets from the
environment only, and reasons an operator can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.feeds.config import FeedConfigError, load_feeds
from adapters.feeds.kite.feed import KiteFeed
from adapters.feeds.upstox.feed import UpstoxFeed
from streams.bootstrap import wall_clock

ENV = {"UPSTOX_ACCESS_TOKEN": "u-token", "KITE_API_KEY": "k-key",
       "KITE_ACCESS_TOKEN": "k-token"}


def feeds_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text)
    return path


def test_load_feeds_when_both_venues_are_named_then_each_is_subscribed_to_its_keys(
    tmp_path: Path,
) -> None:
    path = feeds_file(tmp_path, """
feeds:
  - venue: upstox
    mode: ltpc
    instruments: {"NSE_EQ|INE002A01018": RELIANCE}
  - venue: kite
    instruments: {738561: RELIANCE, 2953217: TCS}
""")
    upstox, kite = load_feeds(path, ENV, wall_clock)

    assert isinstance(upstox, UpstoxFeed) and upstox.keys == ["NSE_EQ|INE002A01018"]
    assert isinstance(kite, KiteFeed) and kite.keys == ["738561", "2953217"]
    assert "u-token" not in repr(upstox) and "k-token" not in repr(kite)


@pytest.mark.parametrize(("text", "reason"), [
    ("feeds: []", "expected a list under 'feeds'"),
    ("feeds:\n  - venue: upstox\n", "each feed needs instruments"),
    ("feeds:\n  - venue: upstox\n    mode: depth\n    instruments: {A: TCS}\n",
     "mode: expected one of ltpc, full, got 'depth'"),
    ("feeds:\n  - venue: kite\n    instruments: {TCS: TCS}\n",
     "kite instruments are numeric instrument tokens"),
    ("feeds: [", "not valid YAML or JSON"),
    ("feeds:\n  - venue: upstox\n    instruments: {\"NSE_INDEX|Nifty 50\": NIFTY 50}\n",
     "'NIFTY 50' is not a desk symbol"),
])
def test_load_feeds_when_the_file_is_wrong_then_the_reason_names_the_fix(
    tmp_path: Path, text: str, reason: str,
) -> None:
    with pytest.raises(FeedConfigError, match=reason):
        load_feeds(feeds_file(tmp_path, text), ENV, wall_clock)


def test_load_feeds_when_a_token_is_not_in_the_environment_then_it_says_which(
    tmp_path: Path,
) -> None:
    path = feeds_file(tmp_path, "feeds:\n  - venue: kite\n    instruments: {1: TCS}\n")
    with pytest.raises(FeedConfigError, match="KITE_API_KEY is not set"):
        load_feeds(path, {}, wall_clock)


def test_load_feeds_when_more_keys_than_upstox_allows_then_refused_at_start(
    tmp_path: Path,
) -> None:
    keys = ", ".join(f'"NSE_EQ|K{i}": TCS' for i in range(2001))
    path = feeds_file(tmp_path, f"feeds:\n  - venue: upstox\n    instruments: {{{keys}}}\n")
    with pytest.raises(FeedConfigError, match="2001 instruments exceed Upstox's 2000"):
        load_feeds(path, ENV, wall_clock)
