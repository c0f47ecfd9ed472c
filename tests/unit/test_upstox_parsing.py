"""Upstox's documented payloads (order and GTT updates, funds v3, the error envelope, the
instruments JSON) read into the desk's values, and the GTT bodies the desk sends."""

from __future__ import annotations

import asyncio
import gzip
import json
import stat
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.brokers.ratelimit import RateLimiter, Window
from adapters.brokers.upstox.client import UpstoxClient
from adapters.brokers.upstox.config import UpstoxApp, UpstoxConfig
from adapters.brokers.upstox.gtt import (
    GttOrder,
    body_fingerprint,
    modify_body,
    parse_gtt,
    place_body,
)
from adapters.brokers.upstox.instruments import (
    Instrument,
    parse_instruments,
    parse_instruments_file,
)
from adapters.brokers.upstox.journal import GttJournal
from adapters.brokers.upstox.parsing import (
    OrderRow,
    error_from,
    order_tag,
    parse_funds,
    parse_trade,
    parse_update,
)
from adapters.brokers.upstox.session import authorization_url, expiry_after
from domain.session import IST
from domain.values import Leg, Side
from domain.venue import BracketRequest, VenueErrorKind, VenueOrderStatus

D = Decimal

# The webhook page's order example (update_type "order").
ORDER_UPDATE = {
    "update_type": "order", "user_id": "******", "userId": "******", "exchange": "NSE",
    "instrument_token": "NSE_EQ|INE848E01016", "instrument_key": "NSE_EQ|INE848E01016",
    "trading_symbol": "NHPC-EQ", "tradingsymbol": "NHPC-EQ", "product": "D",
    "order_type": "MARKET", "average_price": 0, "price": 0, "trigger_price": 0, "quantity": 1,
    "disclosed_quantity": 0, "pending_quantity": 1, "transaction_type": "BUY",
    "order_ref_id": "57744821658411", "exchange_order_id": "", "parent_order_id": None,
    "validity": "DAY", "status": "put order req received", "is_amo": False,
    "variety": "SIMPLE", "tag": None, "exchange_timestamp": None, "status_message": "",
    "order_id": "240221025997024", "order_request_id": "1",
    "order_timestamp": "2024-02-21 14:40:02", "filled_quantity": 0, "guid": None,
    "placed_by": "******", "status_message_raw": None,
}
# A MULTIPLE GTT as GET /v3/order/gtt reports one whose entry failed.
GTT = {
    "type": "MULTIPLE", "exchange": "NSE_EQ", "quantity": 1, "product": "I",
    "rules": [
        {"strategy": "ENTRY", "status": "FAILED", "trigger_type": "IMMEDIATE",
         "trigger_price": 7.7, "transaction_type": "BUY",
         "message": "The price set should be within the circuit limits.",
         "order_id": "250228010168535"},
        {"strategy": "STOPLOSS", "status": "CANCELLED", "trigger_type": "IMMEDIATE",
         "trigger_price": 7.6, "transaction_type": "SELL", "message": "", "order_id": None},
        {"strategy": "TARGET", "status": "CANCELLED", "trigger_type": "IMMEDIATE",
         "trigger_price": 7.64, "transaction_type": "SELL", "message": "", "order_id": None},
    ],
    "trading_symbol": "IDEA", "instrument_token": "NSE_EQ|INE669E01016",
    "gtt_order_id": "GTT-CU25280200021010", "expires_at": 1740767399000000,
    "created_at": 1740723100000000,
}
# The funds v3 page's example, trimmed to the totals the desk reads.
FUNDS_V3 = {"available_to_trade": {
    "total": 5379.03,
    "cash_available_to_trade": {"total": 5117.34, "margin_used": {"total": 0.0}},
    "pledge_available_to_trade": {"total": 261.69, "margin_used": {"total": 1.8}}}}
INFY = {"segment": "NSE_EQ", "exchange": "NSE", "name": "INFOSYS LIMITED",
        "trading_symbol": "INFY", "instrument_key": "NSE_EQ|INE009A01021",
        "exchange_token": "1594", "isin": "INE009A01021", "instrument_type": "EQ",
        "lot_size": 1, "tick_size": 5.0, "freeze_quantity": 100000.0}


