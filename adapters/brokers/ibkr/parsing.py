"""Pure readings of IBKR Client Portal payloads as the desk's values: live orders (REST and
the `sor` topic), trades (REST and `str`), portfolio positions, the ledger, and contracts
from `/trsrv/stocks`.

Payloads are decoded with `parse_float=Decimal`, so prices arrive here as Decimal, int or
numeric text and never pass through a binary float.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.brokers.ibkr.orders import split_coid
from domain.broker import BrokerFunds, BrokerPosition
from domain.values import Leg, Side
from domain.venue import VenueOrder, VenueOrderStatus, VenueTrade

# IBKR's order states (TWS vocabulary) in the desk's terms.
ORDER_STATUS: dict[str, VenueOrderStatus] = {
    "PendingSubmit": VenueOrderStatus.PENDING,
    "ApiPending": VenueOrderStatus.PENDING,
    "PreSubmitted": VenueOrderStatus.TRIGGER_PENDING,  # held: a child waiting on its parent
    "Submitted": VenueOrderStatus.OPEN,
    "PendingCancel": VenueOrderStatus.OPEN,  # still working until IBKR confirms the cancel
    "WarnState": VenueOrderStatus.OPEN,
    "Filled": VenueOrderStatus.FILLED,
    "Cancelled": VenueOrderStatus.CANCELLED,
    "ApiCancelled": VenueOrderStatus.CANCELLED,
    "Inactive": VenueOrderStatus.REJECTED,  # IBKR parks refused orders as Inactive
}
SIDES = {"BUY": Side.BUY, "B": Side.BUY, "SELL": Side.SELL, "S": Side.SELL}


class PayloadError(ValueError):
    """An IBKR payload missing a field the desk needs or holding an unreadable value."""


def decimal(value: Any, name: str) -> Decimal:
    """A number from an IBKR field (Decimal, int or numeric text)."""
    try:
        return Decimal(str(value).replace(",", ""))
    except (InvalidOperation, ValueError):
        raise PayloadError(f"{name}: {value!r} is not a number") from None


def quantity(value: Any, name: str) -> int:
    """A share count IBKR sends as a number like `10.0`."""
    number = decimal(value, name)
    if number != number.to_integral_value():
        raise PayloadError(f"{name}: {value!r} is not a whole number of shares")
    return int(number)


def epoch_ms(value: Any, fallback: datetime) -> datetime:
    """An IBKR `*_r` millisecond timestamp as UTC; `fallback` when it is absent."""
    if value in (None, ""):
        return fallback
    return datetime.fromtimestamp(int(decimal(value, "timestamp")) / 1000, UTC)


def _field(raw: Mapping[str, Any], name: str) -> Any:
    if raw.get(name) in (None, ""):
        raise PayloadError(f"IBKR payload lacks {name!r}")
    return raw[name]


def _side(raw: Mapping[str, Any]) -> Side:
    side = str(_field(raw, "side")).upper()
    if side not in SIDES:
        raise PayloadError(f"side: {side!r} is neither BUY nor SELL")
    return SIDES[side]


def claim(order_ref: str, side: Side, coids: Mapping[str, str]) -> tuple[str, Leg]:
    """The desk's order id and leg behind an order's `order_ref` (`coids`: parent cOID ->
    desk id for hashed ids); ("", ...) for an order placed elsewhere."""
    if not order_ref:
        return "", Leg.ENTRY if side is Side.BUY else Leg.SQUARE_OFF
    parent, leg = split_coid(order_ref)
    return coids.get(parent, parent), leg


def order(raw: Mapping[str, Any], *, symbols: Mapping[int, str], coids: Mapping[str, str],
          now: datetime) -> VenueOrder:
    """One order from `GET /iserver/account/orders` or a `sor` message."""
    side = _side(raw)
    client_order_id, leg = claim(str(raw.get("order_ref") or ""), side, coids)
    status_text = str(_field(raw, "status"))
    status = ORDER_STATUS.get(status_text)
    if status is None:
        raise PayloadError(f"status: unknown IBKR order status {status_text!r}")
    filled = quantity(raw.get("filledQuantity", 0), "filledQuantity")
    remaining = quantity(raw.get("remainingQuantity", 0), "remainingQuantity")
    if status is VenueOrderStatus.OPEN and filled:
        status = VenueOrderStatus.PARTIALLY_FILLED
    average = raw.get("avgPrice")
    conid = int(_field(raw, "conid"))
    return VenueOrder(
        venue_order_id=str(_field(raw, "orderId")),
        client_order_id=client_order_id,
        leg=leg,
        symbol=symbols.get(conid, str(raw.get("ticker") or conid)),
        side=side,
        quantity=filled + remaining,
        filled_quantity=filled,
        average_price=decimal(average, "avgPrice") if average not in (None, "") else None,
        status=status,
        updated_at=epoch_ms(raw.get("lastExecutionTime_r"), now),
        reason=str(raw.get("order_ccp_status") or "") if status is VenueOrderStatus.REJECTED
        else "",
    )


def orders(payload: Any, *, symbols: Mapping[int, str], coids: Mapping[str, str],
           now: datetime) -> list[VenueOrder]:
    """The `orders` list of `GET /iserver/account/orders`."""
    if not isinstance(payload, Mapping):
        raise PayloadError("live orders: expected an object with 'orders'")
    return [order(raw, symbols=symbols, coids=coids, now=now)
            for raw in payload.get("orders") or []]


def trade(raw: Mapping[str, Any], *, symbols: Mapping[int, str], coids: Mapping[str, str],
          now: datetime) -> VenueTrade:
    """One execution from `GET /iserver/account/trades` or a `str` message."""
    side = _side(raw)
    client_order_id, leg = claim(str(raw.get("order_ref") or ""), side, coids)
    conid = int(_field(raw, "conid"))
    return VenueTrade(
        trade_id=str(_field(raw, "execution_id")),
        venue_order_id=str(raw.get("order_id") or ""),
        client_order_id=client_order_id,
        leg=leg,
        symbol=symbols.get(conid, str(raw.get("symbol") or conid)),
        side=side,
        quantity=quantity(_field(raw, "size"), "size"),
        price=decimal(_field(raw, "price"), "price"),
        at=epoch_ms(raw.get("trade_time_r"), now),
    )


def trades(payload: Any, *, symbols: Mapping[int, str], coids: Mapping[str, str],
           now: datetime) -> list[VenueTrade]:
    """The list `GET /iserver/account/trades` answers with."""
    if not isinstance(payload, list):
        raise PayloadError("trades: expected a list")
    return [trade(raw, symbols=symbols, coids=coids, now=now) for raw in payload]


def positions(payload: Any, *, symbols: Mapping[int, str]) -> list[BrokerPosition]:
    """`GET /portfolio/{acct}/positions/{page}`, without the closed (zero) lines."""
    if not isinstance(payload, list):
        raise PayloadError("positions: expected a list")
    held = []
    for raw in payload:
        size = quantity(_field(raw, "position"), "position")
        if size:
            conid = int(_field(raw, "conid"))
            symbol = symbols.get(conid, str(raw.get("ticker") or raw.get("contractDesc")
                                            or conid))
            held.append(BrokerPosition(symbol=symbol, quantity=size,
                                       average_price=decimal(raw.get("avgPrice", 0),
                                                             "avgPrice")))
    return held


def funds(payload: Any, currency: str) -> BrokerFunds:
    """Cash in one ledger currency of `GET /portfolio/{acct}/ledger` (`BASE`: the account's
    base currency): the cash balance, and what its stock positions hold."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get(currency), Mapping):
        raise PayloadError(f"ledger: no {currency!r} entry")
    entry = payload[currency]
    return BrokerFunds(available=decimal(_field(entry, "cashbalance"), "cashbalance"),
                       used=decimal(entry.get("stockmarketvalue", 0), "stockmarketvalue"))


def conid(payload: Any, symbol: str, exchange: str) -> int:
    """The conid of `symbol` listed on `exchange`, from `GET /trsrv/stocks?symbols=...`."""
    listings = payload.get(symbol) if isinstance(payload, Mapping) else None
    for instrument in listings or []:
        for contract in instrument.get("contracts") or []:
            if str(contract.get("exchange", "")).upper() == exchange.upper():
                return int(_field(contract, "conid"))
    raise PayloadError(f"{symbol}: no {exchange} contract at IBKR")
