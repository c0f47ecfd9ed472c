"""When an account's losses must stop new entries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.values import Mandate


@dataclass(frozen=True)
class Breach:
    metric: str
    value: Decimal
    limit: Decimal
    reason: str


def limit_breach(mandate: Mandate, daily_pnl: Decimal, drawdown_pct: Decimal) -> Breach | None:
    """The first mandate limit the account's figures break, if any."""
    if daily_pnl <= -mandate.daily_loss_limit:
        return Breach(
            "daily_pnl", daily_pnl, -mandate.daily_loss_limit,
            f"daily loss {daily_pnl:.2f} reached limit -{mandate.daily_loss_limit}",
        )
    if drawdown_pct >= mandate.max_drawdown_pct:
        return Breach(
            "drawdown_pct", drawdown_pct, mandate.max_drawdown_pct,
            f"drawdown {drawdown_pct:.2f}% reached limit {mandate.max_drawdown_pct}%",
        )
    return None


def desk_limit_breach(loss_limit: Decimal | None, desk_daily_pnl: Decimal) -> Breach | None:
    """The desk-wide daily loss limit broken by every account's P&L together, if set."""
    if loss_limit is None or loss_limit <= 0 or desk_daily_pnl > -loss_limit:
        return None
    return Breach(
        "desk_daily_pnl", desk_daily_pnl, -loss_limit,
        f"desk daily loss {desk_daily_pnl:.2f} reached the desk limit -{loss_limit}",
    )