def bracket(**changes: object) -> BracketRequest:
    fields: dict[str, object] = dict(
        client_order_id="order-acc-1-sig-1", symbol="INFY", isin="INE009A01021", quantity=10,
        stop=D("1450.02"), target=D("1560.03"), intraday=False, reference_price=D("1500"))
    fields.update(changes)
    return BracketRequest(**fields)  # type: ignore[arg-type]


def infy() -> Instrument:
    found = parse_instruments([INFY]).lookup("INFY")
    assert found is not None
    return found


@pytest.mark.parametrize("body, status, kind", [
    ({"status": "error", "errors": [{"errorCode": "UDAPI100050", "message": "Invalid token"}]},
     401, VenueErrorKind.AUTH),
    ({"status": "error", "errors": [{"error_code": "UDAPI100050", "message": "Invalid token"}]},
     400, VenueErrorKind.AUTH),
    ({"status": "error", "errors": [{"error_code": "UDAPI10005", "message": "Too many"}]},
     429, VenueErrorKind.RATE_LIMITED),
    ({"status": "error", "errors": [{"error_code": "UDAPI100500", "message": "Oops"}]},
     500, VenueErrorKind.UNAVAILABLE),
    ({"status": "error", "errors": [{"error_code": "UDAPI1122", "message": "Bad price"}]},
     400, VenueErrorKind.REJECTED),
    ("<html>bad gateway</html>", 502, VenueErrorKind.UNAVAILABLE),
])
def test_error_when_upstox_answers_an_error_then_its_kind_and_code(
    body: object, status: int, kind: VenueErrorKind
) -> None:
    error = error_from(status, body)

    assert error.kind is kind and error.status == status
    if isinstance(body, dict):
        assert error.code == body["errors"][0].get("error_code", body["errors"][0].get(
            "errorCode"))


def test_update_when_the_webhook_order_example_arrives_then_an_order_row_in_utc() -> None:
    row = parse_update(ORDER_UPDATE)

    assert isinstance(row, OrderRow)
    assert (row.order_id, row.side, row.quantity) == ("240221025997024", Side.BUY, 1)
    assert row.status is VenueOrderStatus.PENDING and row.tag == ""
    assert row.at == datetime(2024, 2, 21, 9, 10, 2, tzinfo=UTC)


@pytest.mark.parametrize("text, filled, status", [
    ("complete", 1, VenueOrderStatus.FILLED),
    ("open", 0, VenueOrderStatus.OPEN),
    ("open", 3, VenueOrderStatus.PARTIALLY_FILLED),
    ("cancelled after market order", 0, VenueOrderStatus.CANCELLED),
    ("rejected", 0, VenueOrderStatus.REJECTED),
    ("trigger pending", 0, VenueOrderStatus.TRIGGER_PENDING),
    ("validation pending", 0, VenueOrderStatus.PENDING),
])
def test_update_when_upstox_names_a_status_then_the_desk_status(
    text: str, filled: int, status: VenueOrderStatus
) -> None:
    row = parse_update({**ORDER_UPDATE, "status": text, "filled_quantity": filled,
                        "average_price": 10.5})

    assert isinstance(row, OrderRow) and row.status is status


def test_update_when_a_gtt_message_arrives_then_its_legs_and_their_states() -> None:
    gtt = parse_update({**GTT, "update_type": "gtt_order"})

    assert isinstance(gtt, GttOrder) and gtt == parse_gtt(GTT)
    legs = {r.leg: r.venue_status for r in gtt.rules}
    assert legs == {Leg.ENTRY: VenueOrderStatus.REJECTED, Leg.STOP: VenueOrderStatus.CANCELLED,
                    Leg.TARGET: VenueOrderStatus.CANCELLED}
    assert gtt.created_at == datetime(2025, 2, 28, 6, 11, 40, tzinfo=UTC)


