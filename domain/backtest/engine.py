"""One bar strategy replayed over historical bars, bar by bar, on a simulated clock.

Semantics (`FillAt.NEXT_OPEN`, no costs): a signal on bar i's close fills at bar i+1's
open; one position at a time per symbol; a position still open at the end is marked at
the last close and is not a trade. `FillAt.CLOSE` fills at the signal bar's own close.
Entries and exits are decided by `domain.strategy.rules.all_hold`, the same function
for every run. An entry the cash cannot pay for is refused with a reason, not dropped.

Money is `Decimal` (cash, fills, P&L, costs); the per-bar equity curve is float64
analytics for the metrics, like the features.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import polars as pl

from domain.costs import RATE_TABLE, Product, fill_costs
from domain.money import PAISA, round_to_tick
from domain.strategy.book import Strategy
from domain.strategy.rules import all_hold, could_hold, features_named
from domain.values import Side


class FillAt(StrEnum):
    NEXT_OPEN = "next-open"
    CLOSE = "close"


class Costs(StrEnum):
    INDIA = "india"  # every charge of `domain.costs` on each fill, delivery product
    NONE = "none"


_FIRST_RATES = min(r.effective_from for r in RATE_TABLE)


def _india(side: Side, quantity: int, price: Decimal, day: date) -> Decimal:
    # Bars older than the rate table are charged at its earliest rates.
    return fill_costs(side, quantity, price, Product.DELIVERY, max(day, _FIRST_RATES)).total


def _free(side: Side, quantity: int, price: Decimal, day: date) -> Decimal:
    return Decimal("0.00")


CostModel = Callable[[Side, int, Decimal, date], Decimal]  # one fill's charges

COST_MODELS: dict[Costs, CostModel] = {
    Costs.INDIA: _india,
    Costs.NONE: _free,
}


@dataclass(frozen=True)
class BacktestConfig:
    cash: Decimal = Decimal(100_000)
    fill: FillAt = FillAt.NEXT_OPEN
    costs: Costs = Costs.INDIA
    tick_rounding: bool = True  # NSE: fills rounded onto the price's tick grid


@dataclass(frozen=True)
class Refusal:
    """An entry signal that did not become a position, and why."""

    symbol: str
    strategy: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class OpenPosition:
    """A position from its entry fill; `mark` is the last close when the run ends."""

    symbol: str
    strategy: str
    quantity: int
    entry_bar: int
    entry_at: datetime
    entry_price: Decimal
    entry_costs: Decimal
    entry_reason: str
    mark: Decimal = Decimal(0)


@dataclass(frozen=True)
class Trade:
    """A closed round trip: its entry, and the exit; `pnl` is after both legs' costs."""

    entry: OpenPosition
    exit_bar: int
    exit_at: datetime
    exit_price: Decimal
    costs: Decimal
    pnl: Decimal
    exit_reason: str

    @property
    def symbol(self) -> str:
        return self.entry.symbol

    @property
    def strategy(self) -> str:
        return self.entry.strategy

    @property
    def quantity(self) -> int:
        return self.entry.quantity

    @property
    def entry_bar(self) -> int:
        return self.entry.entry_bar

    @property
    def entry_at(self) -> datetime:
        return self.entry.entry_at

    @property
    def entry_price(self) -> Decimal:
        return self.entry.entry_price

    @property
    def return_pct(self) -> float:
        """P&L over the entry's value (what backtesting.py calls `ReturnPct`)."""
        return float(self.pnl / (self.entry_price * self.quantity))


@dataclass
class BacktestResult:
    trades: list[Trade] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    open_positions: list[OpenPosition] = field(default_factory=list)
    equity_at: pl.Series = field(default_factory=lambda: pl.Series("ts", []))  # aware UTC
    equity: list[float] = field(default_factory=list)
    exposed: list[bool] = field(default_factory=list)  # a position held at that time
    cash: Decimal = Decimal(0)
    final_equity: Decimal = Decimal(0)
    bars: int = 0


@dataclass
class _Pending:
    strategy: Strategy
    side: Side
    reason: str


@dataclass(frozen=True)
class _Fill:
    symbol: str
    order: _Pending
    price: Decimal
    bar: int
    at: datetime


Key = tuple[str, str]  # (strategy, symbol): one position at a time per strategy and symbol


