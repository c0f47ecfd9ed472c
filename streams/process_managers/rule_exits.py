"""Exits by rule: when a strategy's `exit_when` holds on a bar's close, each open position
its cards opened on that symbol is closed through the operator-exit path.

The decision is an `ExitRequested` (scope `rule`) recorded by the strategy as actor, caused
by the bar (its evidence) and naming the rule with its values; `OperatorExits` then asks
the broker to close, the paper broker sells at the next bar's open and the fill cancels
the bracket's stop and target (one-cancels-other), as for a close by hand.
"""

from __future__ import annotations

from domain.aggregates import Cause, Order
from domain.events import BarClosed, Envelope, ExitAction
from domain.strategy.book import Strategy, StrategyBook
from domain.strategy.by_rule import trigger
from projections.desk import DeskView
from projections.rule_positions import live_orders
from streams.strategy_runs import running
from streams.unit_of_work import UnitOfWork

SCOPE = "rule"


class RuleExits:
    """Closed bar -> `exit_when` checked for the strategies holding the symbol -> exits."""

    name = "rule-exits"

    def __init__(self, book: StrategyBook) -> None:
        self.book = book

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """Request the exit of every open position whose strategy's exit rule holds."""
        bar = event.payload
        if not isinstance(bar, BarClosed) or bar.symbol not in view.orders.live_by_symbol:
            return
        clauses = view.research.clauses.get(bar.symbol)
        if clauses is None:
            return
        for strategy in self._exiting(view, event):
            why = trigger(strategy.exit_when, clauses.before, clauses.now)
            if why is None:
                continue
            for row in live_orders(view, strategy.name, bar.symbol):
                if row.status != "OPEN" or row.exit_requested:
                    continue
                order = uow.get(Order, row.order_id)
                cause = Cause(
                    event.occurred_at,
                    uow.clock(),
                    f"strategy:{strategy.name}",
                    order.correlation_id,
                    event.event_id,
                )
                order.request_exit(
                    ExitAction.CLOSE,
                    SCOPE,
                    f"exit_when held at the close of the {bar.symbol} bar "
                    f"of {bar.start.isoformat()}: {why}",
                    cause,
                )

    def _exiting(self, view: DeskView, event: Envelope) -> list[Strategy]:
        """The strategies with exits by rule, each name once: the running version first,
        else the strategy file's (a paused strategy's positions keep their exits)."""
        seen: dict[str, Strategy] = {}
        runs = [r.strategy for r in running(view, self.book, event.occurred_at)]
        for strategy in [*runs, *self.book.strategies.values()]:
            if strategy.exit_when:
                seen.setdefault(strategy.name, strategy)
        return list(seen.values())
