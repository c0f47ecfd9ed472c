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
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from domain.events import Envelope, OrderFilled, PositionClosed, Recorded
from domain.money import HUNDRED, ZERO
from domain.reports import Attribution, DayLine, MonthlyReport
from projections.desk import DeskView, apply
from projections.reports.closes import EMPTY_CLOSE, DayClose, capital, close_of
from projections.reports.window import Attributions, day_start, ist_day

RATIO = Decimal("0.0001")  # returns and drawdowns: percent to four places
CHARGE_KINDS = ("brokerage", "stt", "exchange_txn", "sebi_fee", "ipft", "stamp_duty", "gst")


def month_of(text: str) -> date:
    """The first day of a month given as YYYY-MM; ValueError naming the format otherwise."""
    try:
        year, month = (int(x) for x in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ValueError(f"month {text!r} is not YYYY-MM") from None


def next_month(first: date) -> date:
    """The first day of the month after the one `first` opens."""
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


@dataclass
class MonthActivity:
    """What the month's own events say: closed trades grouped by strategy, playbook and
    account, and the charges paid by kind."""

    account: str | None
    groups: dict[str, dict[str, _Group]] = field(
        default_factory=lambda: {"strategy": {}, "playbook": {}, "account": {}}
    )
    charges: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(CHARGE_KINDS, ZERO))

    def note(self, event: Envelope, position: int, attributions: Attributions) -> None:
        """Fold one event of the month; `attributions` names a closed trade's card."""
        p = event.payload
        if self.account and getattr(p, "account_id", "") != self.account:
            return
        if isinstance(p, PositionClosed):
            strategy, playbook = attributions.keys(p.order_id, position)
            keys = {"strategy": strategy, "playbook": playbook, "account": p.account_id}
            for kind, key in keys.items():
                self.groups[kind].setdefault(key, _Group()).add(p)
        elif isinstance(p, OrderFilled):
            for kind in CHARGE_KINDS:
                self.charges[kind] += getattr(p.costs, kind)


DayCloses = list[tuple[date, DayClose]]


def monthly_report(
    events: Iterable[Recorded], month: date, account: str | None = None
) -> MonthlyReport:
    """The report for the month starting `month` (its first day), desk-wide or one
    account, read from the log."""
    first = month.replace(day=1)
    start, end = day_start(first), day_start(next_month(first))
    view, attributions = DeskView(), Attributions()
    activity = MonthActivity(account)
    closes: DayCloses = []  # the view's figures at the end of each day with events
    opening = EMPTY_CLOSE
    current: date | None = None
    for rec in events:
        event = rec.event
        if event.occurred_at >= end:
            continue
        if event.occurred_at >= start:
            today = ist_day(event.occurred_at)
            if current is None:
                opening = close_of(view)
            elif today != current:
                closes.append((current, close_of(view)))
            current = today
        apply(view, event, rec.position)
        attributions.note(event, rec.position)
        if event.occurred_at >= start:
            activity.note(event, rec.position, attributions)
    if current is not None:
        closes.append((current, close_of(view)))
    return monthly_from(first, opening, closes, activity, view.position)


def monthly_from(
    first: date, opening: DayClose, closes: DayCloses, activity: MonthActivity, as_of: int
) -> MonthlyReport:
    """The report from the figures before the month, at each day's end, and the month's
    own events; `as_of` is the log position the month's end was folded to."""
    account = activity.account
    days = _days(
        capital(opening, account) if closes else (ZERO, ZERO),
        [(day, *capital(close, account)) for day, close in closes],
    )
    groups = activity.groups
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
        as_of_position=as_of,
        days=days,
        pnl=sum((d.pnl for d in days), ZERO),
        return_pct=((index - 1) * HUNDRED).quantize(RATIO) if days else None,
        max_drawdown_pct=min((d.drawdown_pct for d in days), default=ZERO),
        trades=every.trades,
        wins=every.wins,
        hit_rate_pct=_hit_rate(every.wins, every.trades),
        realised_pnl=every.net,
        charges=sum(activity.charges.values(), ZERO),
        charges_by_kind=activity.charges,
        by_strategy=_rows(groups["strategy"]),
        by_playbook=_rows(groups["playbook"]),
        by_account=_rows(groups["account"]),
    )


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
