"""When the Upstox and Kite adapters ask the broker's books before placing: only for a desk
order id their owner-only journal says may have been sent before (a retry, a timeout, a
restart), never for a fresh one, so a desk order costs one request however long the day."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from adapters.brokers.upstox import UpstoxVenue
from adapters.brokers.zerodha import ZerodhaVenue
from devtools.venues.upstox import FakeUpstox
from domain.venue import BracketRequest
from tests.venues.upstox import open_fake
from tests.venues.zerodha import KiteHarness, open_venue

D = Decimal
UPSTOX_LOOKUPS = ("GET /v2/order/retrieve-all", "GET /v3/order/gtt")


def bracket(client_order_id: str) -> BracketRequest:
    return BracketRequest(
        client_order_id=client_order_id,
        symbol="INFY",
        isin="INE009A01021",
        quantity=10,
        stop=D("1450.00"),
        target=D("1560.00"),
        intraday=False,
        reference_price=D("1500.00"),
    )


def run_upstox(tmp_path: Path, body: Callable[[FakeUpstox, UpstoxVenue], Awaitable[None]]) -> None:
    async def main() -> None:
        async with open_fake(tmp_path) as (fake, venue):
            await asyncio.wait_for(body(fake, venue), 30)

    asyncio.run(main())


def run_kite(tmp_path: Path, body: Callable[[KiteHarness], Awaitable[None]]) -> None:
    async def main() -> None:
        async with open_venue(tmp_path) as h:
            await asyncio.wait_for(body(h), 30)

    asyncio.run(main())


def test_upstox_place_when_the_ids_are_fresh_then_each_is_one_gtt_and_no_book_is_read(
    tmp_path: Path,
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        acks = [await venue.place_bracket(bracket(f"order-fresh-{n}")) for n in range(5)]

        assert all(a.accepted for a in acks) and len(fake.gtts) == 5
        assert fake.requests["POST /v3/order/gtt/place"] == 5
        assert not any(fake.requests[r] for r in UPSTOX_LOOKUPS)

    run_upstox(tmp_path, body)


def test_upstox_place_when_an_id_is_sent_again_then_upstox_is_asked_and_no_second_gtt(
    tmp_path: Path,
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        first = await venue.place_bracket(bracket("order-again-1"))

        again = await venue.place_bracket(bracket("order-again-1"))

        assert again.broker_order_id == first.broker_order_id and len(fake.gtts) == 1
        assert fake.requests["POST /v3/order/gtt/place"] == 1
        assert fake.requests["GET /v3/order/gtt"] >= 1

    run_upstox(tmp_path, body)


def test_upstox_restart_when_the_journal_names_an_id_then_the_retry_places_nothing(
    tmp_path: Path,
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        first = await venue.place_bracket(bracket("order-restart-1"))
        await venue.close()

        restarted = UpstoxVenue(venue.config)
        try:
            again = await restarted.place_bracket(bracket("order-restart-1"))
            fresh = await restarted.place_bracket(bracket("order-restart-2"))
        finally:
            await restarted.close()

        assert again.broker_order_id == first.broker_order_id and fresh.accepted
        assert fake.requests["POST /v3/order/gtt/place"] == 2 and len(fake.gtts) == 2

    run_upstox(tmp_path, body)


def test_kite_place_when_the_ids_are_fresh_then_each_is_one_entry_and_no_book_is_read(
    tmp_path: Path,
) -> None:
    async def body(h: KiteHarness) -> None:
        await h.venue.place_bracket(bracket("order-fresh-0"))
        while not h.kite.requests["GET /orders"]:  # the ticker reads the book as it connects
            await asyncio.sleep(0.01)

        acks = [await h.venue.place_bracket(bracket(f"order-fresh-{n}")) for n in range(1, 6)]

        assert all(a.accepted for a in acks) and len(h.kite.orders) == 6
        assert h.kite.requests["POST /orders/regular"] == 6
        assert h.kite.requests["GET /orders"] == 1

    run_kite(tmp_path, body)


def test_kite_restart_when_the_journal_names_an_id_then_kite_is_asked_and_one_entry(
    tmp_path: Path,
) -> None:
    async def body(h: KiteHarness) -> None:
        first = await h.venue.place_bracket(bracket("order-restart-1"))
        await h.venue.close()

        restarted = ZerodhaVenue(h.config)
        try:
            again = await restarted.place_bracket(bracket("order-restart-1"))
        finally:
            await restarted.close()

        assert again.broker_order_id == first.broker_order_id
        assert h.kite.placed_count("order-restart-1") == 1
        assert h.kite.requests["GET /orders"] >= 1

    run_kite(tmp_path, body)


def test_kite_place_when_no_journal_file_is_configured_then_every_id_is_looked_up_first(
    tmp_path: Path,
) -> None:
    async def body(h: KiteHarness) -> None:
        await h.venue.close()
        unjournalled = ZerodhaVenue(replace(h.config, token_path=None, intents_path=None))
        try:
            acks = [
                await unjournalled.place_bracket(bracket(f"order-nojournal-{n}")) for n in range(3)
            ]
        finally:
            await unjournalled.close()

        # one book read per order (the ticker may add one more as it connects)
        assert all(a.accepted for a in acks) and h.kite.requests["GET /orders"] >= 3

    run_kite(tmp_path, body)
