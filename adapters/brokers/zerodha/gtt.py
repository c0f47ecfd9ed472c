"""Kite's GTT (good-till-triggered) as the desk's bracket exits: the two-leg (OCO) form the
adapter sends once an entry fills, the GTTs Kite lists, and which desk bracket each belongs
to. Pure functions.

A GTT carries no tag the venue reports back, so the owner of each GTT is found from the
order book: a desk-tagged entry that filled, paired with the two-leg GTT on the same symbol
and quantity created after that fill (earliest with earliest). The same books give the same
pairs, so the mapping survives a restart without any local state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from adapters.brokers.zerodha.parsing import Instrument, Row, is_desk_tag, kite_time, parse_order
from domain.values import Leg, Side
from domain.venue import VenueOrder, VenueOrderStatus

TWO_LEG = "two-leg"
EXIT_LEGS = (Leg.STOP, Leg.TARGET)  # Kite fires orders[i] at trigger_values[i], lower first
CLOSED = {"cancelled": VenueOrderStatus.CANCELLED, "deleted": VenueOrderStatus.CANCELLED,
          "disabled": VenueOrderStatus.CANCELLED, "expired": VenueOrderStatus.CANCELLED,
          "rejected": VenueOrderStatus.REJECTED}


@dataclass(frozen=True)
class LegResult:
    """What Kite did when a GTT leg fired: the order it placed, or why it failed."""

    order_id: str
    status: str
    reason: str


@dataclass(frozen=True)
class Gtt:
    """One GTT as `/gtt/triggers` lists it."""

    gtt_id: str
    kind: str
    status: str
    tradingsymbol: str
    quantity: int
    sell: bool
    product: str
    trigger_values: tuple[Decimal, ...]
    created_at: datetime | None
    updated_at: datetime | None
    results: tuple[LegResult | None, ...]


def _tick(price: Decimal, tick: Decimal, rounding: str) -> Decimal:
    return (price / tick).quantize(Decimal(1), rounding=rounding) * tick


def exit_form(instrument: Instrument, *, quantity: int, stop: Decimal, target: Decimal,
              last_price: Decimal, product: str, tag: str, slippage: Decimal) -> dict[str, str]:
    """The form of `POST /gtt/triggers` for a long position's exits: a two-leg GTT whose
    lower trigger sells at a limit just below the stop, its upper at the target."""
    tick = instrument.tick_size
    stop_limit = _tick(stop * (1 - slippage), tick, ROUND_FLOOR)
    inside = min(max(last_price, stop + tick), target - tick)  # Kite wants it between
    condition = {"exchange": instrument.exchange, "tradingsymbol": instrument.tradingsymbol,
                 "trigger_values": [float(stop), float(target)],
                 "last_price": float(_tick(inside, tick, ROUND_CEILING))}
    legs = [{"exchange": instrument.exchange, "tradingsymbol": instrument.tradingsymbol,
             "transaction_type": "SELL", "quantity": quantity, "order_type": "LIMIT",
             "product": product, "price": float(price), "tag": tag}
            for price in (stop_limit, target)]
    return {"type": TWO_LEG, "condition": json.dumps(condition), "orders": json.dumps(legs)}


def _result(order: Row) -> LegResult | None:
    result = order.get("result")
    if not isinstance(result, dict):
        return None
    outcome = result.get("order_result") or {}
    return LegResult(str(outcome.get("order_id") or ""), str(outcome.get("status") or ""),
                     str(outcome.get("rejection_reason") or ""))


def parse_gtt(row: Row) -> Gtt:
    """One element of `/gtt/triggers`' data."""
    condition: Row = row.get("condition") or {}
    orders: Sequence[Row] = row.get("orders") or ()
    return Gtt(
        gtt_id=str(row["id"]), kind=str(row.get("type") or ""), status=str(row.get("status")),
        tradingsymbol=str(condition.get("tradingsymbol") or ""),
        quantity=int(orders[0].get("quantity") or 0) if orders else 0,
        sell=bool(orders) and all(o.get("transaction_type") == "SELL" for o in orders),
        product=str(orders[0].get("product") or "CNC") if orders else "CNC",
        trigger_values=tuple(Decimal(str(v)) for v in condition.get("trigger_values") or ()),
        created_at=kite_time(row.get("created_at")), updated_at=kite_time(row.get("updated_at")),
        results=tuple(_result(o) for o in orders),
    )


