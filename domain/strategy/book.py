"""The strategy book as plain values: playbooks, meta-label, allocation and guardrail
thresholds, as the operator's file states them (see data/playbooks/strategies.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from domain.calendar import WEEKDAYS, TradingCalendar
from domain.features import Regime
from domain.strategy.schedule import ALWAYS, Schedule
from domain.values import Horizon, Objective


class Kind(StrEnum):
    EVENT = "event"  # fires on a tagged news item or filing
    BARS = "bars"  # scanned on every closed bar
    DCA = "dca"  # buys a fixed amount of one symbol at each time its schedule falls due


class Direction(StrEnum):
    LONG = "long"
    SHORT = "short"
    FOLLOW_REACTION = "follow_reaction"


class Op(StrEnum):
    GT = ">"
    LT = "<"
    BETWEEN = "between"
    CROSSES_ABOVE = "crosses_above"
    CROSSES_BELOW = "crosses_below"


CROSSINGS = frozenset({Op.CROSSES_ABOVE, Op.CROSSES_BELOW})


@dataclass(frozen=True)
class Clause:
    """One condition on a feature: `rsi_14 between [58, 80]`, `sma_10 crosses_above sma_20`.

    A crossing compares the feature with another feature (`against`) or a number (`low`)
    on two bars: strictly on one side on the previous bar, strictly on the other now.
    """

    feature: str
    op: Op
    low: float
    high: float | None = None  # only for `between`
    against: str | None = None  # crossings of two features: the right-hand feature

    def holds(self, value: float | None) -> bool:
        """A level clause on the bar's value; a crossing needs `crossed` (two bars)."""
        if value is None:
            return False
        if self.op is Op.GT:
            return value > self.low
        if self.op is Op.LT:
            return value < self.low
        if self.op is Op.BETWEEN:
            assert self.high is not None
            return self.low <= value <= self.high
        return False

    def crossed(self, before: float | None, before_other: float | None,
                now: float | None, now_other: float | None) -> bool:
        """Whether the feature crossed the other side between the previous bar and this one
        (the same test as backtesting.py's `crossover`: `a[-2] < b[-2] and a[-1] > b[-1]`)."""
        if before is None or before_other is None or now is None or now_other is None:
            return False
        if self.op is Op.CROSSES_ABOVE:
            return before < before_other and now > now_other
        return before > before_other and now < now_other

    def __str__(self) -> str:
        if self.op is Op.BETWEEN:
            return f"{self.feature} in [{self.low:g}, {self.high:g}]"
        right = self.against if self.against is not None else f"{self.low:g}"
        return f"{self.feature} {self.op.value} {right}"


class SizingRule(StrEnum):
    ALLOCATION = "allocation"  # the desk's allocation sizes per account (the default)
    FIXED_QUANTITY = "fixed_quantity"  # this many shares per entry
    PCT_EQUITY = "pct_equity"  # this % of equity at the fill, whole shares, rounded down


@dataclass(frozen=True)
class Sizing:
    """How a bar strategy's entry is sized: `fixed_quantity: 10` or `pct_equity: 25`."""

    rule: SizingRule = SizingRule.ALLOCATION
    amount: Decimal = Decimal(0)

    def quantity(self, equity: Decimal, price: Decimal) -> int:
        """Shares for one entry at `price` with `equity` (0 when the rule allocates)."""
        if self.rule is SizingRule.FIXED_QUANTITY:
            return int(self.amount)
        if self.rule is SizingRule.PCT_EQUITY and price > 0:
            return max(0, int(equity * self.amount / 100 / price))
        return 0


@dataclass(frozen=True)
class DcaPlan:
    """A DCA strategy's standing order: `amount` rupees of `symbol` at each due time."""

    symbol: str
    amount: Decimal

    def quantity(self, price: Decimal) -> int:
        """Whole shares `amount` buys at `price`: floor(amount / price)."""
        return int(self.amount // price) if price > 0 else 0


@dataclass(frozen=True)
class Strategy:
    name: str
    kind: Kind
    direction: Direction
    score: Decimal
    horizons: tuple[Horizon, ...]  # mandate horizons that may take the signal
    horizon_bars: int
    stop_atr: Decimal
    target_atr: Decimal
    expiry_minutes: int
    regimes: tuple[Regime, ...]
    drift_sigma: float
    max_catalyst_age_minutes: int
    category: str | None = None  # event playbooks: the tagger's category
    cooldown_bars: int = 0  # bar strategies: bars between two signals on one symbol
    when: tuple[Clause, ...] = ()
    exit_when: tuple[Clause, ...] = ()  # exits by rule: all clauses hold -> close
    sizing: Sizing = Sizing()
    schedule: Schedule = ALWAYS  # entry windows, days off, a cron (none: always)
    dca: DcaPlan | None = None  # DCA strategies: what each due time buys
    # False: exits by rule only (`exit_when` without stop_atr/target_atr), so the bracket
    # is `domain.strategy.by_rule.protective_levels`, not the ATR one.
    atr_bracket: bool = True


@dataclass(frozen=True)
class MetaLabelPolicy:
    min_quality: float
    min_edge_r: float
    weight_regime: float
    weight_liquidity: float
    weight_timing: float
    weight_hit_rate: float
    full_liquidity_adv: Decimal
    prior_wins: int
    prior_losses: int
    hit_rate_window: int
    cost_notional: Decimal


class RankBy(StrEnum):
    EDGE = "edge"  # expected R after costs, highest first
    BALANCE = "balance"  # edge x quality
    SAFETY = "safety"  # lowest stop probability, then quality


@dataclass(frozen=True)
class ObjectivePolicy:
    rank_by: RankBy
    vol_target_pct: Decimal  # one position's daily volatility, % of equity
    min_quality: float


@dataclass(frozen=True)
class AllocationPolicy:
    objectives: dict[Objective, ObjectivePolicy]
    kelly_fraction: Decimal
    card_ttl_minutes: int


@dataclass(frozen=True)
class GuardrailPolicy:
    max_adv_participation_pct: Decimal
    max_sector_pct: Decimal
    results_blackout: bool
    min_bars_for_regime: int


@dataclass(frozen=True)
class StrategyBook:
    version: str
    strategies: dict[str, Strategy]
    meta_label: MetaLabelPolicy
    allocation: AllocationPolicy
    guardrails: GuardrailPolicy
    calendar: TradingCalendar = WEEKDAYS  # the exchange's trading days and sessions
    # Each strategy's version id, from the sha256 of its definition in the file.
    version_ids: dict[str, str] = field(default_factory=dict)

    def for_category(self, category: str) -> Strategy | None:
        for strategy in self.strategies.values():
            if strategy.kind is Kind.EVENT and strategy.category == category:
                return strategy
        return None

    @property
    def bar_strategies(self) -> tuple[Strategy, ...]:
        return tuple(s for s in self.strategies.values() if s.kind is Kind.BARS)