@pytest.mark.parametrize("message", [
    {"update_type": "order", "status": "open"},  # no order id
    {"update_type": "order", **{k: v for k, v in ORDER_UPDATE.items() if k != "update_type"},
     "transaction_type": "HOLD"},
    {"update_type": "mystery"},
])
def test_update_when_the_message_is_malformed_then_a_value_error_with_the_reason(
    message: dict[str, object]
) -> None:
    with pytest.raises(ValueError):
        parse_update(message)


def test_update_when_a_position_message_arrives_then_nothing_to_report() -> None:
    assert parse_update({"update_type": "position", "quantity": 5}) is None


def test_funds_when_the_v3_example_is_read_then_available_and_used_rupees() -> None:
    assert parse_funds(FUNDS_V3).available == D("5379.03")
    assert parse_funds(FUNDS_V3).used == D("1.8")


def test_trade_when_a_trade_book_row_is_read_then_decimal_price_and_ist_time() -> None:
    trade = parse_trade({"exchange": "NSE", "trading_symbol": "INFY", "order_id": "1",
                         "transaction_type": "SELL", "quantity": 10, "trade_id": "T9",
                         "average_price": 1449.05, "exchange_timestamp": "2026-11-27 10:00:00",
                         "instrument_token": "NSE_EQ|INE009A01021"})

    assert (trade.price, trade.side, trade.trade_id) == (D("1449.05"), Side.SELL, "T9")
    assert trade.at.astimezone(IST).hour == 10


def test_instruments_when_the_json_master_is_read_then_equities_by_symbol_with_rupee_ticks(
) -> None:
    future = {**INFY, "segment": "NSE_FO", "instrument_key": "NSE_FO|35001",
              "trading_symbol": "INFY FUT"}
    table = parse_instruments_file(gzip.compress(json.dumps([INFY, future]).encode()))

    assert len(table) == 1
    assert infy().tick_size == D("0.05") and infy().instrument_key == "NSE_EQ|INE009A01021"
    assert table.symbol_of("NSE_EQ|INE009A01021") == "INFY"
    assert table.lookup("INFOSYS", isin="INE009A01021") == infy()


def test_bracket_when_sent_then_a_multiple_gtt_with_a_protected_limit_entry_on_the_tick(
) -> None:
    body = place_body(bracket(), infy(), D("0.5"))

    assert body["type"] == "MULTIPLE" and body["product"] == "D"
    assert body["instrument_token"] == "NSE_EQ|INE009A01021" and body["quantity"] == 10
    assert [(r["strategy"], r["trigger_type"], r["trigger_price"]) for r in body["rules"]] == [
        ("ENTRY", "IMMEDIATE", 1507.5), ("TARGET", "IMMEDIATE", 1560.05),
        ("STOPLOSS", "IMMEDIATE", 1450.0)]


def test_bracket_when_the_card_has_its_own_limit_and_is_intraday_then_both_are_kept() -> None:
    body = place_body(bracket(entry_limit=D("1499.97"), intraday=True), infy(), D("0.5"))

    assert body["product"] == "I" and body["rules"][0]["trigger_price"] == 1499.95


def test_fingerprint_when_upstox_reports_the_gtt_sent_then_both_agree() -> None:
    body = place_body(bracket(), infy(), D("0.5"))
    reported = {"gtt_order_id": "GTT-C1", "type": "MULTIPLE", "quantity": 10, "product": "D",
                "instrument_token": body["instrument_token"], "rules": [
                    {**rule, "status": "PENDING", "order_id": None,
                     "transaction_type": "BUY" if rule["strategy"] == "ENTRY" else "SELL"}
                    for rule in reversed(body["rules"])]}

    assert parse_gtt(reported).fingerprint == body_fingerprint(body)
    assert parse_gtt({**reported, "quantity": 11}).fingerprint != body_fingerprint(body)


