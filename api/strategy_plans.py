"""What a DCA strategy buys, as the strategies page shows it: the amount of which symbol,
on which schedule, and when the next buy falls due at the desk's time. Read from the
definition that runs now (the log's version, else the strategy file's), or, for a
strategy paused or retired, from the last one that ran or was published."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from domain.strategy.book import Kind, Strategy, StrategyBook
from projections.desk import DeskView
from streams.strategy_runs import book_for_version, running


class DcaPlanResource(BaseModel):
    """A DCA strategy's standing order; its buys are plain entries (no stop, no target)."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    amount: str = Field(description="rupees per buy, exact (Decimal as text)")
    schedule: str = Field(description="five-field cron, IST: when each buy falls due")
    next_due: datetime | None = Field(
        description="the next due time after the desk's now, on a day it trades (UTC); "
        "null when the schedule has none within a year"
    )
    windows: list[str] = Field(default_factory=list, description="entry windows, IST")


def dca_plans(view: DeskView, book: StrategyBook, at: datetime) -> dict[str, DcaPlanResource]:
    """Each DCA strategy's plan by name, at desk time `at`."""
    plans = {}
    for name in dict.fromkeys([*book.strategies, *view.strategies.by_name]):
        strategy = _definition(view, book, name, at)
        if strategy is None or strategy.kind is not Kind.DCA or strategy.dca is None:
            continue
        schedule = strategy.schedule
        plans[name] = DcaPlanResource(
            symbol=strategy.dca.symbol,
            amount=str(strategy.dca.amount),
            schedule=schedule.cron or "",
            next_due=schedule.next_due(at, book.calendar),
            windows=[str(w) for w in schedule.windows],
        )
    return plans


def _definition(view: DeskView, book: StrategyBook, name: str, at: datetime) -> Strategy | None:
    runs = [r for r in running(view, book, at) if r.strategy.name == name]
    if runs:
        return runs[0].strategy
    state = view.strategies.by_name.get(name)
    if state is None or not state.versions:
        return book.strategies.get(name)
    last = [d.version_id for d in state.deployments if d.version_id]
    version_id = last[-1] if last else list(state.versions)[-1]
    return book_for_version(view, book, name, version_id).strategies.get(name)
