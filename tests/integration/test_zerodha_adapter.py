"""Kite's own behaviours, the adapter against the local Kite fake: the login exchange, the
bracket as an entry then a two-leg GTT, recovery after a restart, error shapes, rate
limits, a timeout after Kite accepted, and a fill pushed before the place call returned."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.brokers.zerodha import ZerodhaVenue
from adapters.brokers.zerodha.auth import postback_checksum
from domain.session import IST
from domain.values import Leg
from domain.venue import BracketRequest, VenueError, VenueErrorKind, VenueOrderStatus
from tests.venues.zerodha import KiteHarness, open_venue

D = Decimal
ID = "order-acc-1-sig-1"


def bracket(symbol: str = "INFY") -> BracketRequest:
    return BracketRequest(client_order_id=ID, symbol=symbol, isin="INE009A01021", quantity=10,
                          stop=D("1450.00"), target=D("1560.00"), intraday=False,
                          reference_price=D("1500.00"))


def run(tmp_path: Path, body: Callable[[KiteHarness], Awaitable[None]],
        timeout_seconds: float = 5.0) -> None:
    async def main() -> None:
        async with open_venue(tmp_path, timeout_seconds=timeout_seconds) as harness:
            await asyncio.wait_for(body(harness), 30)

    asyncio.run(main())


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(200):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("never got there")


async def legs(venue: ZerodhaVenue) -> dict[Leg, VenueOrderStatus]:
    return {o.leg: o.status for o in await venue.find(ID)}


async def armed(h: KiteHarness) -> bool:
    return h.kite.gtt_count(ID) >= 1


async def connected(h: KiteHarness) -> None:
    h.venue.updates()

    async def up() -> bool:
        return bool(h.venue.status().connected)
    await until(up)


async def filled_bracket(h: KiteHarness) -> None:
    """A bracket placed with the ticker up, its entry filled and its exits armed."""
    await connected(h)
    await h.venue.place_bracket(bracket())
    h.kite.fill(ID, Leg.ENTRY, D("1500.50"))
    await until(lambda: armed(h))


def test_login_when_the_request_token_is_exchanged_then_the_token_is_stored_owner_only(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        h.kite.expire_session()

        await h.venue.login(h.kite.issue_request_token())

        token_file = h.config.token_path
        assert token_file is not None
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert token_file.read_text() in h.kite.tokens
        assert (await h.venue.funds()).available > 0
        expires = h.venue.status().token_expires_at
        assert expires is not None and expires.astimezone(IST).hour == 6

    run(tmp_path, body)


def test_login_when_the_request_token_is_unknown_then_an_auth_error_naming_no_secret(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        with pytest.raises(VenueError) as refused:
            await h.venue.login("not-a-request-token")

        assert refused.value.kind is VenueErrorKind.AUTH
        assert not any(s in str(refused.value) for s in h.secrets)

    run(tmp_path, body)


def test_bracket_when_the_entry_fills_then_one_two_leg_gtt_holds_stop_then_target(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        await connected(h)
        await h.venue.place_bracket(bracket())

        h.kite.fill(ID, Leg.ENTRY, D("1500.50"))
        await until(lambda: armed(h))

        (gtt,) = h.kite.gtts.values()
        assert gtt["type"] == "two-leg" and gtt["condition"]["trigger_values"] == [1450.0, 1560.0]
        assert [o["quantity"] for o in gtt["orders"]] == [10, 10]
        assert await legs(h.venue) == {Leg.ENTRY: VenueOrderStatus.FILLED,
                                       Leg.STOP: VenueOrderStatus.TRIGGER_PENDING,
                                       Leg.TARGET: VenueOrderStatus.TRIGGER_PENDING}

    run(tmp_path, body)


def test_restart_when_the_gtt_is_working_then_a_new_adapter_names_its_legs_and_places_nothing(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        await filled_bracket(h)
        await h.venue.close()

        restarted = ZerodhaVenue(h.config)
        try:
            ack = await restarted.place_bracket(bracket())
            h.kite.fill(ID, Leg.TARGET, D("1560.00"))
            after = await legs(restarted)
        finally:
            await restarted.close()

        assert ack.accepted
        assert h.kite.placed_count(ID) == 1 and h.kite.gtt_count(ID) == 1
        assert after == {Leg.ENTRY: VenueOrderStatus.FILLED, Leg.STOP: VenueOrderStatus.CANCELLED,
                         Leg.TARGET: VenueOrderStatus.FILLED}

    run(tmp_path, body)


def test_restart_when_the_entry_filled_while_down_then_the_retry_arms_the_exits_once(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        await h.venue.place_bracket(bracket())
        await h.venue.close()
        h.kite.fill(ID, Leg.ENTRY, D("1500.50"))  # nobody is listening

        restarted = ZerodhaVenue(h.config)
        try:
            await restarted.place_bracket(bracket())
            await restarted.place_bracket(bracket())
        finally:
            await restarted.close()

        assert h.kite.placed_count(ID) == 1 and h.kite.gtt_count(ID) == 1

    run(tmp_path, body)


def test_place_when_the_symbol_is_not_in_kites_instruments_then_refused_with_a_reason(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        ack = await h.venue.place_bracket(bracket("NOSUCHCO"))

        assert not ack.accepted and "NOSUCHCO" in ack.reason
        assert h.kite.placed_count(ID) == 0

    run(tmp_path, body)


def test_place_when_kite_refuses_the_input_then_a_refused_ack_with_kites_words(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        h.kite.instruments.pop("INFY")  # still in the CSV the adapter reads; not at the OMS

        ack = await h.venue.place_bracket(bracket())

        assert not ack.accepted and "tradingsymbol" in ack.reason

    run(tmp_path, body)


@pytest.mark.parametrize(("status", "kind"), [(429, VenueErrorKind.RATE_LIMITED),
                                              (503, VenueErrorKind.UNAVAILABLE)])
def test_place_when_kite_answers_429_or_503_then_that_error_and_no_order(
    tmp_path: Path, status: int, kind: VenueErrorKind
) -> None:
    async def body(h: KiteHarness) -> None:
        h.kite.fail_next(status)

        with pytest.raises(VenueError) as failed:
            await h.venue.place_bracket(bracket())

        assert failed.value.kind is kind and failed.value.status == status
        assert h.kite.placed_count(ID) == 0

    run(tmp_path, body)


def test_place_when_kite_accepts_but_answers_too_late_then_the_retry_finds_it(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        h.kite.delay_next(1.5)

        first = await h.venue.place_bracket(bracket())
        second = await h.venue.place_bracket(bracket())

        assert first.accepted and second.accepted
        assert first.broker_order_id == second.broker_order_id
        assert h.kite.placed_count(ID) == 1

    run(tmp_path, body, timeout_seconds=0.5)


def test_place_when_the_fill_is_pushed_before_the_answer_then_the_update_and_exits_follow(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        updates = h.venue.updates()
        await connected(h)
        h.kite.fill_on_place = True

        ack = await h.venue.place_bracket(bracket())
        update = await anext(u async for u in updates if u.trade is not None)
        await until(lambda: armed(h))

        assert update.order.venue_order_id == ack.broker_order_id
        assert update.order.leg is Leg.ENTRY and update.trade is not None
        assert h.kite.gtt_count(ID) == 1

    run(tmp_path, body)


def test_cancel_when_the_exits_are_working_then_the_gtt_is_deleted(tmp_path: Path) -> None:
    async def body(h: KiteHarness) -> None:
        await filled_bracket(h)

        ack = await h.venue.cancel(ID)

        assert ack.accepted
        assert [g["status"] for g in h.kite.gtts.values()] == ["deleted"]

    run(tmp_path, body)


def test_modify_when_the_exits_are_working_then_the_gtt_triggers_move(tmp_path: Path) -> None:
    async def body(h: KiteHarness) -> None:
        await filled_bracket(h)

        ack = await h.venue.modify(ID, stop=D("1480.00"))

        assert ack.accepted
        (gtt,) = h.kite.gtts.values()
        assert gtt["condition"]["trigger_values"] == [1480.0, 1560.0]

    run(tmp_path, body)


def test_modify_when_the_entry_is_working_then_the_exits_go_out_at_the_new_prices(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        await connected(h)
        await h.venue.place_bracket(bracket())

        ack = await h.venue.modify(ID, target=D("1600.00"))
        h.kite.fill(ID, Leg.ENTRY, D("1500.50"))
        await until(lambda: armed(h))

        assert ack.accepted
        (gtt,) = h.kite.gtts.values()
        assert gtt["condition"]["trigger_values"] == [1450.0, 1600.0]

    run(tmp_path, body)


def test_ticker_when_the_token_is_refused_then_no_secret_in_status_or_logs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def body(h: KiteHarness) -> None:
        await connected(h)
        h.kite.expire_session()
        h.kite.drop_updates_connection()

        async def refused() -> bool:
            return bool(h.venue.status().detail)
        await until(refused)

        shown = json.dumps(h.venue.status().__dict__, default=str)
        assert not any(s in shown for s in h.secrets)

    run(tmp_path, body)
    captured = capsys.readouterr()
    assert not any(s in captured.out + captured.err
                   for s in ("kitekey7f3a9c", "kitesecret5d81e2b4", "kitetoken0c4be9a1d7"))


def test_status_when_asked_then_kites_three_order_windows_show_their_headroom(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        await h.venue.place_bracket(bracket())

        headroom = h.venue.status().rate_headroom

        assert set(headroom) == {"10/1s", "200/60s", "3000/86400s"}
        assert headroom["3000/86400s"] == 2999  # one order sent; a day window barely refills

    run(tmp_path, body)


def test_postback_when_kite_signed_it_then_an_update_and_when_forged_then_refused(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        updates = h.venue.updates()
        await h.venue.place_bracket(bracket())
        (entry,) = h.kite.orders.values()
        row = dict(entry, status="CANCELLED", cancelled_quantity=10, pending_quantity=0)
        row["checksum"] = postback_checksum(row["order_id"], row["order_timestamp"],
                                            h.config.api_secret)

        await h.venue.receive_postback(json.dumps(row, default=float).encode())
        update = await anext(u async for u in updates
                             if u.order.status is VenueOrderStatus.CANCELLED)
        with pytest.raises(VenueError) as forged:
            await h.venue.receive_postback(json.dumps(row | {"status": "COMPLETE",
                                                             "checksum": "0" * 64},
                                                      default=float).encode())

        assert update.order.client_order_id == ID and update.order.leg is Leg.ENTRY
        assert forged.value.kind is VenueErrorKind.REJECTED

    run(tmp_path, body)


def test_ticker_when_a_message_is_malformed_then_later_updates_still_arrive(
    tmp_path: Path
) -> None:
    async def body(h: KiteHarness) -> None:
        updates = h.venue.updates()
        await connected(h)
        await h.venue.place_bracket(bracket())

        h.kite.push_raw('{"type":"order","data":{"order_id":"9","transaction_type":"HOLD"}}')
        h.kite.push_raw('{"type":"order","data":{"order_id":"8","filled_quantity":"lots"}}')
        h.kite.push_raw("{not json")
        h.kite.fill(ID, Leg.ENTRY, D("1500.50"))
        update = await anext(u async for u in updates if u.trade is not None)

        assert update.order.client_order_id == ID

    run(tmp_path, body)
