"""The desk's bracket as an Upstox MULTIPLE GTT (ENTRY, then TARGET and STOPLOSS that cancel
each other), and GTTs as Upstox reports them (GET /v3/order/gtt, `gtt_order` updates).

A GTT always executes as a LIMIT order, so the entry's trigger is a limit price: the
card's reference price plus a protection, on the tick grid. Upstox GTTs carry no `tag`, so
a GTT is known by its fingerprint (instrument, quantity, product, side, trigger prices)
until its id is recorded against the desk's order id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from adapters.brokers.upstox.instruments import Instrument, round_to_tick
from adapters.brokers.upstox.times import parse_time
from domain.values import Leg
from domain.venue import BracketRequest, VenueOrderStatus

HUNDRED = Decimal(100)
STRATEGY_LEGS: dict[str, Leg] = {"ENTRY": Leg.ENTRY, "TARGET": Leg.TARGET,
                                 "STOPLOSS": Leg.STOP}
# Rule statuses: SCHEDULED, TRIGGERED, EXPIRED, OPEN, COMPLETED, CANCELLED, PENDING,
# FAILED, INACTIVE. A triggered rule's order then speaks for itself in the order book.
RULE_STATUSES: dict[str, VenueOrderStatus] = {
    "SCHEDULED": VenueOrderStatus.TRIGGER_PENDING,
    "PENDING": VenueOrderStatus.TRIGGER_PENDING,
    "INACTIVE": VenueOrderStatus.TRIGGER_PENDING,
    "TRIGGERED": VenueOrderStatus.OPEN,
    "OPEN": VenueOrderStatus.OPEN,
    "COMPLETED": VenueOrderStatus.FILLED,
    "CANCELLED": VenueOrderStatus.CANCELLED,
    "EXPIRED": VenueOrderStatus.CANCELLED,
    "FAILED": VenueOrderStatus.REJECTED,
}


@dataclass(frozen=True)
class GttRule:
    """One leg of a GTT as Upstox reports it."""

    strategy: str
    status: str
    trigger_type: str
    trigger_price: Decimal
    transaction_type: str
    order_id: str  # "" until the rule has placed its order
    message: str

    @property
    def leg(self) -> Leg:
        """The bracket leg this rule is."""
        return STRATEGY_LEGS[self.strategy]

    @property
    def venue_status(self) -> VenueOrderStatus:
        """The rule's status in the desk's terms."""
        return RULE_STATUSES.get(self.status.upper(), VenueOrderStatus.PENDING)


@dataclass(frozen=True)
class GttOrder:
    """A GTT as Upstox reports it."""

    gtt_order_id: str
    type: str
    instrument_token: str
    quantity: int
    product: str
    rules: tuple[GttRule, ...]
    created_at: datetime | None

    @property
    def fingerprint(self) -> str:
        """What identifies the GTT when its id is not yet known to the desk."""
        entry = next((r for r in self.rules if r.strategy == "ENTRY"), None)
        side = entry.transaction_type if entry else ""
        prices = {r.strategy: r.trigger_price for r in self.rules}
        return _fingerprint(self.instrument_token, self.quantity, self.product, side, prices)

    @property
    def working(self) -> bool:
        """True while a rule can still trigger or its order can still fill."""
        return any(not r.venue_status.final for r in self.rules)


def _fingerprint(instrument_token: str, quantity: int, product: str, side: str,
                 prices: Mapping[str, Decimal]) -> str:
    legs = ",".join(f"{s}={prices[s].normalize()}" for s in sorted(prices))
    return f"{instrument_token}|{quantity}|{product}|{side}|{legs}"


def entry_limit(request: BracketRequest, instrument: Instrument,
                protection_pct: Decimal) -> Decimal:
    """The entry's LIMIT price: the card's own limit, else its price plus the protection."""
    price = request.entry_limit or request.reference_price * (1 + protection_pct / HUNDRED)
    return round_to_tick(price, instrument.tick_size)


def bracket_rules(request: BracketRequest, instrument: Instrument,
                  protection_pct: Decimal) -> list[dict[str, Any]]:
    """ENTRY now at its limit, then TARGET and STOPLOSS once the entry has filled."""
    tick = instrument.tick_size
    return [
        {"strategy": "ENTRY", "trigger_type": "IMMEDIATE",
         "trigger_price": float(entry_limit(request, instrument, protection_pct))},
        {"strategy": "TARGET", "trigger_type": "IMMEDIATE",
         "trigger_price": float(round_to_tick(request.target, tick))},
        {"strategy": "STOPLOSS", "trigger_type": "IMMEDIATE",
         "trigger_price": float(round_to_tick(request.stop, tick))},
    ]


def place_body(request: BracketRequest, instrument: Instrument,
               protection_pct: Decimal) -> dict[str, Any]:
    """The POST /v3/order/gtt/place body for a desk bracket."""
    return {
        "type": "MULTIPLE",
        "quantity": request.quantity,
        "product": "I" if request.intraday else "D",
        "rules": bracket_rules(request, instrument, protection_pct),
        "instrument_token": instrument.instrument_key,
        "transaction_type": "BUY",
    }


def body_fingerprint(body: Mapping[str, Any]) -> str:
    """The fingerprint the GTT placed from `body` will report."""
    prices = {str(r["strategy"]): Decimal(str(r["trigger_price"])) for r in body["rules"]}
    return _fingerprint(str(body["instrument_token"]), int(body["quantity"]),
                        str(body["product"]), str(body["transaction_type"]), prices)


def modify_body(gtt: GttOrder, stop: Decimal | None, target: Decimal | None,
                tick: Decimal) -> dict[str, Any]:
    """The PUT /v3/order/gtt/modify body moving the exits; every rule is restated."""
    moved = {"STOPLOSS": stop, "TARGET": target}
    rules = []
    for rule in gtt.rules:
        price = moved.get(rule.strategy)
        trigger = round_to_tick(price, tick) if price is not None else rule.trigger_price
        rules.append({"strategy": rule.strategy, "trigger_type": rule.trigger_type,
                      "trigger_price": float(trigger)})
    return {"type": gtt.type, "quantity": gtt.quantity, "gtt_order_id": gtt.gtt_order_id,
            "rules": rules}


def parse_gtt(row: Mapping[str, Any]) -> GttOrder:
    """A GTT from GET /v3/order/gtt or a `gtt_order` update message."""
    rules = tuple(
        GttRule(
            strategy=str(r["strategy"]),
            status=str(r.get("status") or "PENDING"),
            trigger_type=str(r.get("trigger_type") or ""),
            trigger_price=Decimal(str(r["trigger_price"])),
            transaction_type=str(r.get("transaction_type") or ""),
            order_id=str(r.get("order_id") or ""),
            message=str(r.get("message") or ""),
        )
        for r in row["rules"] if str(r["strategy"]) in STRATEGY_LEGS
    )
    created = row.get("created_at")
    return GttOrder(
        gtt_order_id=str(row["gtt_order_id"]),
        type=str(row.get("type") or "MULTIPLE"),
        instrument_token=str(row["instrument_token"]),
        quantity=int(row["quantity"]),
        product=str(row.get("product") or ""),
        rules=rules,
        created_at=parse_time(created) if created else None,
    )
