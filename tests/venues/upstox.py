"""The Upstox adapter against the local fake Upstox (`devtools/venues/upstox.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from adapters.brokers.upstox import UpstoxConfig, UpstoxVenue
from adapters.brokers.upstox.parsing import order_tag
from adapters.brokers.upstox.session import AccessToken, save_token
from devtools.venues.upstox import INSTRUMENTS_PATH, FakeUpstox, start
from domain.values import Leg
from tests.venues import Harness

STRATEGIES = {Leg.ENTRY: "ENTRY", Leg.TARGET: "TARGET", Leg.STOP: "STOPLOSS"}
FAR_FUTURE = AccessToken("", datetime(2100, 1, 1, tzinfo=UTC))


class UpstoxControls:
    """The contract's controls in Upstox's terms. Upstox GTTs carry no tag, so a desk id is
    turned into its GTT id through the adapter's journal, as an operator reading the
    desk's records would; `placed_count` counts every GTT the account holds, which can only
    overstate the per-id count a contract test (one desk id each) asks for."""

    def __init__(self, fake: FakeUpstox, venue: UpstoxVenue) -> None:
        self.upstox = fake
        self._venue = venue

    def _gtt(self, client_order_id: str) -> str:
        gtt_order_id = self._venue.journal.gtt_id(client_order_id)
        if not gtt_order_id:
            raise AssertionError(f"no GTT recorded for {client_order_id}")
        return gtt_order_id

    def fill(self, client_order_id: str, leg: Leg, price: Decimal) -> None:
        """Fill a leg of the desk order's GTT, or (OPERATOR) its open tagged sale."""
        if leg is Leg.OPERATOR:
            tag = order_tag(client_order_id)
            sale = next(o for o in self.upstox.orders.values() if o["tag"] == tag
                        and o["transaction_type"] == "SELL" and o["status"] == "open")
            self.upstox.fill_order(sale["order_id"], price)
            return
        self.upstox.fill_rule(self._gtt(client_order_id), STRATEGIES[leg], price)

    def cancel_at_venue(self, client_order_id: str) -> None:
        """Cancel the desk order's GTT at Upstox."""
        self.upstox.cancel_at_venue(self._gtt(client_order_id))

    def fail_next(self, status: int, times: int = 1) -> None:
        """Fail the next order requests."""
        self.upstox.fail_next(status, times)

    def expire_session(self) -> None:
        """Invalidate the token."""
        self.upstox.expire_session()

    def drop_updates_connection(self) -> None:
        """Close the portfolio stream from the server."""
        self.upstox.drop_updates_connection()

    def placed_count(self, client_order_id: str) -> int:
        """GTTs the account holds."""
        return self.upstox.bracket_count()


def fake_config(fake: FakeUpstox, state_dir: Path, **settings: object) -> UpstoxConfig:
    """Settings pointing both Upstox hosts and the instruments URL at the fake."""
    config = UpstoxConfig(api_host=fake.base_url, order_host=fake.base_url,
                          instruments_url=fake.base_url + INSTRUMENTS_PATH,
                          state_dir=state_dir, request_timeout=5.0,
                          reconnect_max_delay=0.2)
    return replace(config, **settings)  # type: ignore[arg-type]


@asynccontextmanager
async def open_fake(tmp_path: Path, *, log_in: bool = True,
                    **settings: object) -> AsyncIterator[tuple[FakeUpstox, UpstoxVenue]]:
    """A fake Upstox and an adapter pointed at it, logged in unless told otherwise."""
    fake, runner = await start()
    config = fake_config(fake, tmp_path / "upstox", **settings)
    if log_in:
        save_token(config.token_path, replace(FAR_FUTURE, value=fake.token))
    venue = UpstoxVenue(config)
    try:
        yield fake, venue
    finally:
        await venue.close()
        await runner.cleanup()


@asynccontextmanager
async def open_venue(tmp_path: Path) -> AsyncIterator[Harness]:
    """The contract suite's harness for Upstox."""
    async with open_fake(tmp_path) as (fake, venue):
        yield Harness(venue=venue, fake=UpstoxControls(fake, venue),
                      secrets=(fake.token, fake.api_secret))
