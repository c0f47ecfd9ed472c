"""`desk demo --broker upstox-fake`: the sample day traded at a local Upstox fake (started
here on 127.0.0.1), through the real Upstox adapter, the order router and reconciliation."""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from adapters.brokers.upstox import UpstoxConfig, UpstoxVenue
from adapters.brokers.upstox.session import AccessToken, save_token
from devtools.venues.upstox import INSTRUMENTS_PATH, start
from devtools.venues.upstox_exchange import UpstoxExchange
from streams.demo import summary
from streams.ports import Clock
from streams.routing.demo import run_venue_demo

VENUE_DEMOS = ("upstox-fake",)


def run_upstox_fake_demo(url: str, directory: Path, operator: str,
                         clock: Clock) -> dict[str, Any]:
    """The demo's end-of-day figures, traded at a fresh local Upstox fake."""
    # Warnings go to stderr: stdout carries the end of day (as text or JSON).
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr),
                        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    return asyncio.run(_upstox_fake(url, directory, operator, clock))


async def _upstox_fake(url: str, directory: Path, operator: str,
                       clock: Clock) -> dict[str, Any]:
    fake, runner = await start()
    with tempfile.TemporaryDirectory(prefix="eventdesk-upstox-") as state:
        config = UpstoxConfig(api_host=fake.base_url, order_host=fake.base_url,
                              instruments_url=fake.base_url + INSTRUMENTS_PATH,
                              state_dir=Path(state), reconnect_max_delay=0.2)
        save_token(config.token_path, AccessToken(fake.token, datetime(2100, 1, 1, tzinfo=UTC)))
        venue = UpstoxVenue(config)
        try:
            desk, last = await run_venue_demo(url, directory, operator, clock, venue,
                                              UpstoxExchange(fake, venue.journal))
            data = summary(desk.runtime.view)
            data["broker"] = f"upstox fake at {fake.base_url}"
            data["reconciliation"] = {"imported": last.imported,
                                      "differences": [d.__dict__ for d in last.differences],
                                      "brackets_at_venue": fake.bracket_count()}
            desk.store.close()
            return data
        finally:
            await venue.close()
            await runner.cleanup()
