"""Charges on NSE equity fills, from one dated rate table.

Product follows the mandate's horizon: INTRADAY trades are MIS (intraday rates), everything
else is CNC (delivery rates). Each charge is rounded to the paisa, half up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.money import ZERO, to_paise
from domain.values import CostBreakdown, Horizon, Side


class Product(StrEnum):
    DELIVERY = "DELIVERY"
    INTRADAY = "INTRADAY"


@dataclass(frozen=True)
class CostRates:
    """Statutory and exchange rates in force from `effective_from` (fractions, not %)."""

    effective_from: date
    stt_delivery: Decimal  # buy and sell
    stt_intraday_sell: Decimal
    exchange_txn: Decimal  # NSE, each side
    sebi_fee: Decimal  # ₹10 per crore
    ipft: Decimal  # NSE investor protection fund trust, ₹10 per crore
    stamp_delivery_buy: Decimal
    stamp_intraday_buy: Decimal
    gst: Decimal  # on brokerage + exchange charge + SEBI fee


@dataclass(frozen=True)
class BrokeragePlan:
    """Brokerage as configuration: a percentage capped at a flat fee, per product."""

    name: str
    delivery_pct: Decimal
    delivery_cap: Decimal
    intraday_pct: Decimal
    intraday_cap: Decimal

    def brokerage(self, product: Product, turnover: Decimal) -> Decimal:
        pct, cap = (
            (self.delivery_pct, self.delivery_cap)
            if product is Product.DELIVERY
            else (self.intraday_pct, self.intraday_cap)
        )
        return min(turnover * pct, cap)


RATE_TABLE: tuple[CostRates, ...] = (
    CostRates(
        effective_from=date(2024, 10, 1),
        stt_delivery=Decimal("0.001"),
        stt_intraday_sell=Decimal("0.00025"),
        exchange_txn=Decimal("0.0000297"),
        sebi_fee=Decimal("0.000001"),
        ipft=Decimal("0.000001"),
        stamp_delivery_buy=Decimal("0.00015"),
        stamp_intraday_buy=Decimal("0.00003"),
        gst=Decimal("0.18"),
    ),
)

DISCOUNT_BROKER = BrokeragePlan(
    name="discount",
    delivery_pct=ZERO,
    delivery_cap=ZERO,
    intraday_pct=Decimal("0.0003"),
    intraday_cap=Decimal("20"),
)


def product_for(horizon: Horizon) -> Product:
    """INTRADAY mandates trade MIS; longer horizons take delivery."""
    return Product.INTRADAY if horizon is Horizon.INTRADAY else Product.DELIVERY


def rates_on(day: date) -> CostRates:
    """The rate row in force on `day`."""
    rows = [r for r in RATE_TABLE if r.effective_from <= day]
    if not rows:
        raise ValueError(f"no cost rates in force on {day}")
    return max(rows, key=lambda r: r.effective_from)


def fill_costs(
    side: Side,
    quantity: int,
    price: Decimal,
    product: Product,
    day: date,
    plan: BrokeragePlan = DISCOUNT_BROKER,
) -> CostBreakdown:
    """Every charge on one fill, to the paisa."""
    rates = rates_on(day)
    turnover = price * quantity
    buy = side is Side.BUY
    if product is Product.DELIVERY:
        stt = turnover * rates.stt_delivery
        stamp = turnover * rates.stamp_delivery_buy if buy else ZERO
    else:
        stt = ZERO if buy else turnover * rates.stt_intraday_sell
        stamp = turnover * rates.stamp_intraday_buy if buy else ZERO
    brokerage = to_paise(plan.brokerage(product, turnover))
    exchange = to_paise(turnover * rates.exchange_txn)
    sebi = to_paise(turnover * rates.sebi_fee)
    return CostBreakdown(
        brokerage=brokerage,
        stt=to_paise(stt),
        exchange_txn=exchange,
        sebi_fee=sebi,
        ipft=to_paise(turnover * rates.ipft),
        stamp_duty=to_paise(stamp),
        gst=to_paise((brokerage + exchange + sebi) * rates.gst),
    )


def round_trip_estimate(
    quantity: int, entry: Decimal, exit_price: Decimal, product: Product, day: date
) -> Decimal:
    """Expected charges for buying at `entry` and selling at `exit_price`."""
    buy = fill_costs(Side.BUY, quantity, entry, product, day)
    sell = fill_costs(Side.SELL, quantity, exit_price, product, day)
    return buy.total + sell.total
