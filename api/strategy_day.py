"""Today's work per strategy for the strategies page: signals scored, cards proposed and
fills, counted from the log's events of the desk's IST day. The report index knows where
that day's events lie in the log, so only the day is read, and of it only these three
types are decoded."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from domain.events import CardProposed, Envelope, OrderFilled, Recorded, SignalScored
from projections.desk import DeskView
from projections.reports.index import Span

TODAY_TYPES = ("SignalScored", "CardProposed", "OrderFilled")
_PAGE = 1000


class TypedLog(Protocol):
    """A log that reads only events of some types (the store does it in its query)."""

    def read(self, after: int = 0, limit: int = 1000, types: Sequence[str] = ()
             ) -> list[Recorded]: ...


class StrategyToday(BaseModel):
    """What a strategy did on the desk's IST day."""

    model_config = ConfigDict(frozen=True)

    day: date
    signals: int  # scored (filtered ones are not counted)
    cards: int  # proposed, for any account
    fills: int  # entry and exit legs of its cards' orders


def day_events(log: TypedLog, span: Span | None) -> list[Envelope]:
    """The signals, proposals and fills logged at positions span.first..span.last."""
    if span is None:
        return []
    events: list[Envelope] = []
    after = span.first - 1
    while page := log.read(after, _PAGE, types=TODAY_TYPES):
        events += [r.event for r in page if r.position <= span.last]
        if page[-1].position >= span.last:
            break
        after = page[-1].position
    return events


def tally(day: date, events: Iterable[Envelope], view: DeskView) -> dict[str, StrategyToday]:
    """Per strategy, its counts of the day; a fill counts for the strategy of its order's
    card."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for event in events:
        match event.payload:
            case SignalScored(strategy=strategy):
                counts[strategy]["signals"] += 1
            case CardProposed(strategy=strategy):
                counts[strategy]["cards"] += 1
            case OrderFilled(order_id=order_id):
                order = view.orders.by_id.get(order_id)
                card = view.cards.get(order.card_id) if order is not None else None
                if card is not None:
                    counts[card.strategy]["fills"] += 1
    return {name: StrategyToday(day=day, signals=c["signals"], cards=c["cards"],
                                fills=c["fills"]) for name, c in counts.items()}
