"""How often an operator's close reads the broker's books: once each (Upstox: the GTT and
the order book; Kite: the order book), the same answer serving the look for a sale already
made and the cancel of the stop and target, counted at the local fakes; a retried close
still finds the sale and sells nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from adapters.brokers.upstox import UpstoxVenue
from devtools.venues.upstox import FakeUpstox
from domain.values import Leg
from domain.venue import CloseRequest
from tests.integration.test_broker_order_lookups import bracket
from tests.venues.upstox import open_fake
from tests.venues.zerodha import KiteHarness
from tests.venues.zerodha import open_venue as open_kite

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


def test_kite_close_when_the_entry_has_filled_then_the_book_is_read_once_and_one_sale_sent(
    tmp_path: Path,
) -> None:
    async def body(h: KiteHarness) -> None:
        await h.venue.place_bracket(bracket("order-close-1"))
        h.kite.fill("order-close-1", Leg.ENTRY, D("1500.00"))
        await h.venue.find("order-close-1")  # the book is read: the filled entry's exits
        while not h.kite.gtts:  # the adapter arms the exits GTT once it hears of the fill
            await asyncio.sleep(0.01)
        h.kite.requests.clear()

        ack = await h.venue.close_position(_close())

        assert ack.accepted
        assert h.kite.requests["GET /orders"] == 1
        assert h.kite.requests["POST /orders/regular"] == 1
        assert h.kite.placed_count("order-close-1") >= 1

    async def main() -> None:
        async with open_kite(tmp_path) as h:
            await asyncio.wait_for(body(h), 30)

    asyncio.run(main())
