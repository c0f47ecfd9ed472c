"""Risk watch: trip an account's kill switch when its daily loss or drawdown hits the limit."""

from __future__ import annotations

from domain.aggregates import RiskGuard
from domain.events import BarClosed, Envelope, PositionClosed
from domain.ids import risk_stream
from domain.risk_rules import limit_breach
from projections.desk import DeskView
from streams.unit_of_work import UnitOfWork


class RiskWatch:
    """Trips an account's kill switch when a fill or a mark breaches its mandate's limits."""

    name = "risk-watch"
    actor = "risk"

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """Check the account's daily loss and drawdown after a fill or a bar."""
        payload = event.payload
        if isinstance(payload, BarClosed):
            accounts = sorted(view.positions.holders.get(payload.symbol, ()))
        elif isinstance(payload, PositionClosed):
            accounts = [payload.account_id]
        else:
            return
        for account_id in accounts:
            row = view.accounts.get(account_id)
            if row is None or row.mandate is None or view.halted(account_id):
                continue
            breach = limit_breach(row.mandate, view.daily_pnl(account_id),
                                  view.drawdown(account_id))
            if breach is not None:
                uow.get(RiskGuard, risk_stream(account_id)).trip(
                    breach.reason, breach.metric, breach.value, breach.limit,
                    uow.cause(self.actor),
                )
