"""Funding plans at work: dated installments credited by the scheduler, drawdown tranches
released by the index bar that crosses their threshold.

Both go through the Account aggregate, which credits an installment (plan, kind, sequence)
at most once, so a scheduler that slept, a replayed bar or a second run credit nothing twice.
"""

from __future__ import annotations

from datetime import date

from domain.aggregates import Account, Cause
from domain.events import BarClosed, Envelope
from domain.funding import OnDrawdown, drawdown_met, drawdown_of, due_by_date, schedule
from domain.ids import account_stream
from projections.desk import DeskView
from streams.unit_of_work import UnitOfWork

ACTOR = "treasury"


def credit_dated(uow: UnitOfWork, view: DeskView, today: date, cause: Cause) -> list[str]:
    """Credit every installment whose date is on or before `today` and is not credited yet
    (all the missed ones after downtime); the references credited, in order."""
    credited = []
    for account_id, state in sorted(view.funding.items()):
        for item in due_by_date(state.plan, today):
            if item.reference in state.credited:
                continue
            account = uow.get(Account, account_stream(account_id))
            if item.kind == "sip":
                done = account.credit_installment(item, cause)
            else:
                done = account.release_tranche(
                    item, f"release date {item.due_on} reached (credited {today})", cause)
            if done:
                credited.append(item.reference)
    return credited


class FundingWatch:
    """Index bar -> the drawdown tranches it triggers, released once, citing the bar."""

    name = "funding-watch"
    actor = ACTOR

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """Credit each funding installment that has come due by this event's desk time."""
        bar = event.payload
        if not isinstance(bar, BarClosed):
            return
        for account_id, state in sorted(view.funding.items()):
            watch = state.watches.get(bar.symbol)
            if watch is None:
                continue
            for item, tranche in zip(
                [i for i in schedule(state.plan) if i.kind == "tranche"],
                state.plan.tranches, strict=True,
            ):
                release = tranche.release
                if (not isinstance(release, OnDrawdown) or release.index != bar.symbol
                        or item.sequence in state.released
                        or not drawdown_met(release, watch.high, watch.last)):
                    continue
                condition = (
                    f"{release.index} closed at {watch.last}, "
                    f"{drawdown_of(watch.high, watch.last):.2f}% below its high {watch.high} "
                    f"since the plan was set (threshold {release.drawdown_pct}%)")
                uow.get(Account, account_stream(account_id)).release_tranche(
                    item, condition, uow.cause(self.actor), evidence=(event.event_id,))
