"""What the strategies read: live features per symbol, pending results meetings, each
strategy's recent record, and when each strategy last signalled a symbol."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.clause_values import ClauseValues
from domain.events import (
    BarClosed,
    CardApproved,
    CardExpired,
    CardProposed,
    CardRejected,
    Envelope,
    NewsTagged,
    OrderDenied,
    PositionClosed,
    SignalFiltered,
    SignalScored,
)
from domain.live_features import SymbolFeatures
from domain.money import ZERO
from domain.sizing import reserve_for

if TYPE_CHECKING:
    from projections.desk import DeskView


RECORD_WINDOW = 50  # outcomes kept per strategy; the book reads the most recent ones


@dataclass
class Research:
    features: dict[str, SymbolFeatures] = field(default_factory=dict)
    results_due: dict[str, str] = field(default_factory=dict)  # symbol -> the meeting
    sectors: dict[str, str] = field(default_factory=dict)  # symbol -> sector, from cards
    last_signal_bar: dict[str, int] = field(default_factory=dict)  # "strategy:symbol"
    outcomes: dict[str, list[int]] = field(default_factory=dict)  # strategy -> 1 win/0 loss
    # account -> card -> the cash its approval would reserve, for cards still waiting
    waiting: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    # What rule strategies' clauses read (set from the strategy book when the desk is
    # wired), and per symbol their values on the last bar and the one before it.
    clause_names: tuple[str, ...] = ()
    clauses: dict[str, ClauseValues] = field(default_factory=dict)

    def waiting_reserve(self, account_id: str) -> Decimal:
        """What the account's waiting cards would reserve if all were approved."""
        return sum(self.waiting.get(account_id, {}).values(), ZERO)

    def record(self, strategy: str, window: int) -> tuple[int, int]:
        """Wins and losses over the strategy's last `window` closed trades."""
        recent = self.outcomes.get(strategy, [])[-window:]
        return sum(recent), len(recent) - sum(recent)

    def last_signal(self, strategy: str, symbol: str) -> int | None:
        """The symbol's bar count when `strategy` last signalled on it (None: never)."""
        return self.last_signal_bar.get(_signal_key(strategy, symbol))

    def bars(self, symbol: str) -> int:
        tracker = self.features.get(symbol)
        return tracker.bars if tracker else 0


def apply_research(view: DeskView, event: Envelope) -> None:
    """Fold one event into the research view."""
    research, payload = view.research, event.payload
    match payload:
        case BarClosed():
            tracker = research.features.get(payload.symbol)
            if tracker is None:
                tracker = research.features[payload.symbol] = SymbolFeatures()
            last = tracker.latest().ts
            if last is not None and payload.start <= last:
                return  # a late or repeated bar: features move forward in time only
            tracker.update(payload.start, float(payload.open), float(payload.high),
                           float(payload.low), float(payload.close), float(payload.volume))
            if research.clause_names:
                research.clauses.setdefault(payload.symbol, ClauseValues()).update(
                    research.clause_names, tracker.latest(), float(payload.open),
                    float(payload.high), float(payload.low), float(payload.close))
        case NewsTagged():
            for symbol in payload.symbols:
                if payload.results_due:
                    research.results_due[symbol] = payload.reasons[0] if payload.reasons else ""
                elif payload.category == "results":
                    research.results_due.pop(symbol, None)
        case SignalScored() | SignalFiltered():
            key = _signal_key(payload.strategy, payload.symbol)
            research.last_signal_bar[key] = research.bars(payload.symbol)
        case CardProposed():
            if payload.sector:
                research.sectors[payload.symbol] = payload.sector
            research.waiting.setdefault(payload.account_id, {})[payload.card_id] = reserve_for(
                payload.reference_price, payload.quantity)
        case CardApproved() | CardRejected() | CardExpired() | OrderDenied():
            research.waiting.get(payload.account_id, {}).pop(payload.card_id, None)
        case PositionClosed():
            strategy = _strategy_of_order(view, payload.order_id)
            if strategy:
                kept = research.outcomes.setdefault(strategy, [])
                kept.append(1 if payload.realised_pnl > 0 else 0)
                del kept[:-RECORD_WINDOW]
        case _:
            pass


def _strategy_of_order(view: DeskView, order_id: str) -> str | None:
    """The strategy whose card placed the order (None: an order the view never saw)."""
    order = view.orders.by_id.get(order_id)
    card = view.cards.get(order.card_id) if order else None
    return card.strategy if card else None


def _signal_key(strategy: str, symbol: str) -> str:
    return f"{strategy}:{symbol}"
