"""Pure functions from Kite Connect v3's documented payloads (JSON envelopes, order and trade
rows, positions, holdings, margins, the instruments CSV, ticker text messages) to the desk's
values, and from its error envelope to `VenueError`."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.broker import BrokerFunds, BrokerPosition
from domain.session import IST
from domain.values import Leg, Side
from domain.venue import (
    VenueError,
    VenueErrorKind,
    VenueOrder,
    VenueOrderStatus,
    VenueTrade,
)

Row = Mapping[str, Any]
TAG_PREFIX = "ED"  # marks a tag as the desk's, beside tags other apps put on the account
TAG_LENGTH = 20  # Kite's limit for `tag`, alphanumeric only
KITE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}").fullmatch

# Kite's error_type -> the desk's kind (docs /exceptions); anything else is judged by status.
ERROR_KINDS: dict[str, VenueErrorKind] = {
    "TokenException": VenueErrorKind.AUTH,
    "PermissionException": VenueErrorKind.AUTH,
    "InputException": VenueErrorKind.REJECTED,
    "OrderException": VenueErrorKind.REJECTED,
    "MarginException": VenueErrorKind.REJECTED,
    "HoldingException": VenueErrorKind.REJECTED,
    "UserException": VenueErrorKind.REJECTED,
    "NetworkException": VenueErrorKind.UNAVAILABLE,
    "DataException": VenueErrorKind.UNAVAILABLE,
    "GeneralException": VenueErrorKind.UNAVAILABLE,
}

# Kite's order statuses (order book, ticker, postback) -> the desk's; the many
# "... PENDING"/"... RECEIVED" transit states are PENDING.
ORDER_STATUSES: dict[str, VenueOrderStatus] = {
    "COMPLETE": VenueOrderStatus.FILLED,
    "CANCELLED": VenueOrderStatus.CANCELLED,
    "REJECTED": VenueOrderStatus.REJECTED,
    "TRIGGER PENDING": VenueOrderStatus.TRIGGER_PENDING,
    "OPEN": VenueOrderStatus.OPEN,
    "UPDATE": VenueOrderStatus.OPEN,
}


def client_tag(client_order_id: str) -> str:
    """The Kite `tag` (at most 20 alphanumerics) for a desk order id: the same every time,
    so `find` after a restart asks for exactly what was sent."""
    digest = hashlib.sha256(client_order_id.encode()).hexdigest().upper()
    return TAG_PREFIX + digest[: TAG_LENGTH - len(TAG_PREFIX)]


def is_desk_tag(tag: object) -> bool:
    """True for a tag the desk could have minted (its prefix and length)."""
    return isinstance(tag, str) and len(tag) == TAG_LENGTH and tag.startswith(TAG_PREFIX)


def loads(text: str) -> Any:
    """JSON with every number as a Decimal, so rupees never pass through a float."""
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def kite_time(value: object) -> datetime | None:
    """Kite's `YYYY-MM-DD HH:MM:SS` (exchange time, IST) as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    if not KITE_TIME(value):  # fromisoformat alone would take other shapes too
        return None
    try:  # not strptime: its format parsing was most of reading an order row (--profile)
        return datetime.fromisoformat(value).replace(tzinfo=IST).astimezone(UTC)
    except ValueError:
        return None


def unwrap(status: int, text: str) -> Any:
    """The `data` of a success envelope, or the `VenueError` its error envelope means."""
    try:
        body = loads(text)
    except ValueError:
        body = None
    if status < 400 and isinstance(body, dict) and body.get("status") == "success":
        return body.get("data")
    raise error_from(status, body)


@contextmanager
def readable(what: str) -> Iterator[None]:
    """Turn a payload the desk cannot read into a `VenueError` naming what it was, so a
    malformed answer is a clear failure, never a crash."""
    try:
        yield
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError):
        raise VenueError(VenueErrorKind.UNAVAILABLE, f"Kite's {what} could not be read") from None


def error_from(status: int, body: object) -> VenueError:
    """Kite's `{"status":"error","message","error_type"}` (or a bare status) as a `VenueError`."""
    error_type = str(body.get("error_type") or "") if isinstance(body, dict) else ""
    message = str(body.get("message") or "") if isinstance(body, dict) else ""
    message = message[:200] or f"HTTP {status}"
    if status == 429:
        kind = VenueErrorKind.RATE_LIMITED
    elif error_type in ERROR_KINDS:
        kind = ERROR_KINDS[error_type]
    elif status in (401, 403):
        kind = VenueErrorKind.AUTH
    elif status == 404:
        kind = VenueErrorKind.NOT_FOUND
    elif 400 <= status < 500:
        kind = VenueErrorKind.REJECTED
    else:
        kind = VenueErrorKind.UNAVAILABLE
    return VenueError(kind, message, code=error_type, status=status)


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def _int(value: object) -> int:
    return int(_decimal(value))


