"""The end-of-day report: every account's cash, P&L and the day's activity, from the view."""

from __future__ import annotations

from datetime import date

from domain.events import AccountDay, DailyReportPublished
from domain.session import ist
from projections.cash import Cash
from projections.desk import DeskView


def eod_report(view: DeskView, day: date) -> DailyReportPublished:
    """The report for `day` (IST) as the view stands; cards and orders counted by that day."""
    accounts = []
    for account_id, row in sorted(view.accounts.items()):
        cash = view.cash.get(account_id) or Cash()
        cards = [c for c in view.cards.values() if c.account_id == account_id
                 and c.expires_at is not None and ist(c.expires_at).date() == day]
        orders = [o for o in view.orders.by_id.values() if o.account_id == account_id
                  and ist(o.placed_at).date() == day]
        accounts.append(AccountDay(
            account_id=account_id, name=row.name, available=cash.available,
            reserved=cash.reserved, deployed=cash.deployed, buffer=cash.buffer,
            deposits=cash.deposits, realised_pnl=cash.realised_pnl, costs=cash.costs,
            open_positions=sum(1 for p in view.positions.of(account_id) if p.quantity),
            cards_proposed=sum(c.status != "BLOCKED" for c in cards),
            cards_approved=sum(c.status in ("APPROVED", "DENIED") for c in cards),
            orders=len(orders), halted=view.halted(account_id),
        ))
    return DailyReportPublished(day=day, as_of_position=view.position,
                                accounts=tuple(accounts))
