"""The guardrails' view of one card, gathered from the read model the same way when the
card is proposed and when it is approved."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from domain.guardrails import Context
from domain.money import ZERO
from domain.strategy.book import StrategyBook
from projections.desk import DeskView


def guard_context(
    view: DeskView, book: StrategyBook, account_id: str, symbol: str, sector: str,
    strategy_name: str, catalyst_at: datetime | None, adv_value: Decimal | None,
) -> Context | None:
    """The strategy book's guardrail context; None for a strategy the book does not know
    (a card from an older book keeps only the four basic guardrails)."""
    strategy = book.strategies.get(strategy_name)
    if strategy is None:
        return None
    marks = view.positions.marks
    sectors = view.research.sectors
    held = sector_held = ZERO
    for position in view.positions.of(account_id):
        exposure = position.exposure(marks.get(position.symbol))
        if position.symbol == symbol:
            held += exposure
        if sectors.get(position.symbol) == sector:
            sector_held += exposure
    tracker = view.research.features.get(symbol)
    values = tracker.latest() if tracker else None
    return Context(
        policy=book.guardrails, symbol=symbol, sector=sector, held_notional=held,
        sector_notional=sector_held, adv_value=adv_value,
        regime=values.regime if values else None, bars=values.bars if values else 0,
        regimes=strategy.regimes, results_due=view.research.results_due.get(symbol),
        blackout_exempt=strategy.category == "results", catalyst_at=catalyst_at,
        max_catalyst_age=timedelta(minutes=strategy.max_catalyst_age_minutes),
    )
