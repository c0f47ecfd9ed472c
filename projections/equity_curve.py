"""Each account's equity over desk time: one point per desk minute, marked to market.

A pure fold run after `projections.desk.apply`: it reads the desk view that event produced
and keeps, per account, the equity and P&L (equity less deposits) at the minute's last
event. Replaying the same log draws the same curve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from projections.desk import DeskView


@dataclass(frozen=True)
class EquityPoint:
    at: datetime  # the desk minute (start of the minute, UTC-aware as logged)
    equity: Decimal
    pnl: Decimal


@dataclass
class EquityCurves:
    points: dict[str, list[EquityPoint]] = field(default_factory=dict)


def sample_equity(curves: EquityCurves, view: DeskView) -> EquityCurves:
    """Record every account's equity at the view's desk minute (replacing that minute's
    earlier point, so the minute ends on its last event)."""
    if view.as_of is None:
        return curves
    minute = view.as_of.replace(second=0, microsecond=0)
    for account_id, cash in view.cash.items():
        equity = view.equity(account_id)
        point = EquityPoint(minute, equity, equity - cash.deposits)
        series = curves.points.setdefault(account_id, [])
        if series and series[-1].at == minute:
            series[-1] = point
        else:
            series.append(point)
    return curves
