"""Sizing a signal for one account under its mandate: risk budget, position cap, cash."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from domain.money import PAISA, ZERO
from domain.values import Mandate

# Reserve a little above the reference notional: entry slippage and buy-side charges.
RESERVE_HEADROOM = Decimal("0.005")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Sizing:
    quantity: int
    reserve: Decimal
    explanation: str


@dataclass(frozen=True)
class SizingRefused:
    reason: str


def reserve_for(reference: Decimal, quantity: int) -> Decimal:
    """Cash to set aside for buying `quantity` near `reference`, headroom included."""
    per_share = reference * (1 + RESERVE_HEADROOM)
    return (per_share * quantity).quantize(PAISA, rounding=ROUND_CEILING)


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def size_long(
    mandate: Mandate, equity: Decimal, available: Decimal, reference: Decimal, stop: Decimal
) -> Sizing | SizingRefused:
    """Shares to buy: the least of risk budget / risk per share, position cap and cash."""
    if reference <= stop:
        return SizingRefused(f"stop {stop} is not below reference {reference}")
    if equity <= ZERO:
        return SizingRefused("account has no equity")
    per_share_risk = reference - stop
    risk_budget = equity * mandate.risk_per_trade_pct / HUNDRED
    position_cap = equity * mandate.max_position_pct / HUNDRED
    buffer = equity * mandate.cash_buffer_pct / HUNDRED
    deployable = max(available - buffer, ZERO)
    per_share_cash = reference * (1 + RESERVE_HEADROOM)
    by_risk = _floor(risk_budget / per_share_risk)
    by_position = _floor(position_cap / reference)
    by_cash = _floor(deployable / per_share_cash)
    # The reserve is rounded up to the paisa; step down until it fits what is deployable.
    while by_cash > 0 and reserve_for(reference, by_cash) > deployable:
        by_cash -= 1
    quantity = min(by_risk, by_position, by_cash)
    explanation = (
        f"equity {equity:.2f}; risk {mandate.risk_per_trade_pct}% = {risk_budget:.2f} / "
        f"{per_share_risk} per share -> {by_risk}; position cap {mandate.max_position_pct}% "
        f"= {position_cap:.2f} / {reference} -> {by_position}; deployable {deployable:.2f} "
        f"(available {available:.2f} - buffer {buffer:.2f}) / {per_share_cash:.4f} -> "
        f"{by_cash}; quantity = {quantity}"
    )
    if quantity < 1:
        return SizingRefused(f"size rounds to zero shares ({explanation})")
    return Sizing(quantity, reserve_for(reference, quantity), explanation)
