"""The Upstox adapter's own behaviours against the local fake Upstox: login, error
shapes, the MULTIPLE GTT bracket, rate limits, a timeout after Upstox accepted, a restart
while a bracket was half placed, and a fill pushed before the place call returned."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest

from adapters.brokers.upstox import UpstoxApp, UpstoxVenue
from adapters.brokers.upstox.parsing import order_tag
from adapters.brokers.upstox.session import AccessToken, authorization_url, save_token
from devtools.venues.upstox import FakeUpstox
from domain.session import IST
from domain.values import Leg
from domain.venue import BracketRequest, VenueError, VenueErrorKind, VenueOrderStatus
from tests.venues.upstox import open_fake

D = Decimal
DESK_ID = "order-acc-1-sig-1"
Body = Callable[[FakeUpstox, UpstoxVenue], Awaitable[None]]


def bracket(client_order_id: str = DESK_ID, **changes: object) -> BracketRequest:
    fields: dict[str, object] = dict(
        client_order_id=client_order_id, symbol="INFY", isin="INE009A01021", quantity=10,
        stop=D("1450.00"), target=D("1560.00"), intraday=False, reference_price=D("1500.00"))
    fields.update(changes)
    return BracketRequest(**fields)  # type: ignore[arg-type]


def run(tmp_path: Path, body: Body, *, log_in: bool = True, **settings: object) -> None:
    async def main() -> None:
        async with open_fake(tmp_path, log_in=log_in, **settings) as (fake, venue):
            await asyncio.wait_for(body(fake, venue), 30)

    asyncio.run(main())


def test_login_when_the_redirect_code_is_exchanged_then_the_token_is_stored_owner_only(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        app = UpstoxApp(fake.api_key, fake.api_secret, fake.redirect_uri)
        async with aiohttp.ClientSession() as http, http.get(
                authorization_url(fake.base_url, app, state="acc-1"),
                allow_redirects=False) as page:
            code = page.headers["Location"].split("code=")[1].split("&")[0]

        token = await venue.client.exchange_code(app, code)

        stored = venue.config.token_path
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        assert json.loads(stored.read_text())["access_token"] == token.value
        assert token.expires_at.astimezone(IST).time().isoformat() == "03:30:00"
        assert (await venue.funds()).available > 0
        assert token.value not in repr(token) and token.value not in str(venue.status())

    run(tmp_path, body, log_in=False)


def test_login_when_the_code_is_wrong_then_an_error_without_the_secret(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        app = UpstoxApp(fake.api_key, fake.api_secret, fake.redirect_uri)

        with pytest.raises(VenueError) as refused:
            await venue.client.exchange_code(app, "not-a-code")

        assert refused.value.code == "UDAPI100036" and fake.api_secret not in str(refused.value)

    run(tmp_path, body, log_in=False)


def test_session_when_no_one_logged_in_then_auth_error_naming_the_login_command(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        with pytest.raises(VenueError) as refused:
            await venue.funds()

        assert refused.value.kind is VenueErrorKind.AUTH
        assert "desk broker login" in str(refused.value)

    run(tmp_path, body, log_in=False)


def test_session_when_the_stored_token_lapsed_at_0330_then_auth_error_before_any_request(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        save_token(venue.config.token_path,
                   AccessToken(fake.token, datetime.now(UTC) - timedelta(minutes=1)))
        venue.client.forget_token()

        with pytest.raises(VenueError) as refused:
            await venue.place_bracket(bracket())

        assert refused.value.kind is VenueErrorKind.AUTH and "expired" in str(refused.value)
        assert fake.bracket_count() == 0 and fake.algo_names == []

    run(tmp_path, body)


def test_place_when_sent_then_one_multiple_gtt_entry_target_stoploss_with_a_limit_entry(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        ack = await venue.place_bracket(bracket())

        gtt = fake.gtts[ack.broker_order_id]
        assert (gtt["type"], gtt["product"], gtt["quantity"]) == ("MULTIPLE", "D", 10)
        assert gtt["instrument_token"] == "NSE_EQ|INE009A01021"
        assert {r["strategy"]: r["trigger_price"] for r in gtt["rules"]} == {
            "ENTRY": 1507.5, "TARGET": 1560.0, "STOPLOSS": 1450.0}
        entry = fake.orders[gtt["rules"][0]["order_id"]]
        assert (entry["order_type"], entry["price"]) == ("LIMIT", 1507.5)
        assert fake.algo_names == ["desk-algo"]

    run(tmp_path, body, algo_name="desk-algo", entry_protection_pct=D("0.5"))


def test_place_when_upstox_refuses_the_input_then_a_refused_ack_and_nothing_held(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        ack = await venue.place_bracket(bracket(quantity=0))

        assert not ack.accepted and "quantity" in ack.reason and "UDAPI100038" in ack.reason
        assert await venue.find(DESK_ID) == [] and fake.bracket_count() == 0

    run(tmp_path, body)


def test_place_when_the_symbol_is_not_in_the_instrument_master_then_refused(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        ack = await venue.place_bracket(bracket(symbol="NOSUCH", isin="INE000000000"))

        assert not ack.accepted and "NOSUCH" in ack.reason and fake.bracket_count() == 0

    run(tmp_path, body)


def test_place_when_upstox_answers_429_then_rate_limited_with_its_code_and_a_retry_places_once(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        fake.fail_next(429)
        with pytest.raises(VenueError) as limited:
            await venue.place_bracket(bracket())

        ack = await venue.place_bracket(bracket())

        assert limited.value.kind is VenueErrorKind.RATE_LIMITED
        assert limited.value.code == "UDAPI10005"
        assert ack.accepted and fake.bracket_count() == 1

    run(tmp_path, body)


def test_place_when_more_brackets_than_upstox_takes_per_second_then_the_desk_waits_its_turn(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        acks = [await venue.place_bracket(bracket(f"order-{n}")) for n in range(12)]

        assert all(a.accepted for a in acks) and fake.bracket_count() == 12

    run(tmp_path, body)


def test_place_when_upstox_fails_with_500_and_holds_nothing_then_unavailable(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        fake.fail_next(503)
        with pytest.raises(VenueError) as failed:
            await venue.place_bracket(bracket())

        assert failed.value.kind is VenueErrorKind.UNAVAILABLE
        assert fake.bracket_count() == 0 and await venue.find(DESK_ID) == []

    run(tmp_path, body)


def test_place_when_the_answer_times_out_after_upstox_accepted_then_found_and_never_twice(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        fake.slow_next = 2.0

        first = await venue.place_bracket(bracket())
        again = await venue.place_bracket(bracket())

        assert first.accepted and first.broker_order_id in fake.gtts
        assert again.broker_order_id == first.broker_order_id and fake.bracket_count() == 1

    run(tmp_path, body, request_timeout=0.5)


def test_place_when_the_desk_restarted_between_sending_and_the_answer_then_no_second_gtt(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        fake.slow_next = 2.0
        crashed = asyncio.ensure_future(venue.place_bracket(bracket()))
        while fake.bracket_count() == 0:
            await asyncio.sleep(0.01)
        crashed.cancel()  # the process died with the request in flight
        restarted = UpstoxVenue(venue.config)

        ack = await restarted.place_bracket(bracket())

        await restarted.close()
        assert ack.accepted and fake.bracket_count() == 1
        assert restarted.journal.gtt_id(DESK_ID) == ack.broker_order_id

    run(tmp_path, body)


def test_fill_when_pushed_before_the_place_call_returned_then_the_update_names_the_desk_order(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        updates = venue.updates()
        await asyncio.sleep(0.2)
        fake.fill_entry_on_place = D("1501.00")

        ack = await venue.place_bracket(bracket())
        update = await anext(u async for u in updates if u.trade is not None)

        assert ack.accepted
        assert update.order.client_order_id == DESK_ID and update.order.leg is Leg.ENTRY
        assert update.trade is not None and update.trade.price == D("1501.00")

    run(tmp_path, body)


def test_modify_when_the_stop_moves_then_the_gtt_stoploss_moves_on_the_tick(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        ack = await venue.place_bracket(bracket())

        moved = await venue.modify(DESK_ID, stop=D("1470.02"))

        rules = {r["strategy"]: r["trigger_price"] for r in fake.gtts[ack.broker_order_id]["rules"]}
        assert moved.accepted and rules["STOPLOSS"] == 1470.0 and rules["TARGET"] == 1560.0

    run(tmp_path, body)


def test_cancel_when_upstox_cancels_the_gtt_itself_then_the_stream_reports_the_entry_cancelled(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        updates = venue.updates()
        ack = await venue.place_bracket(bracket())

        fake.cancel_at_venue(ack.broker_order_id)
        update = await anext(u async for u in updates
                             if u.order.status is VenueOrderStatus.CANCELLED
                             and u.order.leg is Leg.ENTRY)

        assert update.order.client_order_id == DESK_ID and "RMS" in update.order.reason
        assert not (await venue.cancel(DESK_ID)).accepted  # nothing left to cancel

    run(tmp_path, body)


def test_find_when_an_order_was_tagged_with_a_long_desk_id_then_it_is_found_by_that_id(
    tmp_path: Path
) -> None:
    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        desk_id = "order-an-account-with-a-long-name-signal-000042"
        await venue.client.call("place_order", body={
            "quantity": 1, "product": "D", "validity": "DAY", "price": 1500.0,
            "tag": order_tag(desk_id), "instrument_token": "NSE_EQ|INE009A01021",
            "order_type": "LIMIT", "transaction_type": "BUY", "disclosed_quantity": 0,
            "trigger_price": 0, "is_amo": False, "slice": False})

        found = await venue.find(desk_id)

        assert [(o.symbol, o.quantity, o.leg) for o in found] == [("INFY", 1, Leg.ENTRY)]

    run(tmp_path, body)
