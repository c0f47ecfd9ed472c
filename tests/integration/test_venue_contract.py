"""The contract every real venue adapter keeps, run against each adapter pointed at its
local fake (which speaks the venue's documented wire format on 127.0.0.1).

A venue joins by adding its harness module to `tests/venues/` and its name to `VENUES`.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from pathlib import Path

import pytest

from domain.values import Leg
from domain.venue import BracketRequest, VenueError, VenueErrorKind, VenueOrderStatus, VenueUpdate
from tests.venues import Harness

# Named, not discovered: a harness that goes missing fails the suite instead of skipping it.
VENUES = ("upstox", "zerodha", "ibkr")

D = Decimal


def bracket(client_order_id: str = "order-acc-1-sig-1", quantity: int = 10) -> BracketRequest:
    return BracketRequest(
        client_order_id=client_order_id, symbol="INFY", isin="INE009A01021",
        quantity=quantity, stop=D("1450.00"), target=D("1560.00"), intraday=False,
        reference_price=D("1500.00"),
    )


def run(venue_name: str, tmp_path: Path, body: Callable[[Harness], Awaitable[None]]) -> None:
    module = importlib.import_module(f"tests.venues.{venue_name}")
    opener: Callable[[Path], AbstractAsyncContextManager[Harness]] = module.open_venue

    async def main() -> None:
        async with opener(tmp_path) as harness:
            try:
                await asyncio.wait_for(body(harness), 30)
            finally:
                await harness.venue.close()

    asyncio.run(main())


async def next_update(updates: AsyncIterator[VenueUpdate],
                      wanted: Callable[[VenueUpdate], bool]) -> VenueUpdate:
    async for update in updates:
        if wanted(update):
            return update
    raise AssertionError("the update stream ended")


@pytest.fixture(params=VENUES)
def venue_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_place_when_accepted_then_the_venue_holds_it_under_the_desk_id(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        ack = await h.venue.place_bracket(bracket())
        found = await h.venue.find("order-acc-1-sig-1")

        assert ack.accepted, ack.reason
        assert ack.broker_order_id
        entries = [o for o in found if o.leg is Leg.ENTRY]
        assert len(entries) == 1 and entries[0].quantity == 10
        assert entries[0].status not in (VenueOrderStatus.REJECTED, VenueOrderStatus.CANCELLED)
        assert any(o.client_order_id == "order-acc-1-sig-1" for o in await h.venue.orders())

    run(venue_name, tmp_path, body)


def test_find_when_never_placed_then_nothing(venue_name: str, tmp_path: Path) -> None:
    async def body(h: Harness) -> None:
        assert await h.venue.find("order-never-placed") == []

    run(venue_name, tmp_path, body)


def test_place_when_the_same_desk_id_is_sent_twice_then_one_bracket_exists(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        await h.venue.place_bracket(bracket())
        await h.venue.place_bracket(bracket())

        assert h.fake.placed_count("order-acc-1-sig-1") == 1

    run(venue_name, tmp_path, body)


def test_fill_when_the_entry_fills_then_the_update_trade_and_position_agree(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        updates = h.venue.updates()
        await h.venue.place_bracket(bracket())

        h.fake.fill("order-acc-1-sig-1", Leg.ENTRY, D("1500.50"))
        update = await next_update(updates, lambda u: u.trade is not None)

        assert update.order.leg is Leg.ENTRY and update.order.client_order_id == "order-acc-1-sig-1"
        assert update.trade is not None and update.trade.price == D("1500.50")
        assert update.trade.quantity == 10 and update.trade.trade_id
        trades = await h.venue.trades()
        assert [t.trade_id for t in trades] == [update.trade.trade_id]
        held = {p.symbol: p.quantity for p in await h.venue.positions()}
        assert held.get("INFY") == 10

    run(venue_name, tmp_path, body)


def test_exit_when_the_stop_fills_then_the_target_is_cancelled(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        await h.venue.place_bracket(bracket())
        h.fake.fill("order-acc-1-sig-1", Leg.ENTRY, D("1500.00"))
        await _until(lambda: _has(h, Leg.STOP))

        h.fake.fill("order-acc-1-sig-1", Leg.STOP, D("1449.00"))

        async def settled() -> bool:
            legs = {o.leg: o.status for o in await h.venue.find("order-acc-1-sig-1")}
            return (legs.get(Leg.STOP) is VenueOrderStatus.FILLED
                    and legs.get(Leg.TARGET) in (None, VenueOrderStatus.CANCELLED))
        await _until(settled)

    run(venue_name, tmp_path, body)


def test_cancel_when_the_entry_is_working_then_it_ends_cancelled(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        await h.venue.place_bracket(bracket())

        ack = await h.venue.cancel("order-acc-1-sig-1")

        assert ack.accepted, ack.reason
        entry = next(o for o in await h.venue.find("order-acc-1-sig-1") if o.leg is Leg.ENTRY)
        assert entry.status is VenueOrderStatus.CANCELLED

    run(venue_name, tmp_path, body)


def test_rate_limit_when_the_venue_answers_429_then_the_error_says_so_or_a_retry_succeeds(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        h.fake.fail_next(429)
        try:
            ack = await h.venue.place_bracket(bracket())
        except VenueError as e:
            assert e.kind is VenueErrorKind.RATE_LIMITED
            assert h.fake.placed_count("order-acc-1-sig-1") == 0
        else:
            assert ack.accepted and h.fake.placed_count("order-acc-1-sig-1") == 1

    run(venue_name, tmp_path, body)


def test_session_when_it_has_expired_then_an_auth_error_without_secrets(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        h.fake.expire_session()

        with pytest.raises(VenueError) as refused:
            await h.venue.place_bracket(bracket())

        assert refused.value.kind is VenueErrorKind.AUTH
        shown = f"{refused.value} {h.venue.status()}"
        assert not any(secret in shown for secret in h.secrets)

    run(venue_name, tmp_path, body)


def test_updates_when_the_connection_drops_then_later_fills_still_arrive(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        updates = h.venue.updates()
        await h.venue.place_bracket(bracket())
        await asyncio.sleep(0.2)

        h.fake.drop_updates_connection()
        await asyncio.sleep(0.5)
        h.fake.fill("order-acc-1-sig-1", Leg.ENTRY, D("1500.00"))
        update = await next_update(updates, lambda u: u.trade is not None)

        assert update.order.client_order_id == "order-acc-1-sig-1"

    run(venue_name, tmp_path, body)


def test_funds_when_asked_then_rupees_as_decimals(venue_name: str, tmp_path: Path) -> None:
    async def body(h: Harness) -> None:
        funds = await h.venue.funds()

        assert isinstance(funds.available, Decimal) and funds.available >= 0

    run(venue_name, tmp_path, body)


async def _has(h: Harness, leg: Leg) -> bool:
    return any(o.leg is leg for o in await h.venue.find("order-acc-1-sig-1"))


async def _until(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the venue never got there")
        await asyncio.sleep(0.05)


