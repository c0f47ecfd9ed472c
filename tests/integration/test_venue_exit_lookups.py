"""How often an operator's close reads the Upstox books: once each (the GTT and the order
book), the same answer serving the look for a sale already made and the cancel of the
stop and target, counted at the local fake; a retried close still finds the sale and sells
nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from adapters.brokers.upstox import UpstoxVenue
from devtools.venues.upstox import FakeUpstox
from domain.venue import CloseRequest
from tests.integration.test_broker_order_lookups import bracket
from tests.venues.upstox import open_fake

D = Decimal
BOOK, GTTS = "GET /v2/order/retrieve-all", "GET /v3/order/gtt"
SALE, GTT_CANCEL = "POST /v3/order/place", "DELETE /v3/order/gtt/cancel"


def _close() -> CloseRequest:
    return CloseRequest(
        client_order_id="order-close-1",
        symbol="INFY",
        isin="INE009A01021",
        quantity=10,
        intraday=False,
        reference_price=D("1500.00"),
    )


def _run(tmp_path: Path, body: Callable[[FakeUpstox, UpstoxVenue], Awaitable[None]]) -> None:
    async def main() -> None:
        async with open_fake(tmp_path) as (fake, venue):
            await asyncio.wait_for(body(fake, venue), 30)

    asyncio.run(main())


async def _filled_entry(fake: FakeUpstox, venue: UpstoxVenue) -> None:
    """The bracket placed at the fake with its entry filled; the request counts reset."""
    placed = await venue.place_bracket(bracket("order-close-1"))
    fake.fill_rule(placed.broker_order_id, "ENTRY", D("1500.00"))
    fake.requests.clear()


def test_upstox_close_when_the_entry_has_filled_then_each_book_is_read_once_and_one_sale_sent(
    tmp_path: Path,
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        await _filled_entry(fake, venue)

        ack = await venue.close_position(_close())

        assert ack.accepted
        assert fake.requests[BOOK] == 1 and fake.requests[GTTS] == 1
        assert fake.requests[GTT_CANCEL] == 1 and fake.requests[SALE] == 1

    _run(tmp_path, body)


def test_upstox_close_when_it_is_retried_then_the_sale_is_found_and_not_sent_again(
    tmp_path: Path,
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        await _filled_entry(fake, venue)
        first = await venue.close_position(_close())
        fake.requests.clear()

        again = await venue.close_position(_close())

        assert again.accepted and again.broker_order_id == first.broker_order_id
        assert fake.requests[SALE] == 0 and fake.requests[GTT_CANCEL] == 0
        assert fake.requests[BOOK] == 1 and fake.requests[GTTS] == 1

    _run(tmp_path, body)
