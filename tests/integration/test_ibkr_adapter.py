"""The IBKR adapter's own behaviours against the local fake gateway: its session upkeep,
its bracket's shape, the reply-question loop and its allow-list, its error shapes, and the
failures that must never leave two brackets at IBKR."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.brokers.ibkr import IbkrVenue
from devtools.venues.ibkr import IbkrGateway
from domain.values import Leg
from domain.venue import BracketRequest, VenueError, VenueErrorKind, VenueOrderStatus
from tests.venues import Harness
from tests.venues.ibkr import open_venue

D = Decimal
DESK_ID = "order-acc-1-sig-1"
STOP_RISKS = ("You are about to submit a stop order. Please be aware of the various stop "
              "order types available and the risks associated with each one.")
NO_MARKET_DATA = "You are submitting an order without market data. Are you sure?"
VALUE_LIMIT = "The following order exceeds the Total Value Limit of 100000 INR. Are you sure?"


def bracket(client_order_id: str = DESK_ID) -> BracketRequest:
    return BracketRequest(client_order_id=client_order_id, symbol="INFY", isin="INE009A01021",
                          quantity=10, stop=D("1450.00"), target=D("1560.00"), intraday=False,
                          reference_price=D("1500.00"))


def run(tmp_path: Path, body: Callable[[Harness, IbkrGateway], Awaitable[None]],
        **settings: Any) -> None:
    async def main() -> None:
        async with open_venue(tmp_path, **settings) as harness:
            assert isinstance(harness.fake, IbkrGateway)
            try:
                await asyncio.wait_for(body(harness, harness.fake), 30)
            finally:
                await harness.venue.close()

    asyncio.run(main())


async def until(check: Callable[[], bool]) -> None:
    while not check():
        await asyncio.sleep(0.02)


def test_place_when_sent_then_one_request_holds_parent_and_two_oca_children(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        ack = await h.venue.place_bracket(bracket())

        parent, *children = fake.book
        assert ack.accepted and ack.broker_order_id == str(parent.order_id)
        assert parent.coid == DESK_ID and not parent.parent_coid and parent.side == "BUY"
        assert [(c.parent_coid, c.order_type, c.price, c.status) for c in children] == [
            (DESK_ID, "STP", D("1450.0"), "PreSubmitted"),
            (DESK_ID, "LMT", D("1560.0"), "PreSubmitted")]

    run(tmp_path, body)


def test_place_when_ibkr_asks_allowed_questions_then_confirmed_and_placed(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        fake.questions = [STOP_RISKS, NO_MARKET_DATA]

        ack = await h.venue.place_bracket(bracket())

        assert ack.accepted and fake.placed_count(DESK_ID) == 1 and not fake.pending

    run(tmp_path, body)


def test_place_when_ibkr_asks_a_question_off_the_allow_list_then_refused_with_its_text(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        fake.questions = [STOP_RISKS, VALUE_LIMIT]

        ack = await h.venue.place_bracket(bracket())

        assert not ack.accepted and "Total Value Limit" in ack.reason
        assert fake.placed_count(DESK_ID) == 0 and not fake.pending  # declined, not left

    run(tmp_path, body)


def test_place_when_the_allow_list_is_configured_then_that_question_is_accepted(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        fake.questions = [VALUE_LIMIT]

        ack = await h.venue.place_bracket(bracket())

        assert ack.accepted and fake.placed_count(DESK_ID) == 1

    run(tmp_path, body, accepted_questions=("VALUE_LIMIT",))


def test_place_when_the_coid_is_already_registered_then_the_held_bracket_is_answered(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        first = await h.venue.place_bracket(bracket())

        again = await h.venue.place_bracket(bracket())

        assert again.accepted and again.broker_order_id == first.broker_order_id
        assert fake.placed_count(DESK_ID) == 1

    run(tmp_path, body)


def test_place_when_the_answer_comes_after_the_timeout_then_found_and_not_placed_twice(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        fake.delay = 2.0

        ack = await h.venue.place_bracket(bracket())
        retry = await h.venue.place_bracket(bracket())

        assert ack.accepted and retry.broker_order_id == ack.broker_order_id
        assert fake.placed_count(DESK_ID) == 1

    run(tmp_path, body, request_timeout=0.5)


def test_place_when_restarted_then_a_new_adapter_finds_the_bracket_and_adds_none(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        await h.venue.place_bracket(bracket())
        restarted = IbkrVenue(h.venue.config)
        try:
            legs = {o.leg for o in await restarted.find(DESK_ID)}
            ack = await restarted.place_bracket(bracket())
        finally:
            await restarted.close()

        assert legs == {Leg.ENTRY, Leg.STOP, Leg.TARGET}
        assert ack.accepted and fake.placed_count(DESK_ID) == 1

    run(tmp_path, body)


@pytest.mark.parametrize(("status", "kind"), [(429, VenueErrorKind.RATE_LIMITED),
                                              (503, VenueErrorKind.UNAVAILABLE)])
def test_place_when_ibkr_fails_then_the_error_kind_and_a_later_retry_places_once(
    tmp_path: Path, status: int, kind: VenueErrorKind
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        fake.fail_next(status)

        with pytest.raises(VenueError) as failed:
            await h.venue.place_bracket(bracket())
        ack = await h.venue.place_bracket(bracket())

        assert failed.value.kind is kind and failed.value.status == status
        assert ack.accepted and fake.placed_count(DESK_ID) == 1

    run(tmp_path, body)


def test_place_when_the_contract_is_unknown_then_rejected_and_nothing_sent(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        unknown = BracketRequest(**{**bracket().__dict__, "symbol": "NOSUCH"})

        with pytest.raises(VenueError) as refused:
            await h.venue.place_bracket(unknown)

        assert refused.value.kind is VenueErrorKind.REJECTED and "NOSUCH" in str(refused.value)
        assert fake.book == []

    run(tmp_path, body)


def test_session_when_only_the_brokerage_session_lapsed_then_reopened_and_placed(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        await h.venue.funds()
        fake.lapse_brokerage_session()

        ack = await h.venue.place_bracket(bracket())

        assert ack.accepted and fake.authenticated
        assert "authenticated" in h.venue.status().detail

    run(tmp_path, body)


def test_session_when_running_then_tickle_keeps_it_alive(tmp_path: Path) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        await h.venue.funds()

        await until(lambda: fake.tickles >= 3)

        assert h.venue.status().token_expires_at is not None

    run(tmp_path, body, tickle_seconds=0.05)


def test_session_when_the_login_is_gone_then_status_says_so_without_the_session(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        await h.venue.funds()
        fake.expire_session()

        with pytest.raises(VenueError) as refused:
            await h.venue.orders()

        assert refused.value.kind is VenueErrorKind.AUTH
        assert "log in" in h.venue.status().detail
        assert fake.session not in f"{refused.value} {h.venue.status()}"

    run(tmp_path, body)


def test_updates_when_the_entry_fills_before_the_place_call_returns_then_the_fill_arrives(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        updates = h.venue.updates()
        fake.fill_on_accept = D("1500.25")

        ack = await h.venue.place_bracket(bracket())
        update = await anext(u async for u in updates if u.trade is not None)

        assert ack.accepted
        assert update.trade is not None and update.trade.price == D("1500.25")
        assert update.order.leg is Leg.ENTRY and update.order.status is VenueOrderStatus.FILLED

    run(tmp_path, body)


def test_updates_when_ibkr_cancels_the_bracket_then_each_leg_arrives_cancelled(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        updates = h.venue.updates()
        await h.venue.place_bracket(bracket())

        fake.cancel_at_venue(DESK_ID)
        cancelled = set()
        async for update in updates:
            if update.order.status is VenueOrderStatus.CANCELLED:
                cancelled.add(update.order.leg)
            if len(cancelled) == 3:
                break

        assert cancelled == {Leg.ENTRY, Leg.STOP, Leg.TARGET}

    run(tmp_path, body)


def test_modify_when_the_exits_work_then_the_stop_moves_and_the_target_stays(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        await h.venue.place_bracket(bracket())
        fake.fill(DESK_ID, Leg.ENTRY, D("1500.00"))

        ack = await h.venue.modify(DESK_ID, stop=D("1475.50"))

        assert ack.accepted
        assert [(o.order_type, o.price) for o in fake.book[1:]] == [
            ("STP", D("1475.5")), ("LMT", D("1560.0"))]

    run(tmp_path, body)


def test_positions_and_funds_when_the_entry_filled_then_rupees_from_the_ledger(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        before = await h.venue.funds()
        await h.venue.place_bracket(bracket())
        fake.fill(DESK_ID, Leg.ENTRY, D("1500.50"))

        after = await h.venue.funds()
        [held] = await h.venue.positions()

        assert before.available - after.available == D("15005.00")
        assert (held.symbol, held.quantity, held.average_price) == ("INFY", 10, D("1500.50"))

    run(tmp_path, body)


def test_orders_when_ibkr_sends_a_status_the_desk_cannot_read_then_a_clear_error(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        await h.venue.place_bracket(bracket())
        fake.book[0].status = "Mystery"

        with pytest.raises(VenueError) as unreadable:
            await h.venue.orders()

        assert unreadable.value.kind is VenueErrorKind.UNAVAILABLE
        assert "Mystery" in str(unreadable.value)

    run(tmp_path, body)


def test_updates_when_the_socket_is_open_then_tic_keeps_its_session(tmp_path: Path) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        h.venue.updates()

        await until(lambda: fake.pings >= 2)

        assert h.venue.status().connected

    run(tmp_path, body, ws_ping_seconds=0.05)


def test_updates_when_the_login_is_gone_then_status_says_disconnected_and_log_in(
    tmp_path: Path
) -> None:
    async def body(h: Harness, fake: IbkrGateway) -> None:
        h.venue.updates()
        await until(lambda: h.venue.status().connected)

        fake.expire_session()

        await until(lambda: not h.venue.status().connected)

        assert "log in" in h.venue.status().detail

    run(tmp_path, body)
