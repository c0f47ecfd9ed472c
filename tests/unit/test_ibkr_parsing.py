"""IBKR Client Portal payloads, shaped as IBKR documents them, read as the desk's values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from adapters.brokers.ibkr import parsing
from adapters.brokers.ibkr.config import IbkrConfig
from adapters.brokers.ibkr.orders import bracket_tickets, coid_for, leg_coids
from adapters.brokers.ibkr.replies import Duplicate, Placed, Question, answer, error_for
from domain.values import Leg, Side
from domain.venue import BracketRequest, VenueError, VenueErrorKind, VenueOrderStatus

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
SYMBOLS = {780000003: "INFY"}


def decoded(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


LIVE_ORDERS = decoded("""{"orders": [
  {"acct": "DU7000001", "conid": 780000003, "orderId": 1500000001, "cashCcy": "INR",
   "sizeAndFills": "4/10", "orderDesc": "Buy 10 Limit 1500.00, GTC", "description1": "INFY",
   "ticker": "INFY", "secType": "STK", "listingExchange": "NSE", "remainingQuantity": 6.0,
   "filledQuantity": 4.0, "avgPrice": "1499.95", "companyName": "INFOSYS LTD",
   "status": "Submitted", "origOrderType": "LIMIT", "orderType": "Limit", "side": "BUY",
   "timeInForce": "GTC", "price": "1500.00", "order_ref": "order-acc-1-sig-1",
   "lastExecutionTime_r": 1795752000000},
  {"acct": "DU7000001", "conid": 780000003, "orderId": 1500000002, "ticker": "INFY",
   "remainingQuantity": 10.0, "filledQuantity": 0.0, "status": "PreSubmitted",
   "orderType": "Stop", "side": "SELL", "order_ref": "order-acc-1-sig-1.stp",
   "parentId": 1500000001},
  {"acct": "DU7000001", "conid": 265598, "orderId": 1500000009, "ticker": "AAPL",
   "remainingQuantity": 0.0, "filledQuantity": 0.0, "status": "Cancelled",
   "orderType": "Limit", "side": "SELL"}
], "snapshot": true}""")

TRADES = decoded("""[{"execution_id": "0000e0d5.6576a3ab.01.01", "symbol": "INFY", "side": "B",
  "order_description": "Bot 10 @ 1500.50 on NSE", "trade_time": "20261127-04:00:00",
  "trade_time_r": 1795752000000, "size": 10.0, "price": "1500.50",
  "order_ref": "order-acc-1-sig-1", "exchange": "NSE", "commission": "20.00",
  "net_amount": 15005.0, "account": "DU7000001", "conid": 780000003, "sec_type": "STK"}]""")


def read_orders() -> list[Any]:
    return parsing.orders(LIVE_ORDERS, symbols=SYMBOLS, coids={}, now=NOW)


def test_orders_when_a_parent_is_part_filled_then_it_reads_partially_filled_entry() -> None:
    entry = read_orders()[0]

    assert entry.client_order_id == "order-acc-1-sig-1" and entry.leg is Leg.ENTRY
    assert entry.status is VenueOrderStatus.PARTIALLY_FILLED
    assert (entry.quantity, entry.filled_quantity) == (10, 4)
    assert entry.average_price == Decimal("1499.95")
    assert entry.updated_at == datetime.fromtimestamp(1795752000, UTC)


def test_orders_when_a_child_waits_on_its_parent_then_it_is_the_desk_orders_stop() -> None:
    stop = read_orders()[1]

    assert (stop.client_order_id, stop.leg, stop.side) == ("order-acc-1-sig-1", Leg.STOP,
                                                           Side.SELL)
    assert stop.status is VenueOrderStatus.TRIGGER_PENDING
    assert stop.updated_at == NOW  # no execution time yet: when the desk read it


def test_orders_when_placed_elsewhere_then_external_with_its_own_ticker() -> None:
    external = read_orders()[2]

    assert external.client_order_id == "" and external.symbol == "AAPL"
    assert external.leg is Leg.SQUARE_OFF and external.status is VenueOrderStatus.CANCELLED


def test_order_when_the_status_is_unknown_then_a_payload_error_names_it() -> None:
    raw = dict(LIVE_ORDERS["orders"][0], status="Mystery")

    with pytest.raises(parsing.PayloadError, match="Mystery"):
        parsing.order(raw, symbols=SYMBOLS, coids={}, now=NOW)


def test_trades_when_a_fill_is_listed_then_exact_rupees_and_the_desk_id() -> None:
    [trade] = parsing.trades(TRADES, symbols=SYMBOLS, coids={}, now=NOW)

    assert trade.trade_id == "0000e0d5.6576a3ab.01.01" and trade.side is Side.BUY
    assert trade.price == Decimal("1500.50") and trade.quantity == 10
    assert (trade.client_order_id, trade.leg, trade.symbol) == ("order-acc-1-sig-1",
                                                                Leg.ENTRY, "INFY")


def test_positions_when_a_line_is_closed_then_only_open_holdings() -> None:
    payload = decoded("""[
      {"acctId": "DU7000001", "conid": 780000003, "contractDesc": "INFY", "position": 10.0,
       "avgPrice": 1500.5, "currency": "INR", "ticker": "INFY"},
      {"acctId": "DU7000001", "conid": 780000001, "contractDesc": "RELIANCE",
       "position": 0.0, "avgPrice": 0, "currency": "INR", "ticker": "RELIANCE"}]""")

    held = parsing.positions(payload, symbols=SYMBOLS)

    assert [(p.symbol, p.quantity, p.average_price) for p in held] == [
        ("INFY", 10, Decimal("1500.5"))]


def test_funds_when_the_ledger_has_a_base_entry_then_its_cash_and_stock_value() -> None:
    ledger = decoded("""{"INR": {"cashbalance": 9984995.0, "stockmarketvalue": 15005.0,
      "currency": "INR"}, "BASE": {"cashbalance": 9984995.0, "settledcash": 9984995.0,
      "stockmarketvalue": 15005.0, "netliquidationvalue": 10000000.0, "currency": "BASE"}}""")

    funds = parsing.funds(ledger, "BASE")

    assert (funds.available, funds.used) == (Decimal("9984995.0"), Decimal("15005.0"))
    with pytest.raises(parsing.PayloadError, match="USD"):
        parsing.funds(ledger, "USD")


def test_conid_when_a_symbol_lists_on_several_exchanges_then_the_configured_one() -> None:
    stocks = decoded("""{"INFY": [{"name": "INFOSYS LTD-SP ADR", "assetClass": "STK",
      "contracts": [{"conid": 4567, "exchange": "NYSE", "isUS": true}]},
      {"name": "INFOSYS LTD", "assetClass": "STK",
      "contracts": [{"conid": 780000003, "exchange": "NSE", "isUS": false}]}]}""")

    assert parsing.conid(stocks, "INFY", "NSE") == 780000003
    with pytest.raises(parsing.PayloadError, match="BSE"):
        parsing.conid(stocks, "INFY", "BSE")


def test_answer_when_ibkr_asks_then_a_question_of_known_kinds() -> None:
    payload = decoded("""[{"id": "07a13a5a-4a48-44a5-bb25-5ab37b79186c", "message":
      ["You are submitting an order without market data. We strongly recommend against this"],
      "isSuppressed": false, "messageIds": ["o354"]}]""")

    question = answer(payload)

    assert isinstance(question, Question)
    assert question.reply_id == "07a13a5a-4a48-44a5-bb25-5ab37b79186c"
    assert question.kinds == {"MISSING_MARKET_DATA"}
    assert question.accepted_by(["MISSING_MARKET_DATA"])
    assert not question.accepted_by(["STOP_ORDER_RISKS"])


def test_answer_when_a_question_also_names_a_refused_kind_then_it_is_refused() -> None:
    text = "This stop order exceeds the Total Value Limit of 500000 INR. Are you sure?"
    question = answer([{"id": "r1", "message": [text]}])

    assert isinstance(question, Question)
    assert not question.accepted_by(["STOP_ORDER_RISKS"])


def test_answer_when_the_question_is_unknown_then_no_allow_list_accepts_it() -> None:
    question = answer([{"id": "r2", "message": ["Something new IBKR asks"]}])

    assert isinstance(question, Question) and not question.accepted_by(["STOP_ORDER_RISKS"])


def test_answer_when_placed_then_every_order_id_in_ticket_order() -> None:
    placed = answer([{"order_id": "1500000001", "order_status": "Submitted",
                      "encrypt_message": "1"},
                     {"order_id": "1500000002", "order_status": "PreSubmitted"}])

    assert placed == Placed(order_ids=("1500000001", "1500000002"),
                            statuses=("Submitted", "PreSubmitted"))


def test_answer_when_the_coid_is_already_registered_then_a_duplicate() -> None:
    refused = {"error": "Order couldn't be submitted: Local order ID=order-acc-1-sig-1 is "
                        "already registered."}

    assert answer(refused) == Duplicate(coid="order-acc-1-sig-1")


def test_answer_when_ibkr_refuses_the_order_then_a_rejected_error_with_its_words() -> None:
    with pytest.raises(VenueError) as refused:
        answer({"error": "Contract 12 is not valid"})

    assert refused.value.kind is VenueErrorKind.REJECTED and "not valid" in str(refused.value)


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, "", VenueErrorKind.AUTH),
    (200, {"error": "not authenticated", "statusCode": 401}, VenueErrorKind.AUTH),
    (429, {"error": "Too many requests"}, VenueErrorKind.RATE_LIMITED),
    (503, "<html>Service Unavailable</html>", VenueErrorKind.UNAVAILABLE),
    (404, {"error": "not found"}, VenueErrorKind.NOT_FOUND),
    (400, {"error": "Invalid quantity"}, VenueErrorKind.REJECTED),
])
def test_error_for_when_ibkr_fails_then_the_desk_kind(status: int, body: Any,
                                                      kind: VenueErrorKind) -> None:
    error = error_for(status, body, "2")

    assert error is not None and error.kind is kind and error.status == status


def test_error_for_when_429_says_when_then_retry_after_is_kept() -> None:
    error = error_for(429, {"error": "Too many requests"}, "2")

    assert error is not None and error.retry_after == 2.0


def test_error_for_when_the_coid_is_a_duplicate_then_left_to_the_answer() -> None:
    body = {"error": "Order couldn't be submitted: Local order ID=x is already registered."}

    assert error_for(400, body) is None and error_for(200, [{"order_id": "1"}]) is None


def bracket(**changes: Any) -> BracketRequest:
    fields: dict[str, Any] = dict(
        client_order_id="order-acc-1-sig-1", symbol="INFY", isin="INE009A01021", quantity=10,
        stop=Decimal("1450.05"), target=Decimal("1560.00"), intraday=False,
        reference_price=Decimal("1500.00"))
    return BracketRequest(**(fields | changes))


def test_bracket_tickets_when_built_then_children_name_the_parent_in_one_oca_group() -> None:
    parent, stop, target = bracket_tickets(bracket(), account_id="DU7000001", conid=7,
                                           parent_coid="order-acc-1-sig-1")

    assert (parent["cOID"], parent["side"], parent["orderType"]) == (
        "order-acc-1-sig-1", "BUY", "MKT")
    assert "parentId" not in parent and parent["tif"] == "GTC"
    assert stop["parentId"] == target["parentId"] == "order-acc-1-sig-1"
    assert stop["isSingleGroup"] and target["isSingleGroup"]
    assert (stop["orderType"], stop["price"]) == ("STP", 1450.05)
    assert (target["orderType"], target["price"]) == ("LMT", 1560.0)
    assert set(leg_coids("order-acc-1-sig-1")) == {parent["cOID"], stop["cOID"], target["cOID"]}


def test_bracket_tickets_when_a_limit_intraday_entry_then_lmt_for_the_day() -> None:
    parent, *_ = bracket_tickets(bracket(entry_limit=Decimal("1501.00"), intraday=True),
                                 account_id="DU7000001", conid=7, parent_coid="x")

    assert (parent["orderType"], parent["price"], parent["tif"]) == ("LMT", 1501.0, "DAY")


def test_coid_when_the_desk_id_is_too_long_then_the_same_short_hash_every_time() -> None:
    long_id = "order-acc-sip-aggressive-momentum-INFY-202611271015"

    coid = coid_for(long_id, 40)

    assert coid == coid_for(long_id, 40) and coid != long_id
    assert len(coid) + len(".stp") <= 40
    assert coid_for("order-acc-1-sig-1", 40) == "order-acc-1-sig-1"
    assert parsing.claim(coid + ".tgt", Side.SELL, {coid: long_id}) == (long_id, Leg.TARGET)


def test_config_when_the_gateway_is_local_then_tls_is_not_verified_else_it_is() -> None:
    local = IbkrConfig(account_id="DU1")
    remote = IbkrConfig(account_id="DU1", base_url="https://gw.example.net/v1/api")

    assert not local.tls_verified and remote.tls_verified
    assert local.ws_url == "wss://localhost:5000/v1/api/ws"


def test_config_when_an_unknown_question_kind_is_allowed_then_refused() -> None:
    with pytest.raises(ValueError, match="ANYTHING"):
        IbkrConfig.from_env({"IBKR_ACCOUNT_ID": "DU1", "IBKR_ACCEPT_QUESTIONS": "ANYTHING"})
