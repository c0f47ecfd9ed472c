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