@dataclass
class _Book:
    """The run's mutable state: cash, positions and pending orders."""

    config: BacktestConfig
    result: BacktestResult
    cash: Decimal
    positions: dict[Key, OpenPosition] = field(default_factory=dict)
    pending: dict[Key, _Pending] = field(default_factory=dict)
    marks: dict[str, float] = field(default_factory=dict)

    def equity(self) -> float:
        if not self.positions:
            return float(self.cash)
        held = sum(p.quantity * self.marks[p.symbol] for p in self.positions.values())
        return float(self.cash) + held

    def fill(self, symbol: str, order: _Pending, raw_price: float, bar: int, at: datetime) -> None:
        """Fill a pending (or same-bar) order at `raw_price`, on the tick grid if asked."""
        price = Decimal(repr(raw_price))
        if self.config.tick_rounding:
            price = round_to_tick(price)
        leg = _Fill(symbol, order, price, bar, at)
        costs = COST_MODELS[self.config.costs]
        if order.side is Side.BUY:
            self._enter(leg, costs)
        else:
            self._exit(leg, costs)

    def _enter(self, leg: _Fill, charge: CostModel) -> None:
        name, price = leg.order.strategy.name, leg.price
        equity = Decimal(repr(self.equity()))
        quantity = leg.order.strategy.sizing.quantity(equity, price)
        if quantity <= 0:
            self.result.refusals.append(
                Refusal(leg.symbol, name, leg.at, f"sizing gives 0 shares at {price}")
            )
            return
        costs = charge(Side.BUY, quantity, price, leg.at.date())
        needed = price * quantity + costs
        if needed > self.cash:
            self.result.refusals.append(
                Refusal(
                    leg.symbol,
                    name,
                    leg.at,
                    f"{quantity} x {price} + costs {costs} = {needed} "
                    f"is more than cash {self.cash}",
                )
            )
            return
        self.cash -= needed
        self.positions[name, leg.symbol] = OpenPosition(
            leg.symbol, name, quantity, leg.bar, leg.at, price, costs, leg.order.reason
        )

    def _exit(self, leg: _Fill, charge: CostModel) -> None:
        p = self.positions.pop((leg.order.strategy.name, leg.symbol))
        costs = charge(Side.SELL, p.quantity, leg.price, leg.at.date())
        self.cash += leg.price * p.quantity - costs
        pnl = ((leg.price - p.entry_price) * p.quantity - p.entry_costs - costs).quantize(PAISA)
        self.result.trades.append(
            Trade(p, leg.bar, leg.at, leg.price, p.entry_costs + costs, pnl, leg.order.reason)
        )


def run_backtest(
    bars: pl.DataFrame, strategies: Sequence[Strategy], config: BacktestConfig
) -> BacktestResult:
    """Replay `bars` (symbol, ts, open, close and every feature the strategies' clauses
    name, sorted by ts then symbol) through `strategies`, sharing one cash balance; the
    trades, refusals and the equity curve (one point per distinct ts)."""
    names = features_named([c for s in strategies for c in s.when + s.exit_when])
    result = BacktestResult(bars=bars.height)
    book = _Book(config, result, config.cash)
    # Times stay in polars (as integers here): a Python datetime is made only for a fill.
    ts = bars["ts"]
    stamps = ts.to_physical().to_list()
    screens = [could_hold(s.when) | could_hold(s.exit_when) for s in strategies]
    may_act = bars.select(pl.any_horizontal(screens).alias("_may_act"))["_may_act"].to_list()
    columns = [bars[c].to_list() for c in ("symbol", "open", "close", *names)]
    symbols, opens, closes = columns[:3]
    features = list(zip(names, columns[3:], strict=True))
    previous_row: dict[str, int] = {}
    next_open = config.fill is FillAt.NEXT_OPEN
    last = bars.height - 1
    points: list[int] = []
    pending, positions, marks = book.pending, book.positions, book.marks
    for i in range(bars.height):
        symbol, close = symbols[i], closes[i]
        if pending:
            for strategy in strategies:
                order = pending.pop((strategy.name, symbol), None)
                if order is not None:
                    book.fill(symbol, order, opens[i], i, ts[i])
        marks[symbol] = close
        before_row = previous_row.get(symbol)
        previous_row[symbol] = i
        if may_act[i]:
            now = {n: col[i] for n, col in features}
            before = None if before_row is None else {n: col[before_row] for n, col in features}
            for strategy in strategies:
                key = (strategy.name, symbol)
                decided = _decide(strategy, key in positions, before, now)
                if decided is None:
                    continue
                if next_open:
                    pending[key] = decided
                else:
                    book.fill(symbol, decided, close, i, ts[i])
        if i == last or stamps[i + 1] != stamps[i]:
            points.append(i)
            result.equity.append(book.equity())
            result.exposed.append(bool(positions))
    result.equity_at = ts.gather(points)
    result.cash = book.cash
    result.open_positions = [
        replace(p, mark=Decimal(repr(book.marks[p.symbol]))) for p in book.positions.values()
    ]
    held = sum((p.mark * p.quantity for p in result.open_positions), Decimal(0))
    result.final_equity = (book.cash + held).quantize(PAISA)
    return result


def _decide(
    strategy: Strategy,
    holding: bool,
    before: dict[str, float | None] | None,
    now: dict[str, float | None],
) -> _Pending | None:
    if holding:
        if all_hold(strategy.exit_when, before, now):
            reason = "exit_when: " + "; ".join(map(str, strategy.exit_when))
            return _Pending(strategy, Side.SELL, reason)
        return None
    if all_hold(strategy.when, before, now):
        return _Pending(strategy, Side.BUY, "when: " + "; ".join(map(str, strategy.when)))
    return None
