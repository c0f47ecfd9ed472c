"""Upstox payloads to plain values: the error envelope, order and trade rows (order book,
trade book, portfolio-stream and webhook messages), positions, holdings and funds.

Pure functions of the documented JSON; the adapter adds what only it knows (which desk
order an Upstox order belongs to).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapters.brokers.upstox.gtt import GttOrder, parse_gtt
from adapters.brokers.upstox.times import parse_time
from domain.broker import BrokerFunds
from domain.values import Side
from domain.venue import VenueError, VenueErrorKind, VenueOrderStatus

# UDAPI codes whose meaning the HTTP status alone does not carry (page /error-codes).
ERROR_KINDS: dict[str, VenueErrorKind] = {
    "UDAPI100050": VenueErrorKind.AUTH,  # invalid token
    "UDAPI10005": VenueErrorKind.RATE_LIMITED,
    "UDAPI100036": VenueErrorKind.REJECTED,  # invalid input
    "UDAPI100038": VenueErrorKind.REJECTED,  # invalid input
    "UDAPI1149": VenueErrorKind.REJECTED,  # plan does not allow the API
    "UDAPI100500": VenueErrorKind.UNAVAILABLE,  # server error
}
STATUS_KINDS: dict[int, VenueErrorKind] = {
    401: VenueErrorKind.AUTH, 403: VenueErrorKind.AUTH, 404: VenueErrorKind.NOT_FOUND,
    429: VenueErrorKind.RATE_LIMITED,
}

# Order statuses are free text; the ones that end or park an order, else it is in flight.
FINAL_STATUSES = (("complete", VenueOrderStatus.FILLED),
                  ("cancelled", VenueOrderStatus.CANCELLED),
                  ("rejected", VenueOrderStatus.REJECTED),
                  ("trigger pending", VenueOrderStatus.TRIGGER_PENDING))

TAG_LIMIT = 40  # Upstox `tag`: up to 40 characters
_PLAIN_TAG = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class OrderRow:
    """One order as Upstox reports it (order book row or order update message)."""

    order_id: str
    instrument_token: str
    trading_symbol: str
    side: Side
    quantity: int
    filled_quantity: int
    average_price: Decimal | None
    status: VenueOrderStatus
    status_text: str
    tag: str
    at: datetime


@dataclass(frozen=True)
class TradeRow:
    """One fill from the trade book."""

    trade_id: str
    order_id: str
    instrument_token: str
    trading_symbol: str
    side: Side
    quantity: int
    price: Decimal
    at: datetime


@dataclass(frozen=True)
class Holding:
    """A position or a holding, by instrument: net quantity and its average price."""

    instrument_token: str
    trading_symbol: str
    quantity: int
    average_price: Decimal


def error_from(status: int, body: Any) -> VenueError:
    """The desk's error for an Upstox error answer; reads `error_code` and `errorCode`."""
    problems = body.get("errors") if isinstance(body, Mapping) else None
    first = problems[0] if isinstance(problems, list) and problems else {}
    first = first if isinstance(first, Mapping) else {}
    code = str(first.get("error_code") or first.get("errorCode") or "")
    message = str(first.get("message") or f"HTTP {status}")
    kind = ERROR_KINDS.get(code) or STATUS_KINDS.get(status) or (
        VenueErrorKind.UNAVAILABLE if status >= 500 else VenueErrorKind.REJECTED)
    return VenueError(kind, message, code=code, status=status)


def order_tag(client_order_id: str) -> str:
    """The `tag` carrying a desk order id: the id itself when it fits, else a short hash
    of it (deterministic, so a lookup by tag finds it after a restart)."""
    if len(client_order_id) <= TAG_LIMIT and _PLAIN_TAG.fullmatch(client_order_id):
        return client_order_id
    return "desk-" + hashlib.sha256(client_order_id.encode()).hexdigest()[:32]


def order_status(text: str, filled: int) -> VenueOrderStatus:
    """The desk's status for Upstox's free-text one."""
    lowered = text.lower()
    for marker, status in FINAL_STATUSES:
        if marker in lowered:
            return status
    if lowered == "open":
        return VenueOrderStatus.PARTIALLY_FILLED if filled else VenueOrderStatus.OPEN
    return VenueOrderStatus.PENDING


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


def _symbol(row: Mapping[str, Any]) -> str:
    return str(row.get("trading_symbol") or row.get("tradingsymbol") or "")


def parse_order(row: Mapping[str, Any]) -> OrderRow:
    """An order book row or an `order` update message."""
    filled = int(row.get("filled_quantity") or 0)
    average = _decimal(row.get("average_price"))
    stamp = row.get("exchange_timestamp") or row.get("order_timestamp")
    return OrderRow(
        order_id=str(row["order_id"]),
        instrument_token=str(row.get("instrument_token") or row.get("instrument_key") or ""),
        trading_symbol=_symbol(row),
        side=Side(str(row["transaction_type"])),
        quantity=int(row["quantity"]),
        filled_quantity=filled,
        average_price=average if average and filled else None,
        status=order_status(str(row.get("status") or ""), filled),
        status_text=str(row.get("status_message") or row.get("status") or ""),
        tag=str(row.get("tag") or ""),
        at=parse_time(stamp) if stamp else datetime.fromtimestamp(0, UTC),
    )


def parse_trade(row: Mapping[str, Any]) -> TradeRow:
    """A trade book row (today's trades, or one order's)."""
    stamp = row.get("exchange_timestamp") or row.get("order_timestamp")
    return TradeRow(
        trade_id=str(row["trade_id"]),
        order_id=str(row["order_id"]),
        instrument_token=str(row.get("instrument_token") or ""),
        trading_symbol=_symbol(row),
        side=Side(str(row["transaction_type"])),
        quantity=int(row["quantity"]),
        price=Decimal(str(row["average_price"])),
        at=parse_time(stamp) if stamp else datetime.fromtimestamp(0, UTC),
    )


def parse_holding(row: Mapping[str, Any]) -> Holding:
    """A short-term position or a long-term holding row."""
    return Holding(
        instrument_token=str(row.get("instrument_token") or ""),
        trading_symbol=_symbol(row),
        quantity=int(row.get("quantity") or 0),
        average_price=_decimal(row.get("average_price")) or Decimal(0),
    )


def parse_funds(data: Mapping[str, Any]) -> BrokerFunds:
    """Funds v3: available to trade, and the margin cash and pledge have in use."""
    available = data["available_to_trade"]
    used = sum((Decimal(str(available[bucket]["margin_used"]["total"]))
                for bucket in ("cash_available_to_trade", "pledge_available_to_trade")
                if bucket in available), Decimal(0))
    return BrokerFunds(available=Decimal(str(available["total"])), used=used)


def parse_update(message: Mapping[str, Any]) -> OrderRow | GttOrder | None:
    """A portfolio-stream or webhook message: an order, a GTT, or None for the position and
    holding updates the desk reads by polling. Raises ValueError when it is malformed."""
    kind = message.get("update_type")
    try:
        if kind == "order":
            return parse_order(message)
        if kind == "gtt_order":
            return parse_gtt(message)
    except (KeyError, TypeError, ArithmeticError) as e:
        raise ValueError(f"malformed {kind} update: {e!r}") from None
    if kind in ("position", "holding"):
        return None
    raise ValueError(f"unknown update_type {kind!r}")
