"""The Kite Connect adapter pointed at the local Kite fake (configuration only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from adapters.brokers.zerodha import KiteConfig, ZerodhaVenue
from adapters.brokers.zerodha.parsing import client_tag
from devtools.venues.zerodha import KiteFake
from tests.venues import Harness

API_KEY = "kitekey7f3a9c"
API_SECRET = "kitesecret5d81e2b4"
ACCESS_TOKEN = "kitetoken0c4be9a1d7"


@dataclass
class KiteHarness(Harness):
    """The contract's harness, with the fake's concrete type for Kite's own tests."""

    kite: KiteFake
    config: KiteConfig


@asynccontextmanager
async def open_venue(tmp_path: Path, *, timeout_seconds: float = 5.0) -> AsyncIterator[KiteHarness]:
    """The fake on a free 127.0.0.1 port and the adapter configured to use it."""
    fake = KiteFake(api_key=API_KEY, api_secret=API_SECRET, access_token=ACCESS_TOKEN,
                    tag_of=client_tag)
    runner = await fake.start("127.0.0.1", 0)
    config = KiteConfig(api_key=API_KEY, api_secret=API_SECRET, access_token=ACCESS_TOKEN,
                        api_url=fake.url, ticker_url=fake.ticker_url,
                        timeout_seconds=timeout_seconds, token_path=tmp_path / "kite.token")
    venue = ZerodhaVenue(config)
    try:
        yield KiteHarness(venue=venue, fake=fake, secrets=(API_KEY, API_SECRET, ACCESS_TOKEN),
                          kite=fake, config=config)
    finally:
        await venue.close()
        await runner.cleanup()