def owners(entries: Sequence[tuple[str, VenueOrder]], gtts: Sequence[Gtt],
           known: Mapping[str, str]) -> dict[str, str]:
    """GTT id -> the desk tag of the bracket it exits. `known` (placed by this process) is
    taken as is; the rest pairs filled desk entries with two-leg sell GTTs on the same
    symbol and quantity created at or after the fill, earliest with earliest."""
    found = {gtt_id: tag for gtt_id, tag in known.items()}
    taken = set(found.values())
    waiting = sorted(((tag, o) for tag, o in entries if is_desk_tag(tag) and tag not in taken
                      and o.status is VenueOrderStatus.FILLED),
                     key=lambda pair: (pair[1].updated_at, pair[1].venue_order_id))
    never = datetime.max.replace(tzinfo=UTC)
    for gtt in sorted(gtts, key=lambda g: (g.created_at or never, int(g.gtt_id))):
        if gtt.gtt_id in found or gtt.kind != TWO_LEG or not gtt.sell:
            continue
        for i, (tag, entry) in enumerate(waiting):
            after = gtt.created_at is None or entry.updated_at <= gtt.created_at
            same = (entry.symbol, entry.filled_quantity) == (gtt.tradingsymbol, gtt.quantity)
            if same and after:
                found[gtt.gtt_id] = tag
                del waiting[i]
                break
    return found


def exit_legs(gtt: Gtt, client_order_id: str, book: Mapping[str, Row]) -> list[VenueOrder]:
    """The bracket's STOP and TARGET as the desk sees them: waiting while the GTT is active,
    the order a fired leg placed (from the order `book`), the other leg cancelled."""
    at = gtt.updated_at or gtt.created_at or datetime.fromtimestamp(0, UTC)
    fired = any(r is not None for r in gtt.results)

    def waiting(leg: Leg, status: VenueOrderStatus, reason: str = "") -> VenueOrder:
        return VenueOrder(gtt.gtt_id, client_order_id, leg, gtt.tradingsymbol, Side.SELL,
                          gtt.quantity, 0, None, status, at, reason)

    legs: list[VenueOrder] = []
    for leg, result in zip(EXIT_LEGS, gtt.results + (None,) * 2, strict=False):
        if result is not None and result.order_id in book:
            legs.append(parse_order(book[result.order_id], client_order_id, leg))
        elif result is not None:
            failed = result.status not in ("success", "")
            legs.append(waiting(leg, VenueOrderStatus.REJECTED if failed
                                else VenueOrderStatus.PENDING, result.reason))
        elif fired:
            legs.append(waiting(leg, VenueOrderStatus.CANCELLED, "the other GTT leg fired"))
        elif gtt.status in CLOSED:
            legs.append(waiting(leg, CLOSED[gtt.status], f"GTT {gtt.status}"))
        else:
            legs.append(waiting(leg, VenueOrderStatus.TRIGGER_PENDING))
    return legs


def fired_orders(gtts: Sequence[Gtt], tags: Mapping[str, str]) -> dict[str, tuple[str, Leg]]:
    """Order id -> (desk tag, leg) for every order a desk GTT's leg placed."""
    return {r.order_id: (tags[g.gtt_id], leg)
            for g in gtts if g.gtt_id in tags
            for leg, r in zip(EXIT_LEGS, g.results, strict=False) if r and r.order_id}


def gtt_rows(data: Any) -> list[Gtt]:
    """`/gtt/triggers`' data, each element parsed; malformed elements are skipped."""
    gtts = []
    for row in data if isinstance(data, list) else ():
        try:
            gtts.append(parse_gtt(row))
        except (KeyError, TypeError, ValueError, ArithmeticError):
            continue
    return gtts
