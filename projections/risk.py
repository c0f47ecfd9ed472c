"""Risk per account: today's realised P&L, equity peak, and kill-switch state."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.events import (
    DeskLossLimitSet,
    Envelope,
    KillSwitchReset,
    KillSwitchTripped,
    PositionClosed,
)
from domain.money import ZERO
from domain.session import IST

if TYPE_CHECKING:
    from projections.desk import DeskView


@dataclass
class Risk:
    day: date | None = None
    realised_today: Decimal = ZERO
    peak_equity: Decimal = ZERO


@dataclass
class KillSwitch:
    tripped: bool = False
    reason: str = ""
    since: datetime | None = None
    loss_limit: Decimal | None = None  # the desk's daily loss limit (desk scope only)


def trading_day(at: datetime) -> date:
    """The IST calendar day an instant falls on."""
    return at.astimezone(IST).date()


def apply_risk(view: DeskView, event: Envelope) -> None:
    """Fold one event into realised-today figures and kill switches."""
    risk, kills, payload = view.risk, view.kills, event.payload
    occurred_at = event.occurred_at
    match payload:
        case PositionClosed():
            r = risk.setdefault(payload.account_id, Risk())
            day = trading_day(occurred_at)
            if r.day != day:
                r.day, r.realised_today = day, ZERO
            r.realised_today += payload.realised_pnl
        case KillSwitchTripped():
            kills[payload.scope] = replace(kills.get(payload.scope, KillSwitch()), tripped=True,
                                           reason=payload.reason, since=occurred_at)
        case KillSwitchReset():
            kills[payload.scope] = replace(kills.get(payload.scope, KillSwitch()),
                                           tripped=False, reason="", since=occurred_at)
        case DeskLossLimitSet():
            kills[payload.scope] = replace(kills.get(payload.scope, KillSwitch()),
                                           loss_limit=payload.limit or None)
        case _:
            pass


def mark_equity(risk: dict[str, Risk], account_id: str, equity: Decimal) -> None:
    """Raise the account's high-water mark (closed equity) when `equity` is a new high."""
    r = risk.setdefault(account_id, Risk())
    if equity > r.peak_equity:
        r.peak_equity = equity


def withdraw_equity(risk: dict[str, Risk], account_id: str, amount: Decimal) -> None:
    """Lower the high-water mark by capital moved out of the account (not a loss)."""
    r = risk.setdefault(account_id, Risk())
    r.peak_equity = max(ZERO, r.peak_equity - amount)


def drawdown_pct(peak: Decimal, equity: Decimal) -> Decimal:
    """How far equity (marked to market) sits below the closed-equity peak, in percent."""
    if peak <= ZERO or equity >= peak:
        return ZERO
    return (peak - equity) / peak * 100
