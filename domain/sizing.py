"""Sizing a signal for one account under its mandate: risk budget, position cap, cash."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from domain.money import HUNDRED, PAISA, ZERO
from domain.values import Mandate

# Reserve a little above the reference notional: entry slippage and buy-side charges.
RESERVE_HEADROOM = Decimal("0.005")


@dataclass(frozen=True)
class Sizing:
    quantity: int
    reserve: Decimal
    explanation: str


@dataclass(frozen=True)
class SizingRefused:
    reason: str


@dataclass(frozen=True)
class RiskModel:
    """Caps beyond the mandate's: a volatility target and a Kelly-lite fraction.

    - volatility target: the position's one-day standard deviation (reference x
      daily_sigma x shares) is at most `vol_target_pct` of equity;
    - Kelly-lite: the risk taken (shares x (reference - stop)) is at most
      `kelly_fraction` x f* x equity, f* being the Kelly share of equity to put at risk on
      the signal's barrier odds (domain.strategy.metalabel.kelly); f* <= 0 means no trade.
    """

    vol_target_pct: Decimal
    daily_sigma: Decimal | None  # None while volatility is unknown: the cap is not applied
    kelly_fraction: Decimal
    kelly: Decimal


def reserve_for(reference: Decimal, quantity: int) -> Decimal:
    """Cash to set aside for buying `quantity` near `reference`, headroom included."""
    per_share = reference * (1 + RESERVE_HEADROOM)
    return (per_share * quantity).quantize(PAISA, rounding=ROUND_CEILING)


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def size_long(
    mandate: Mandate, equity: Decimal, available: Decimal, reference: Decimal, stop: Decimal,
    *, lot: int = 1, model: RiskModel | None = None,
) -> Sizing | SizingRefused:
    """Shares to buy: the least of risk budget / risk per share, position cap, cash and (with
    a `model`) the volatility target and Kelly-lite cap, rounded down to whole lots."""
    if reference <= stop:
        return SizingRefused(f"stop {stop} is not below reference {reference}")
    if equity <= ZERO:
        return SizingRefused("account has no equity")
    per_share_risk = reference - stop
    risk_budget = equity * mandate.risk_per_trade_pct / HUNDRED
    position_cap = equity * mandate.max_position_pct / HUNDRED
    # `available` is the treasury's: the account's cash buffer is already held apart.
    deployable = max(available, ZERO)
    per_share_cash = reference * (1 + RESERVE_HEADROOM)
    by_risk = _floor(risk_budget / per_share_risk)
    by_position = _floor(position_cap / reference)
    by_cash = _floor(deployable / per_share_cash)
    # The reserve is rounded up to the paisa; step down until it fits what is deployable.
    while by_cash > 0 and reserve_for(reference, by_cash) > deployable:
        by_cash -= 1
    limits = [by_risk, by_position, by_cash]
    explanation = (
        f"equity {equity:.2f}; risk {mandate.risk_per_trade_pct}% = {risk_budget:.2f} / "
        f"{per_share_risk} per share -> {by_risk}; position cap {mandate.max_position_pct}% "
        f"= {position_cap:.2f} / {reference} -> {by_position}; available {deployable:.2f} "
        f"(buffer held apart) / {per_share_cash:.4f} -> "
        f"{by_cash}"
    )
    if model is not None:
        capped = _model_caps(model, equity, reference, stop)
        if isinstance(capped, SizingRefused):
            return capped
        limits.extend(capped[0])
        explanation += capped[1]
    quantity = min(limits)
    quantity -= quantity % lot
    explanation += f"; quantity = {quantity}" + (f" (lots of {lot})" if lot > 1 else "")
    if quantity < 1:
        return SizingRefused(f"size rounds to zero shares ({explanation})")
    return Sizing(quantity, reserve_for(reference, quantity), explanation)


def _model_caps(
    model: RiskModel, equity: Decimal, reference: Decimal, stop: Decimal
) -> tuple[list[int], str] | SizingRefused:
    caps: list[int] = []
    words = ""
    if model.daily_sigma is not None and model.daily_sigma > ZERO:
        budget = equity * model.vol_target_pct / HUNDRED
        by_vol = _floor(budget / (reference * model.daily_sigma))
        caps.append(by_vol)
        words += (
            f"; vol target {model.vol_target_pct}% = {budget:.2f} / ({reference} x daily "
            f"sigma {model.daily_sigma:.4f}) -> {by_vol}"
        )
    else:
        words += "; vol target not applied (volatility unknown)"
    if model.kelly <= ZERO:
        return SizingRefused(f"no edge on the barrier odds: Kelly f* {model.kelly}")
    lite = model.kelly * model.kelly_fraction
    by_kelly = _floor(equity * lite / (reference - stop))
    caps.append(by_kelly)
    words += (
        f"; Kelly-lite {model.kelly_fraction} x f* {model.kelly} = {lite:.2%} of equity at "
        f"risk / {reference - stop} per share -> {by_kelly}"
    )
    return caps, words
