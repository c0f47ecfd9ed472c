"""The IBKR adapter pointed at the local fake Client Portal gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from adapters.brokers.ibkr import IbkrConfig, IbkrVenue
from devtools.venues.ibkr import IbkrGateway, start
from devtools.venues.ibkr_app import ACCOUNT
from tests.venues import Harness


@asynccontextmanager
async def open_venue(tmp_path: Path, **settings: Any) -> AsyncIterator[Harness]:
    """The fake gateway on 127.0.0.1 and the adapter configured for it (`settings`
    override the adapter's defaults, e.g. a short `request_timeout`)."""
    gateway = IbkrGateway()
    runner, url = await start(gateway)
    config = replace(IbkrConfig.from_env({"IBKR_ACCOUNT_ID": ACCOUNT, "IBKR_BASE_URL": url}),
                     **settings)
    try:
        yield Harness(venue=IbkrVenue(config), fake=gateway, secrets=(gateway.session,))
    finally:
        await runner.cleanup()
