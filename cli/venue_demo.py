"""`desk demo --broker upstox-fake|kite-fake|ibkr-fake`: the sample day traded at a local
Upstox, Kite or IBKR gateway fake (started here on 127.0.0.1), through the real adapter,
the order router and reconciliation."""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from adapters.brokers.ibkr import IbkrConfig, IbkrVenue
from adapters.brokers.ibkr.orders import coid_for
from adapters.brokers.upstox import UpstoxConfig, UpstoxVenue
from adapters.brokers.upstox.session import AccessToken, save_token
from adapters.brokers.zerodha import KiteConfig, ZerodhaVenue
from adapters.brokers.zerodha.parsing import client_tag
from devtools.venues.ibkr import IbkrGateway
from devtools.venues.ibkr import start as start_ibkr
from devtools.venues.ibkr_app import ACCOUNT as IBKR_ACCOUNT
from devtools.venues.ibkr_exchange import IbkrExchange
from devtools.venues.kite_exchange import KiteExchange
from devtools.venues.upstox import INSTRUMENTS_PATH, start
from devtools.venues.upstox_exchange import UpstoxExchange
from devtools.venues.zerodha import KiteFake
from streams.bootstrap import Desk
from streams.demo import summary
from streams.ports import Clock
from streams.routing.demo import run_venue_demo
from streams.routing.reconcile import Reconciled

VENUE_DEMOS = ("upstox-fake", "kite-fake", "ibkr-fake")


def run_venue_fake_demo(broker: str, url: str, directory: Path, operator: str,
                        clock: Clock) -> dict[str, Any]:
    """The demo's end-of-day figures, traded at a fresh local fake of `broker`."""
    # Warnings go to stderr: stdout carries the end of day (as text or JSON).
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr),
                        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    return asyncio.run(_DEMOS[broker](url, directory, operator, clock))


def end_of_day(desk: Desk, last: Reconciled, broker: str, brackets: int) -> dict[str, Any]:
    """The demo's figures, the venue, and the day's last reconciliation; closes the store."""
    data = summary(desk.runtime.view)
    data["broker"] = broker
    data["reconciliation"] = {"imported": last.imported,
                              "differences": [d.__dict__ for d in last.differences],
                              "brackets_at_venue": brackets}
    desk.store.close()
    return data


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
            return end_of_day(desk, last, f"upstox fake at {fake.base_url}",
                              fake.bracket_count())
        finally:
            await venue.close()
            await runner.cleanup()


async def _ibkr_fake(url: str, directory: Path, operator: str,
                     clock: Clock) -> dict[str, Any]:
    gateway = IbkrGateway()
    runner, base_url = await start_ibkr(gateway)
    venue = IbkrVenue(IbkrConfig.from_env({"IBKR_ACCOUNT_ID": IBKR_ACCOUNT,
                                           "IBKR_BASE_URL": base_url}))
    try:
        desk, last = await run_venue_demo(url, directory, operator, clock, venue, IbkrExchange(
            gateway, lambda order_id: coid_for(order_id, venue.config.coid_max_length)))
        return end_of_day(desk, last, f"IBKR gateway fake at {base_url}",
                          sum(1 for o in gateway.book if not o.parent_coid and o.side == "BUY"))
    finally:
        await venue.close()
        await runner.cleanup()


async def _kite_fake(url: str, directory: Path, operator: str,
                     clock: Clock) -> dict[str, Any]:
    key, secret, token = (secrets.token_hex(8) for _ in range(3))  # the fake's own
    fake = KiteFake(api_key=key, api_secret=secret, access_token=token, tag_of=client_tag)
    runner = await fake.start("127.0.0.1", 0)
    venue = ZerodhaVenue(KiteConfig(api_key=key, api_secret=secret, access_token=token,
                                    api_url=fake.url, ticker_url=fake.ticker_url))
    try:
        desk, last = await run_venue_demo(url, directory, operator, clock, venue,
                                          KiteExchange(fake))
        return end_of_day(desk, last, f"Kite fake at {fake.url}", sum(
            1 for o in fake.orders.values() if o["tag"] and o["transaction_type"] == "BUY"))
    finally:
        await venue.close()
        await runner.cleanup()


_DEMOS = {"upstox-fake": _upstox_fake, "kite-fake": _kite_fake, "ibkr-fake": _ibkr_fake}
