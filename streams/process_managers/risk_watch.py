"""Risk watch: trip an account's kill switch when its daily loss or drawdown hits the limit,
and the desk's when every account's P&L together reaches the desk-wide daily loss limit."""

from __future__ import annotations

from domain.aggregates import RiskGuard
from domain.events import DESK_SCOPE, BarClosed, DeskLossLimitSet, Envelope, PositionClosed
from domain.ids import risk_stream
from domain.risk_rules import desk_limit_breach, limit_breach
from projections.desk import DeskView
from streams.unit_of_work import UnitOfWork


class RiskWatch:
    """Trips an account's kill switch when a fill or a mark breaches its mandate's limits."""

    name = "risk-watch"
    actor = "risk"

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """Check the account's daily loss and drawdown after a fill or a bar, then the
        desk's daily loss (also when its limit is set)."""
        payload = event.payload
        if isinstance(payload, DeskLossLimitSet):
            accounts = []
        elif isinstance(payload, BarClosed):
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
        self._check_desk(view, uow)

    def _check_desk(self, view: DeskView, uow: UnitOfWork) -> None:
        desk = view.kills.get(DESK_SCOPE)
        if desk is None or desk.loss_limit is None or desk.tripped:
            return
        breach = desk_limit_breach(desk.loss_limit, view.desk_daily_pnl())
        if breach is not None:
            uow.get(RiskGuard, risk_stream(DESK_SCOPE)).trip(
                breach.reason, breach.metric, breach.value, breach.limit, uow.cause(self.actor))
