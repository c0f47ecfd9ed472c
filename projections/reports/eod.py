"""The end-of-day report for one IST day: per account and for the desk, P&L after
charges, positions held at the close of the day, every card decision of the day with its
reason, and the kill switches (trips and resets that day, and which stand at the end).

The desk view is folded from the log up to the day's end (IST midnight), so positions,
marks and cash are what the desk knew then, whatever the log added later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.events import (
    DESK_SCOPE,
    CardApproved,
    CardBlocked,
    CardExpired,
    CardProposed,
    CardRejected,
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
from domain.reports import AccountEod, CardDecision, EodReport, KillSwitchEvent, PositionEod
from projections.desk import DeskView, apply
from projections.reports.window import day_end, day_start, paisa


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


def _decision(at: datetime, actor: str, p: Payload, symbols: dict[str, str]) -> CardDecision:
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
        symbol=str(getattr(p, "symbol", "")) or symbols.get(card_id, ""),
        decision=decision,
        by=str(getattr(p, by_field, "")) if by_field else actor,
        reason=reason,
    )


def eod_report(events: Iterable[Recorded], day: date, account: str | None = None) -> EodReport:
    """The report for IST `day`, for every account or only `account`."""
    start, end = day_start(day), day_end(day)
    view = DeskView()
    sums: dict[str, _Day] = {}
    symbols: dict[str, str] = {}
    cards: list[CardDecision] = []
    kills: list[KillSwitchEvent] = []
    for rec in events:
        event = rec.event
        if event.occurred_at >= end:
            continue
        apply(view, event, rec.position)
        p = event.payload
        if isinstance(p, CardProposed):
            symbols[p.card_id] = p.symbol
        if event.occurred_at < start:
            continue
        if type(p) in _CARD_DECISIONS:
            cards.append(_decision(event.occurred_at, event.actor, p, symbols))
        elif isinstance(p, KillSwitchTripped | KillSwitchReset):
            action = "tripped" if isinstance(p, KillSwitchTripped) else "reset"
            kills.append(
                KillSwitchEvent(
                    at=event.occurred_at,
                    scope=p.scope,
                    action=action,
                    reason=p.reason,
                    by=event.actor,
                )
            )
        elif isinstance(p, PositionClosed):
            s = sums.setdefault(p.account_id, _Day())
            s.gross += p.gross_pnl
            s.charges += p.costs
            s.realised += p.realised_pnl
            s.closed += 1
        elif isinstance(p, OrderFilled):
            s = sums.setdefault(p.account_id, _Day())
            s.fills += 1
            s.fill_charges += p.costs.total
        elif isinstance(p, OrderPlaced):
            sums.setdefault(p.account_id, _Day()).orders += 1
    wanted = [
        a for a in sorted(set(view.accounts) | set(view.cash)) if account is None or a == account
    ]
    rows = tuple(_account_row(view, a, sums.get(a, _Day()), cards) for a in wanted)
    positions = tuple(
        PositionEod(
            account_id=p.account_id,
            symbol=p.symbol,
            quantity=p.quantity,
            average_price=paisa(p.average_price),
            mark=view.positions.marks.get(p.symbol),
            unrealised_pnl=paisa(p.unrealised(view.positions.marks.get(p.symbol))),
        )
        for a in wanted
        for p in view.positions.of(a)
        if p.quantity
    )
    scopes = {*wanted, DESK_SCOPE}
    return EodReport(
        day=day,
        as_of_position=view.position,
        account=account,
        desk=_total(rows, view),
        accounts=rows,
        positions=positions,
        cards=tuple(c for c in cards if c.account_id in scopes),
        kill_switches=tuple(k for k in kills if k.scope in scopes),
        halted_at_end=tuple(s for s, k in sorted(view.kills.items()) if k.tripped and s in scopes),
    )


def _account_row(view: DeskView, account_id: str, s: _Day, cards: list[CardDecision]) -> AccountEod:
    mine = [c.decision for c in cards if c.account_id == account_id]
    unrealised = paisa(view.unrealised(account_id))
    row = view.accounts.get(account_id)
    return AccountEod(
        account_id=account_id,
        name=row.name if row else "",
        gross_pnl=s.gross,
        charges=s.charges,
        realised_pnl=s.realised,
        unrealised_pnl=unrealised,
        total_pnl=s.realised + unrealised,
        closed_trades=s.closed,
        fills=s.fills,
        fill_charges=s.fill_charges,
        orders=s.orders,
        **{field: mine.count(d) for d, field in _COUNTED.items()},
        equity=paisa(view.equity(account_id)),
        halted=view.halted(account_id),
    )


def _total(rows: tuple[AccountEod, ...], view: DeskView) -> AccountEod:
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
        halted=any(k.tripped for s, k in view.kills.items() if s == DESK_SCOPE),
    )
