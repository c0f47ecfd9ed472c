"""The end-of-day report for one IST day: per account and for the desk, P&L after
charges, positions held at the close of the day, every card decision of the day with its
reason, and the kill switches (trips and resets that day, and which stand at the end).

The desk view is folded from the log up to the day's end (IST midnight), so positions,
marks and cash are what the desk knew then, whatever the log added later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from domain.events import (
    DESK_SCOPE,
    CardApproved,
    CardBlocked,
    CardExpired,
    CardProposed,
    CardRejected,
    Envelope,
    KillSwitchReset,
    KillSwitchTripped,
    OrderDenied,
    OrderFilled,
    OrderPlaced,
    PositionClosed,
    Recorded,
)
from domain.events.envelope import Payload
from domain.money import ZERO
from domain.reports import AccountEod, CardDecision, EodReport, KillSwitchEvent
from projections.desk import DeskView, apply
from projections.reports.closes import AccountClose, DayClose, close_of
from projections.reports.window import day_end, day_start, paisa

SymbolOf = Callable[[str], str]  # a card id -> the symbol its proposal named ('' unknown)


@dataclass
class _Day:
    """Running sums of one account's day."""

    gross: Decimal = ZERO
    charges: Decimal = ZERO
    realised: Decimal = ZERO
    closed: int = 0
    fills: int = 0
    fill_charges: Decimal = ZERO
    orders: int = 0


# The card events of a day: payload type -> (decision, who decided, why).
_CARD_DECISIONS: dict[type, tuple[str, str, str]] = {
    CardProposed: ("proposed", "", "thesis"),
    CardBlocked: ("blocked", "", "reason"),
    CardApproved: ("approved", "approved_by", ""),
    CardRejected: ("rejected", "rejected_by", "reason"),
    CardExpired: ("expired", "", ""),
    OrderDenied: ("denied", "", "reason"),
}
_COUNTED = {
    "proposed": "cards_proposed",
    "approved": "cards_approved",
    "blocked": "cards_blocked",
    "rejected": "cards_rejected",
    "expired": "cards_expired",
    "denied": "orders_denied",
}


def _decision(at: datetime, actor: str, p: Payload, symbol_of: SymbolOf) -> CardDecision:
    decision, by_field, why_field = _CARD_DECISIONS[type(p)]
    card_id = str(getattr(p, "card_id", ""))
    reason = str(getattr(p, why_field, "")) if why_field else ""
    if isinstance(p, CardBlocked):
        failed = [f"{g.name}: {g.detail}" for g in p.guardrails if not g.passed]
        reason = "; ".join([reason, *failed]) if failed and reason not in failed else reason
    if isinstance(p, CardProposed):
        reason = p.thesis.split(". ")[0]  # the setup; the sizing arithmetic stays on the card
    if isinstance(p, CardExpired):
        reason = "expired without a decision"
    return CardDecision(
        at=at,
        account_id=str(getattr(p, "account_id", "")),
        card_id=card_id,
        symbol=str(getattr(p, "symbol", "")) or symbol_of(card_id),
        decision=decision,
        by=str(getattr(p, by_field, "")) if by_field else actor,
        reason=reason,
    )


@dataclass
class DayActivity:
    """What one day's own events say: P&L, fills and orders by account, every card
    decision with its reason, and the kill switches tripped or reset."""

    sums: dict[str, _Day] = field(default_factory=dict)
    cards: list[CardDecision] = field(default_factory=list)
    kills: list[KillSwitchEvent] = field(default_factory=list)

    def note(self, event: Envelope, symbol_of: SymbolOf) -> None:
        """Fold one event of the day; `symbol_of` names a card's symbol from its proposal."""
        p = event.payload
        if type(p) in _CARD_DECISIONS:
            self.cards.append(_decision(event.occurred_at, event.actor, p, symbol_of))
        elif isinstance(p, KillSwitchTripped | KillSwitchReset):
            action = "tripped" if isinstance(p, KillSwitchTripped) else "reset"
            self.kills.append(
                KillSwitchEvent(
                    at=event.occurred_at,
                    scope=p.scope,
                    action=action,
                    reason=p.reason,
                    by=event.actor,
                )
            )
        elif isinstance(p, PositionClosed):
            s = self.sums.setdefault(p.account_id, _Day())
            s.gross += p.gross_pnl
            s.charges += p.costs
            s.realised += p.realised_pnl
            s.closed += 1
        elif isinstance(p, OrderFilled):
            s = self.sums.setdefault(p.account_id, _Day())
            s.fills += 1
            s.fill_charges += p.costs.total
        elif isinstance(p, OrderPlaced):
            self.sums.setdefault(p.account_id, _Day()).orders += 1


def eod_report(events: Iterable[Recorded], day: date, account: str | None = None) -> EodReport:
    """The report for IST `day`, for every account or only `account`, read from the log."""
    start, end = day_start(day), day_end(day)
    view = DeskView()
    symbols: dict[str, str] = {}
    activity = DayActivity()
    for rec in events:
        event = rec.event
        if event.occurred_at >= end:
            continue
        apply(view, event, rec.position)
        p = event.payload
        if isinstance(p, CardProposed):
            symbols[p.card_id] = p.symbol
        if event.occurred_at >= start:
            activity.note(event, lambda card_id: symbols.get(card_id, ""))
    return eod_from(day, account, close_of(view), activity)


def eod_from(day: date, account: str | None, close: DayClose, activity: DayActivity) -> EodReport:
    """The report from the view's figures at the day's end and the day's own events."""
    rows = tuple(_account_row(a, activity.sums.get(a.account_id, _Day()), activity.cards)
                 for a in close.of(account))
    scopes = {*(r.account_id for r in rows), DESK_SCOPE}
    return EodReport(
        day=day,
        as_of_position=close.position,
        account=account,
        desk=_total(rows, close),
        accounts=rows,
        positions=tuple(p for p in close.positions if account is None or p.account_id == account),
        cards=tuple(c for c in activity.cards if c.account_id in scopes),
        kill_switches=tuple(k for k in activity.kills if k.scope in scopes),
        halted_at_end=tuple(s for s in close.tripped if s in scopes),
    )


def _account_row(a: AccountClose, s: _Day, cards: list[CardDecision]) -> AccountEod:
    mine = [c.decision for c in cards if c.account_id == a.account_id]
    unrealised = paisa(a.unrealised)
    return AccountEod(
        account_id=a.account_id,
        name=a.name,
        gross_pnl=s.gross,
        charges=s.charges,
        realised_pnl=s.realised,
        unrealised_pnl=unrealised,
        total_pnl=s.realised + unrealised,
        closed_trades=s.closed,
        fills=s.fills,
        fill_charges=s.fill_charges,
        orders=s.orders,
        **{name: mine.count(d) for d, name in _COUNTED.items()},
        equity=paisa(a.equity),
        halted=a.halted,
    )


def _total(rows: tuple[AccountEod, ...], close: DayClose) -> AccountEod:
    """The desk's line: every shown account summed."""

    def total(name: str) -> Decimal:
        return sum((getattr(r, name) for r in rows), ZERO)

    def count(name: str) -> int:
        return sum(int(getattr(r, name)) for r in rows)

    money = (
        "gross_pnl",
        "charges",
        "realised_pnl",
        "unrealised_pnl",
        "total_pnl",
        "fill_charges",
        "equity",
    )
    counts = ("closed_trades", "fills", "orders", *_COUNTED.values())
    return AccountEod(
        account_id=DESK_SCOPE,
        name="Desk",
        **{m: total(m) for m in money},
        **{c: count(c) for c in counts},
        halted=close.desk_halted,
    )