def order_status(row: Row) -> VenueOrderStatus:
    """The desk's status of a Kite order row, telling a partial fill from an open order."""
    status = ORDER_STATUSES.get(str(row.get("status") or ""), VenueOrderStatus.PENDING)
    filled = _int(row.get("filled_quantity"))
    if status is VenueOrderStatus.OPEN and 0 < filled < _int(row.get("quantity")):
        return VenueOrderStatus.PARTIALLY_FILLED
    return status


def parse_order(row: Row, client_order_id: str, leg: Leg) -> VenueOrder:
    """One order row (order book, ticker `data`, postback) as the desk's `VenueOrder`."""
    average = _decimal(row.get("average_price"))
    updated = (kite_time(row.get("exchange_update_timestamp"))
               or kite_time(row.get("order_timestamp")) or datetime.fromtimestamp(0, UTC))
    return VenueOrder(
        venue_order_id=str(row["order_id"]), client_order_id=client_order_id, leg=leg,
        symbol=str(row.get("tradingsymbol") or ""), side=Side(str(row["transaction_type"])),
        quantity=_int(row.get("quantity")), filled_quantity=_int(row.get("filled_quantity")),
        average_price=average if average > 0 else None, status=order_status(row),
        updated_at=updated, reason=str(row.get("status_message") or ""),
    )


def parse_trade(row: Row, client_order_id: str, leg: Leg) -> VenueTrade:
    """One trade row (`/trades`, `/orders/{id}/trades`) as the desk's `VenueTrade`."""
    at = (kite_time(row.get("fill_timestamp")) or kite_time(row.get("exchange_timestamp"))
          or datetime.fromtimestamp(0, UTC))
    return VenueTrade(
        trade_id=str(row["trade_id"]), venue_order_id=str(row["order_id"]),
        client_order_id=client_order_id, leg=leg, symbol=str(row.get("tradingsymbol") or ""),
        side=Side(str(row["transaction_type"])), quantity=_int(row.get("quantity")),
        price=_decimal(row.get("average_price")), at=at,
    )


def parse_positions(positions: Row, holdings: Sequence[Row]) -> list[BrokerPosition]:
    """What the account holds per symbol: settled and T1 holdings plus today's net position
    (a sale of holdings shows as a negative position until settlement)."""
    held: dict[str, tuple[int, Decimal, int]] = {}  # symbol -> (qty, bought value, bought qty)

    def add(symbol: str, quantity: int, price: Decimal) -> None:
        qty, value, bought = held.get(symbol, (0, Decimal(0), 0))
        if quantity > 0:
            value, bought = value + price * quantity, bought + quantity
        held[symbol] = (qty + quantity, value, bought)

    for row in holdings:
        add(str(row["tradingsymbol"]),
            _int(row.get("quantity")) + _int(row.get("t1_quantity")),
            _decimal(row.get("average_price")))
    for row in positions.get("net") or ():
        add(str(row["tradingsymbol"]), _int(row.get("quantity")),
            _decimal(row.get("average_price")))
    return [BrokerPosition(symbol, qty, (value / bought).quantize(Decimal("0.01")))
            for symbol, (qty, value, bought) in sorted(held.items()) if qty > 0 and bought]


def parse_margins(data: Row) -> BrokerFunds:
    """`/user/margins`: the equity segment's net as available, its debits as used."""
    equity = data.get("equity") or {}
    utilised = equity.get("utilised") or {}
    return BrokerFunds(available=max(_decimal(equity.get("net")), Decimal(0)),
                       used=_decimal(utilised.get("debits")))


@dataclass(frozen=True)
class Instrument:
    """One row of Kite's instruments CSV that the desk trades on."""

    instrument_token: int
    exchange_token: int
    tradingsymbol: str
    exchange: str
    tick_size: Decimal
    lot_size: int


def parse_instruments(text: str, exchange: str) -> dict[str, Instrument]:
    """`/instruments`' CSV (`instrument_token,exchange_token,tradingsymbol,...,exchange`):
    the exchange's equities by trading symbol; malformed rows are skipped."""
    table: dict[str, Instrument] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row.get("exchange") != exchange or row.get("instrument_type") not in ("EQ", None):
            continue
        try:
            table[row["tradingsymbol"]] = Instrument(
                int(row["instrument_token"]), int(row["exchange_token"]), row["tradingsymbol"],
                exchange, Decimal(row["tick_size"]), int(row["lot_size"] or 1))
        except (KeyError, ValueError, ArithmeticError):
            continue
    return table


def ticker_order(text: str) -> Row | None:
    """The order row of a ticker text message `{"type":"order","data":{...}}`; None for the
    other message types (`message`, `error`) and for anything unreadable."""
    try:
        message = loads(text)
    except ValueError:
        return None
    if not isinstance(message, dict) or message.get("type") != "order":
        return None
    data = message.get("data")
    return data if isinstance(data, dict) and "order_id" in data else None