def test_modify_when_the_stop_moves_then_every_rule_is_restated_with_the_new_stop() -> None:
    body = modify_body(parse_gtt(GTT), D("7.52"), None, D("0.05"))

    assert body["gtt_order_id"] == "GTT-CU25280200021010" and body["type"] == "MULTIPLE"
    assert {r["strategy"]: r["trigger_price"] for r in body["rules"]} == {
        "ENTRY": 7.7, "STOPLOSS": 7.5, "TARGET": 7.64}


def test_tag_when_the_desk_id_is_too_long_then_a_short_stable_tag() -> None:
    long_id = "order-account-with-a-long-name-signal-0123456789"

    assert order_tag("order-acc-1-sig-1") == "order-acc-1-sig-1"
    assert len(order_tag(long_id)) <= 40 and order_tag(long_id) == order_tag(long_id)
    assert order_tag(long_id) != order_tag(long_id + "x")
    assert order_tag("order acc/1") != "order acc/1"  # outside the safe charset: hashed


@pytest.mark.parametrize("issued, lapses", [
    (datetime(2026, 11, 27, 10, 0, tzinfo=IST), datetime(2026, 11, 28, 3, 30, tzinfo=IST)),
    (datetime(2026, 11, 27, 2, 0, tzinfo=IST), datetime(2026, 11, 27, 3, 30, tzinfo=IST)),
])
def test_token_when_issued_then_it_lapses_at_the_next_0330_ist(
    issued: datetime, lapses: datetime
) -> None:
    assert expiry_after(issued.astimezone(UTC)) == lapses


def test_login_url_when_built_then_it_names_the_app_but_never_its_secret() -> None:
    app = UpstoxApp("key-1", "s3cret", "https://desk.example/cb")

    url = authorization_url("https://api.upstox.com", app, state="acc-1")

    assert url.startswith("https://api.upstox.com/v2/login/authorization/dialog?")
    assert "client_id=key-1" in url and "response_type=code" in url and "state=acc-1" in url
    assert "s3cret" not in url and "s3cret" not in repr(app)


def test_journal_when_a_gtt_was_sent_without_its_id_then_the_fingerprint_ties_it_once(
    tmp_path: Path
) -> None:
    journal = GttJournal(tmp_path / "journal.json")
    asyncio.run(journal.sending("order-1", parse_gtt(GTT).fingerprint))
    asyncio.run(journal.sending("order-2", parse_gtt(GTT).fingerprint))

    tied = GttJournal(tmp_path / "journal.json").claim([parse_gtt(GTT)])

    reread = GttJournal(tmp_path / "journal.json")
    assert tied == ["order-1"] and reread.gtt_id("order-1") == GTT["gtt_order_id"]
    assert reread.gtt_id("order-2") == "" and reread.has("order-2")
    assert stat.S_IMODE((tmp_path / "journal.json").stat().st_mode) == 0o600


def test_journal_when_upstox_refused_the_gtt_then_the_desk_id_is_forgotten(
    tmp_path: Path
) -> None:
    journal = GttJournal(tmp_path / "journal.json")
    asyncio.run(journal.sending("order-1", "fp"))

    asyncio.run(journal.refused("order-1"))

    assert not GttJournal(tmp_path / "journal.json").has("order-1")


def test_rate_limits_when_a_session_starts_then_the_order_api_windows_are_upstoxs() -> None:
    client = UpstoxClient(UpstoxConfig(state_dir=Path("/nonexistent")))

    assert client.limiter.headroom() == {"10/1s": 10, "500/60s": 500, "2000/1800s": 2000}


def test_limiter_when_orders_keep_coming_then_no_second_ever_holds_more_than_ten() -> None:
    now = [0.0]
    sent: list[float] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(Window(10, 1.0), Window(25, 60.0), clock=lambda: now[0],
                             sleep=sleep)

    async def send(count: int) -> None:
        for _ in range(count):
            await limiter.acquire()
            sent.append(now[0])
            now[0] += 0.01

    asyncio.run(send(30))

    assert len(sent) == 30
    assert max(sum(1 for t in sent if start <= t < start + 1) for start in sent) == 10
    assert max(sum(1 for t in sent if start <= t < start + 60) for start in sent) == 25
