"""The reports people read, as data: the end-of-day, monthly and compliance reports.

Frozen models; `model_dump(mode="json")` gives every amount as an exact Decimal string, to
the paisa. `projections.reports` computes them from the log; `adapters.reports` draws them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

# An instant in UTC, as the desk stores time (events keep the zone they were logged in).
Instant = Annotated[datetime, AfterValidator(lambda at: at.astimezone(UTC))]


class ReportModel(BaseModel):
    """A frozen report part."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# The end-of-day report -----------------------------------------------------------------


class AccountEod(ReportModel):
    """One account's day (or the desk's, with `account_id` 'desk')."""

    account_id: str
    name: str
    gross_pnl: Decimal  # realised, before charges, on trades closed that day
    charges: Decimal  # every charge of the trades closed that day (entry and exit)
    realised_pnl: Decimal  # after charges
    unrealised_pnl: Decimal  # open positions at the day's last marks
    total_pnl: Decimal
    closed_trades: int
    fills: int
    fill_charges: Decimal  # charges on the day's fills (open trades included)
    orders: int
    cards_proposed: int
    cards_approved: int
    cards_blocked: int
    cards_rejected: int
    cards_expired: int
    orders_denied: int
    equity: Decimal  # cash plus open positions at the marks, at the day's end
    halted: bool


class PositionEod(ReportModel):
    """A position still open at the day's end."""

    account_id: str
    symbol: str
    quantity: int
    average_price: Decimal
    mark: Decimal | None
    unrealised_pnl: Decimal


class CardDecision(ReportModel):
    """One card event of the day: what happened to the card, who did it and why."""

    at: Instant
    account_id: str
    card_id: str
    symbol: str
    decision: str  # proposed, approved, blocked, rejected, expired, denied
    by: str
    reason: str


class KillSwitchEvent(ReportModel):
    """A kill switch tripped or reset during the day."""

    at: Instant
    scope: str
    action: str  # tripped or reset
    reason: str
    by: str


class EodReport(ReportModel):
    """The whole day: the desk, each account, positions, card decisions, kill switches."""

    day: date
    as_of_position: int
    account: str | None  # the one account asked for, or None for every account
    desk: AccountEod
    accounts: tuple[AccountEod, ...]
    positions: tuple[PositionEod, ...]
    cards: tuple[CardDecision, ...]
    kill_switches: tuple[KillSwitchEvent, ...]
    halted_at_end: tuple[str, ...]  # scopes whose switch stands tripped at the day's end


# The monthly report --------------------------------------------------------------------


class DayLine(ReportModel):
    """One IST day of the month that the log has events for."""

    day: date
    equity: Decimal  # at the day's end, positions at the day's last marks
    net_inflow: Decimal  # deposits and transfers in, less transfers out, that day
    pnl: Decimal
    return_pct: Decimal | None  # None when no capital was at work
    drawdown_pct: Decimal  # below the month's running peak of the return index (<= 0)


class Attribution(ReportModel):
    """Closed trades of one strategy, playbook or account."""

    key: str
    trades: int
    wins: int
    hit_rate_pct: Decimal | None
    gross_pnl: Decimal
    charges: Decimal
    net_pnl: Decimal


class MonthlyReport(ReportModel):
    """The month: daily returns, headline figures, attribution and charges."""

    month: str  # YYYY-MM
    account: str | None
    as_of_position: int
    days: tuple[DayLine, ...]
    pnl: Decimal  # the month's P&L after charges, open positions at their marks
    return_pct: Decimal | None  # the daily returns compounded
    max_drawdown_pct: Decimal
    trades: int
    wins: int
    hit_rate_pct: Decimal | None
    realised_pnl: Decimal
    charges: Decimal  # on the month's fills, every kind
    charges_by_kind: dict[str, Decimal]
    by_strategy: tuple[Attribution, ...]
    by_playbook: tuple[Attribution, ...]
    by_account: tuple[Attribution, ...]


# The compliance report -----------------------------------------------------------------


class Check(ReportModel):
    """One guardrail's verdict with the numbers behind it."""

    name: str
    passed: bool
    detail: str


class Review(ReportModel):
    """The judge's review of the card (advisory), or why it gave none."""

    at: Instant
    reviewer: str
    outcome: str  # support, caution, oppose, or failed: REASON
    confidence: Decimal | None
    summary: str  # the thesis, or the failure's detail
    prompt: str  # name v version
    model: str


class Fill(ReportModel):
    """One leg's fill with its charges."""

    at: Instant
    leg: str
    side: str
    quantity: int
    price: Decimal
    charges: Decimal


class OrderTrail(ReportModel):
    """One order and everything that led to it and followed it."""

    order_id: str
    placed_at: Instant
    placed_by: str
    account_id: str
    broker: str
    symbol: str
    side: str
    quantity: int
    card_id: str
    strategy: str
    playbook: str
    proposed_at: Instant | None
    evidence: tuple[str, ...]
    guardrails_at_proposal: tuple[Check, ...]
    review: Review | None
    approved_by: str
    approved_at: Instant | None
    approval_actor: str
    recheck_at_approval: tuple[Check, ...]
    fills: tuple[Fill, ...]
    outcome: str  # closed, open, rejected: REASON, cancelled
    realised_pnl: Decimal | None


class ComplianceReport(ReportModel):
    """Every order placed from `start` to `end` (IST days, both included)."""

    start: date
    end: date
    account: str | None
    as_of_position: int
    orders: tuple[OrderTrail, ...]
    unreviewed: int  # orders whose card has no review on record
    failed_rechecks: int  # orders whose approval re-check shows a failed guardrail
