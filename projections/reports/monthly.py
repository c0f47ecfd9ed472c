"""The monthly report: the desk's (or one account's) month day by day, with returns,
equity and drawdown, attribution of closed trades by strategy, playbook and account, the
hit rate, and the charges paid by kind.

A day's P&L is the change in equity less capital moved in or out that day (deposits,
transfers); its return is that P&L over the capital at work at the day's start (the
previous close's equity plus the day's net inflow). Drawdown is measured on the index the
daily returns compound, so a deposit is never read as a gain nor a withdrawal as a loss.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from domain.events import OrderFilled, PositionClosed, Recorded
from domain.money import HUNDRED, ZERO
from domain.reports import Attribution, DayLine, MonthlyReport
from projections.desk import DeskView, apply
from projections.reports.window import Decisions, day_start, ist_day, paisa

RATIO = Decimal("0.0001")  # returns and drawdowns: percent to four places
CHARGE_KINDS = ("brokerage", "stt", "exchange_txn", "sebi_fee", "ipft", "stamp_duty", "gst")


def month_of(text: str) -> date:
    """The first day of a month given as YYYY-MM; ValueError naming the format otherwise."""
    try:
        year, month = (int(x) for x in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ValueError(f"month {text!r} is not YYYY-MM") from None


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


@dataclass
class _Group:
    trades: int = 0
    wins: int = 0
    gross: Decimal = ZERO
    charges: Decimal = ZERO
    net: Decimal = ZERO

    def add(self, p: PositionClosed) -> None:
        self.trades += 1
        self.wins += p.realised_pnl > 0
        self.gross += p.gross_pnl
        self.charges += p.costs
        self.net += p.realised_pnl


def _hit_rate(wins: int, trades: int) -> Decimal | None:
    return (HUNDRED * wins / trades).quantize(RATIO) if trades else None


def _rows(groups: dict[str, _Group]) -> tuple[Attribution, ...]:
    return tuple(
        Attribution(
            key=k,
            trades=g.trades,
            wins=g.wins,
            hit_rate_pct=_hit_rate(g.wins, g.trades),
            gross_pnl=g.gross,
            charges=g.charges,
            net_pnl=g.net,
        )
        for k, g in sorted(groups.items(), key=lambda kv: (-kv[1].net, kv[0]))
    )


def monthly_report(
    events: Iterable[Recorded], month: date, account: str | None = None
) -> MonthlyReport:
    """The report for the month starting `month` (its first day), desk-wide or one account."""
    first, after = month.replace(day=1), _next_month(month.replace(day=1))
    start, end = day_start(first), day_start(after)
    view, decisions = DeskView(), Decisions()
    closes: list[tuple[date, Decimal, Decimal]] = []  # (day, equity, funded) at each day end
    groups: dict[str, dict[str, _Group]] = {"strategy": {}, "playbook": {}, "account": {}}
    charges = dict.fromkeys(CHARGE_KINDS, ZERO)
    opening = (ZERO, ZERO)
    current: date | None = None
    for rec in events:
        event = rec.event
        if event.occurred_at >= end:
            continue
        if event.occurred_at >= start:
            today = ist_day(event.occurred_at)
            if current is None:
                opening = _capital(view, account)
            elif today != current:
                closes.append((current, *_capital(view, account)))
            current = today
        apply(view, event, rec.position)
        decisions.note(event)
        p = event.payload
        if event.occurred_at < start or (account and getattr(p, "account_id", "") != account):
            continue
        if isinstance(p, PositionClosed):
            card = decisions.card_of_order(p.order_id)
            keys = {
                "strategy": card.strategy if card else "(unknown)",
                "playbook": decisions.playbook_of(card) or "(unknown)",
                "account": p.account_id,
            }
            for kind, key in keys.items():
                groups[kind].setdefault(key, _Group()).add(p)
        elif isinstance(p, OrderFilled):
            for kind in CHARGE_KINDS:
                charges[kind] += getattr(p.costs, kind)
    if current is not None:
        closes.append((current, *_capital(view, account)))
    days = _days(opening, closes)
    every = _Group()
    for g in groups["account"].values():
        every.trades, every.wins = every.trades + g.trades, every.wins + g.wins
        every.net += g.net
    index = Decimal(1)
    for d in days:
        index *= 1 + (d.return_pct or ZERO) / HUNDRED
    return MonthlyReport(
        month=f"{first:%Y-%m}",
        account=account,
        as_of_position=view.position,
        days=days,
        pnl=sum((d.pnl for d in days), ZERO),
        return_pct=((index - 1) * HUNDRED).quantize(RATIO) if days else None,
        max_drawdown_pct=min((d.drawdown_pct for d in days), default=ZERO),
        trades=every.trades,
        wins=every.wins,
        hit_rate_pct=_hit_rate(every.wins, every.trades),
        realised_pnl=every.net,
        charges=sum(charges.values(), ZERO),
        charges_by_kind=charges,
        by_strategy=_rows(groups["strategy"]),
        by_playbook=_rows(groups["playbook"]),
        by_account=_rows(groups["account"]),
    )


def _capital(view: DeskView, account: str | None) -> tuple[Decimal, Decimal]:
    """(equity, funded) of one account or of every account, as the view stands."""
    ids = [a for a in view.cash if account is None or a == account]
    equity = sum((view.equity(a) for a in ids), ZERO)
    funded = sum((view.cash[a].funded for a in ids), ZERO)
    return paisa(equity), funded


def _days(
    opening: tuple[Decimal, Decimal], closes: list[tuple[date, Decimal, Decimal]]
) -> tuple[DayLine, ...]:
    """Each day's P&L, return and drawdown from the day-end (equity, funded) pairs."""
    lines = []
    equity_before, funded_before = opening
    index = peak = Decimal(1)
    for day, equity, funded in closes:
        inflow = funded - funded_before
        pnl = equity - equity_before - inflow
        at_work = equity_before + inflow
        ret = (HUNDRED * pnl / at_work).quantize(RATIO) if at_work > 0 else None
        index *= 1 + (ret or ZERO) / HUNDRED
        peak = max(peak, index)
        lines.append(
            DayLine(
                day=day,
                equity=equity,
                net_inflow=inflow,
                pnl=pnl,
                return_pct=ret,
                drawdown_pct=(HUNDRED * (index / peak - 1)).quantize(RATIO),
            )
        )
        equity_before, funded_before = equity, funded
    return tuple(lines)
