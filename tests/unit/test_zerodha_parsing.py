"""Kite Connect's documented payloads (order, trade, positions, holdings, margins, GTT,
instruments CSV, ticker text, postback, error envelope) read into the desk's values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.brokers.zerodha.auth import login_checksum, parse_postback, postback_checksum
from adapters.brokers.zerodha.book import assemble
from adapters.brokers.zerodha.execution import token_expiry
from adapters.brokers.zerodha.gtt import exit_form, exit_legs, owners, parse_gtt
from adapters.brokers.zerodha.parsing import (
    Instrument,
    client_tag,
    loads,
    parse_instruments,
    parse_margins,
    parse_order,
    parse_positions,
    parse_trade,
    ticker_order,
    unwrap,
)
from domain.session import IST
from domain.values import Leg, Side
from domain.venue import VenueError, VenueErrorKind, VenueOrderStatus

D = Decimal
INFY = Instrument(408065, 1594, "INFY", "NSE", D("0.05"), 1)


def order_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "placed_by": "AB1234", "order_id": "261127000000001", "exchange_order_id": "1100000000001",
        "parent_order_id": None, "status": "COMPLETE", "status_message": None,
        "order_timestamp": "2026-11-27 10:15:02", "exchange_update_timestamp":
        "2026-11-27 10:15:03", "exchange_timestamp": "2026-11-27 10:15:03",
        "variety": "regular", "exchange": "NSE", "tradingsymbol": "INFY",
        "instrument_token": 408065, "order_type": "MARKET", "transaction_type": "BUY",
        "validity": "DAY", "product": "CNC", "quantity": 10, "price": 0, "trigger_price": 0,
        "average_price": 1500.5, "filled_quantity": 10, "pending_quantity": 0,
        "cancelled_quantity": 0, "market_protection": -1, "meta": {},
        "tag": client_tag("order-acc-1-sig-1"), "guid": "x1"}
    row.update(changes)
    return loads(json.dumps(row))  # type: ignore[no-any-return]


def gtt_row(status: str = "active", result_order: str | None = None,
            created: str = "2026-11-27 10:15:04") -> dict[str, object]:
    leg = {"exchange": "NSE", "tradingsymbol": "INFY", "product": "CNC", "order_type": "LIMIT",
           "transaction_type": "SELL", "quantity": 10, "price": 1442.7, "result": None}
    target = dict(leg, price=1560.0)
    if result_order is not None:
        target["result"] = {"order_result": {"status": "success", "order_id": result_order,
                                             "rejection_reason": ""}, "triggered_at": 1560.0}
    return loads(json.dumps({
        "id": 700001, "type": "two-leg", "status": status, "created_at": created,
        "updated_at": created, "condition": {"exchange": "NSE", "tradingsymbol": "INFY",
                                              "trigger_values": [1450.0, 1560.0],
                                              "last_price": 1500.5},
        "orders": [leg, target], "meta": {}}))  # type: ignore[no-any-return]


def test_client_tag_when_a_desk_id_is_long_and_dashed_then_twenty_alphanumerics_every_time(
) -> None:
    tag = client_tag("order-account-with-a-long-name-sig-123456")

    assert len(tag) == 20 and tag.isalnum()
    assert tag == client_tag("order-account-with-a-long-name-sig-123456")
    assert tag != client_tag("order-account-with-a-long-name-sig-123457")


@pytest.mark.parametrize(("status", "body", "kind"), [
    (403, {"status": "error", "message": "Incorrect `api_key` or `access_token`.",
           "error_type": "TokenException"}, VenueErrorKind.AUTH),
    (400, {"status": "error", "message": "Invalid `quantity`.",
           "error_type": "InputException"}, VenueErrorKind.REJECTED),
    (400, {"status": "error", "message": "Order cannot be modified.",
           "error_type": "OrderException"}, VenueErrorKind.REJECTED),
    (400, {"status": "error", "message": "Insufficient funds.",
           "error_type": "MarginException"}, VenueErrorKind.REJECTED),
    (503, {"status": "error", "message": "Gateway down.",
           "error_type": "NetworkException"}, VenueErrorKind.UNAVAILABLE),
    (429, {"status": "error", "message": "Too many requests",
           "error_type": "NetworkException"}, VenueErrorKind.RATE_LIMITED),
    (502, "<html>bad gateway</html>", VenueErrorKind.UNAVAILABLE),
])
def test_unwrap_when_kite_answers_an_error_then_the_desk_kind_and_kite_code(
    status: int, body: object, kind: VenueErrorKind
) -> None:
    text = body if isinstance(body, str) else json.dumps(body)

    with pytest.raises(VenueError) as refused:
        unwrap(status, text)

    assert refused.value.kind is kind and refused.value.status == status


def test_unwrap_when_successful_then_the_data_with_rupees_as_decimals() -> None:
    data = unwrap(200, '{"status":"success","data":{"equity":{"net":99725.05}}}')

    assert parse_margins(data).available == D("99725.05")


def test_parse_order_when_complete_then_filled_at_its_average_in_utc() -> None:
    order = parse_order(order_row(), "order-acc-1-sig-1", Leg.ENTRY)

    assert order.status is VenueOrderStatus.FILLED and order.side is Side.BUY
    assert order.average_price == D("1500.5") and order.filled_quantity == 10
    assert order.updated_at == datetime(2026, 11, 27, 4, 45, 3, tzinfo=UTC)


@pytest.mark.parametrize(("status", "filled", "expected"), [
    ("OPEN", 4, VenueOrderStatus.PARTIALLY_FILLED),
    ("OPEN", 0, VenueOrderStatus.OPEN),
    ("VALIDATION PENDING", 0, VenueOrderStatus.PENDING),
    ("TRIGGER PENDING", 0, VenueOrderStatus.TRIGGER_PENDING),
    ("CANCELLED", 0, VenueOrderStatus.CANCELLED),
])
def test_parse_order_when_kite_reports_a_status_then_the_desk_status(
    status: str, filled: int, expected: VenueOrderStatus
) -> None:
    row = order_row(status=status, filled_quantity=filled, average_price=0)

    assert parse_order(row, "", Leg.ENTRY).status is expected


def test_parse_order_when_rejected_then_kites_reason_is_kept() -> None:
    row = order_row(status="REJECTED", filled_quantity=0, average_price=0,
                    status_message="Insufficient funds. Required margin is 15005.00")

    order = parse_order(row, "order-acc-1-sig-1", Leg.ENTRY)

    assert order.status is VenueOrderStatus.REJECTED and order.average_price is None
    assert "Insufficient funds" in order.reason


def test_parse_trade_when_a_fill_is_listed_then_its_id_price_and_time() -> None:
    row = loads(json.dumps({
        "trade_id": "90000001", "order_id": "261127000000001", "exchange": "NSE",
        "tradingsymbol": "INFY", "instrument_token": 408065, "product": "CNC",
        "average_price": 1500.55, "quantity": 10, "exchange_order_id": "1100000000001",
        "transaction_type": "BUY", "fill_timestamp": "2026-11-27 10:15:03",
        "order_timestamp": "10:15:03", "exchange_timestamp": "2026-11-27 10:15:03"}))

    trade = parse_trade(row, "order-acc-1-sig-1", Leg.ENTRY)

    assert (trade.trade_id, trade.price, trade.quantity) == ("90000001", D("1500.55"), 10)
    assert trade.at == datetime(2026, 11, 27, 4, 45, 3, tzinfo=UTC)


def test_parse_positions_when_holdings_are_sold_today_and_another_bought_then_what_is_held(
) -> None:
    holdings = loads(json.dumps([
        {"tradingsymbol": "TCS", "exchange": "NSE", "quantity": 5, "t1_quantity": 0,
         "average_price": 3100.0},
        {"tradingsymbol": "HDFCBANK", "exchange": "NSE", "quantity": 0, "t1_quantity": 3,
         "average_price": 970.0}]))
    positions = loads(json.dumps({"net": [
        {"tradingsymbol": "TCS", "product": "CNC", "quantity": -5, "average_price": 0},
        {"tradingsymbol": "INFY", "product": "CNC", "quantity": 10, "average_price": 1500.5}],
        "day": []}))

    held = {p.symbol: (p.quantity, p.average_price)
            for p in parse_positions(positions, holdings)}

    assert held == {"HDFCBANK": (3, D("970.00")), "INFY": (10, D("1500.50"))}


def test_parse_instruments_when_the_csv_mixes_exchanges_then_the_chosen_exchanges_equities(
) -> None:
    text = ("instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,"
            "tick_size,lot_size,instrument_type,segment,exchange\n"
            "408065,1594,INFY,INFOSYS,0.0,,0.0,0.05,1,EQ,NSE,NSE\n"
            "128053508,500209,INFY,INFOSYS,0.0,,0.0,0.05,1,EQ,BSE,BSE\n"
            "bad,row,TCS,TCS,0.0,,0.0,0.05,1,EQ,NSE,NSE\n")

    table = parse_instruments(text, "NSE")

    assert table == {"INFY": INFY}


def test_ticker_order_when_text_messages_arrive_then_only_order_messages_are_read() -> None:
    message = json.dumps({"type": "order", "id": "", "data": {"order_id": "261127000000001",
                                                               "status": "COMPLETE"}})

    assert ticker_order(message) == {"order_id": "261127000000001", "status": "COMPLETE"}
    assert ticker_order('{"type":"message","data":"maintenance at 18:00"}') is None
    assert ticker_order("not json") is None


def test_login_checksum_when_exchanging_a_request_token_then_sha256_of_key_token_secret(
) -> None:
    assert login_checksum("kitekey", "reqtok123", "shh") == (
        "6e1565ca2374f6b29a8f3629fb52556ebd1d8b34f47dab152d4b4528830c4a6b")


def test_parse_postback_when_the_checksum_matches_then_the_order_row() -> None:
    row = order_row(order_id="261127000000001", order_timestamp="2026-11-27 10:15:02")
    row["checksum"] = postback_checksum("261127000000001", "2026-11-27 10:15:02", "shh")

    parsed = parse_postback(json.dumps(row, default=float).encode(), "shh")

    assert row["checksum"] == (
        "649d51202652c94172cb30ddf775de94b8c260bc310f57f07174deea96c0eb18")
    assert parsed["order_id"] == "261127000000001"


@pytest.mark.parametrize("body", [
    json.dumps({"order_id": "1", "order_timestamp": "2026-11-27 10:15:02",
                "checksum": "0" * 64}).encode(),
    b'{"order_id": "1"}',
    b"\xff not json",
])
def test_parse_postback_when_forged_or_malformed_then_refused_with_a_reason(body: bytes) -> None:
    with pytest.raises(VenueError) as refused:
        parse_postback(body, "shh")

    assert refused.value.kind is VenueErrorKind.REJECTED and "postback" in str(refused.value)


def test_exit_form_when_a_long_bracket_fills_then_a_two_leg_gtt_stop_first() -> None:
    form = exit_form(INFY, quantity=10, stop=D("1450.00"), target=D("1560.00"),
                     last_price=D("1500.50"), product="CNC", tag="EDX", slippage=D("0.005"))

    condition, legs = json.loads(form["condition"]), json.loads(form["orders"])
    assert form["type"] == "two-leg"
    assert condition["trigger_values"] == [1450.0, 1560.0]
    assert 1450.0 < condition["last_price"] < 1560.0
    assert [(o["transaction_type"], o["order_type"], o["price"]) for o in legs] == [
        ("SELL", "LIMIT", 1442.75), ("SELL", "LIMIT", 1560.0)]
    assert all(o["quantity"] == 10 and o["tag"] == "EDX" for o in legs)


def test_owners_when_two_desk_entries_share_a_symbol_then_earliest_fill_gets_earliest_gtt(
) -> None:
    first = parse_order(order_row(order_id="1", exchange_update_timestamp="2026-11-27 10:00:00",
                                  tag="ED" + "A" * 18), "", Leg.ENTRY)
    second = parse_order(order_row(order_id="2", exchange_update_timestamp="2026-11-27 10:05:00",
                                   tag="ED" + "B" * 18), "", Leg.ENTRY)
    early = parse_gtt(gtt_row(created="2026-11-27 10:00:01") | {"id": 11})
    late = parse_gtt(gtt_row(created="2026-11-27 10:05:01") | {"id": 12})
    stale = parse_gtt(gtt_row(created="2026-11-27 09:00:00") | {"id": 10})

    found = owners([("ED" + "B" * 18, second), ("ED" + "A" * 18, first)], [late, stale, early],
                   {})

    assert found == {"11": "ED" + "A" * 18, "12": "ED" + "B" * 18}


def test_exit_legs_when_the_target_fired_then_the_target_order_and_the_stop_cancelled() -> None:
    gtt = parse_gtt(gtt_row(status="triggered", result_order="261127000000009"))
    book = {"261127000000009": order_row(order_id="261127000000009", transaction_type="SELL",
                                         average_price=1560.0)}

    legs = {o.leg: o for o in exit_legs(gtt, "order-acc-1-sig-1", book)}

    assert legs[Leg.TARGET].status is VenueOrderStatus.FILLED
    assert legs[Leg.TARGET].venue_order_id == "261127000000009"
    assert legs[Leg.STOP].status is VenueOrderStatus.CANCELLED


@pytest.mark.parametrize(("status", "expected"), [
    ("active", VenueOrderStatus.TRIGGER_PENDING), ("deleted", VenueOrderStatus.CANCELLED),
    ("rejected", VenueOrderStatus.REJECTED)])
def test_exit_legs_when_the_gtt_has_not_fired_then_both_legs_share_its_state(
    status: str, expected: VenueOrderStatus
) -> None:
    legs = exit_legs(parse_gtt(gtt_row(status=status)), "order-acc-1-sig-1", {})

    assert [(o.leg, o.status) for o in legs] == [(Leg.STOP, expected), (Leg.TARGET, expected)]


def test_assemble_when_a_gtt_leg_fired_then_its_order_is_that_legs_under_the_desk_id() -> None:
    tag = client_tag("order-acc-1-sig-1")
    rows = [order_row(), order_row(order_id="261127000000009", transaction_type="SELL",
                                   tag=None, average_price=1560.0,
                                   exchange_update_timestamp="2026-11-27 11:00:00")]
    gtts = [parse_gtt(gtt_row(status="triggered", result_order="261127000000009"))]

    book = assemble(rows, gtts, {tag: "order-acc-1-sig-1"}, {})

    assert sorted((o.leg, o.status, o.client_order_id) for o in book.orders) == [
        (Leg.ENTRY, VenueOrderStatus.FILLED, "order-acc-1-sig-1"),
        (Leg.STOP, VenueOrderStatus.CANCELLED, "order-acc-1-sig-1"),
        (Leg.TARGET, VenueOrderStatus.FILLED, "order-acc-1-sig-1")]
    assert book.owner["261127000000009"] == ("order-acc-1-sig-1", Leg.TARGET)


@pytest.mark.parametrize(("logged_in", "expires"), [
    (datetime(2026, 11, 27, 9, 0, tzinfo=IST), datetime(2026, 11, 28, 6, 0, tzinfo=IST)),
    (datetime(2026, 11, 27, 5, 0, tzinfo=IST), datetime(2026, 11, 27, 6, 0, tzinfo=IST)),
])
def test_token_expiry_when_logged_in_then_the_next_six_am_ist(
    logged_in: datetime, expires: datetime
) -> None:
    assert token_expiry(logged_in.astimezone(UTC)) == expires
