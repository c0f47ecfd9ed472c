"""Bar strategies that decide by rule in the live desk: crossings, features with any
period, exits by rule (`exit_when`) and a protective bracket instead of the ATR one.

The decision is `domain.strategy.rules.all_hold`, the function the fast backtest engine
calls, on the clause values of the symbol's last bar and the one before it
(`domain.clause_values`, folded by the research view). A strategy with level clauses on
the desk's own features only and no `exit_when` keeps the desk's older path
(`signals.triggered`), so the shipped strategies decide exactly as before.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from decimal import Decimal

from domain.events import SignalFiltered, SignalScored
from domain.live_features import FeatureValues
from domain.money import round_to_tick
from domain.strategy.book import CROSSINGS, Clause, Strategy, StrategyBook
from domain.strategy.rules import Values, all_hold, features_named
from domain.strategy.signals import DERIVED_FEATURES, Facts, score
from domain.values import Side

# The desk's own features (`FeatureValues`), which the older path reads.
_DESK_FEATURES = frozenset(f.name for f in fields(FeatureValues)) | set(DERIVED_FEATURES)

# A strategy that exits by rule and states no ATR stop or target still goes out as a
# bracket (every venue's order is one): a catastrophe stop at half the reference and a
# target at ten times it, which only a crash or a mispriced feed would reach.
CATASTROPHE_STOP = Decimal("0.5")
FAR_TARGET = Decimal(10)


def decides_by_rule(strategy: Strategy) -> bool:
    """Whether the strategy needs the rule path: a crossing, a feature the desk's own set
    lacks (`sma_10`), or exits by rule."""
    clauses = strategy.when + strategy.exit_when
    return bool(strategy.exit_when) or any(
        c.op in CROSSINGS or not set(features_named([c])) <= _DESK_FEATURES for c in clauses
    )


def rule_features(strategies: Iterable[Strategy]) -> tuple[str, ...]:
    """Every feature the rule strategies' clauses read (what the research view folds)."""
    return features_named(
        [c for s in strategies if decides_by_rule(s) for c in s.when + s.exit_when]
    )


def trigger(clauses: Sequence[Clause], before: Values | None, now: Values) -> str | None:
    """The clauses with their values when all hold (the decision's words), else None."""
    if not all_hold(clauses, before, now):
        return None
    return "; ".join(_shown(c, before, now) for c in clauses)


def protective_levels(strategy: Strategy, reference: Decimal) -> tuple[Decimal, Decimal]:
    """The bracket of a strategy that exits by rule without an ATR stop or target."""
    return (
        round_to_tick(reference * CATASTROPHE_STOP, "down"),
        round_to_tick(reference * FAR_TARGET, "up"),
    )


def score_by_rule(
    strategy: Strategy, book: StrategyBook, facts: Facts
) -> SignalScored | SignalFiltered:
    """A rule strategy's entry: scored as every signal is (ATR and the meta-label, for the
    card, the ranking and the record), but its own rules decide, so the meta-label does
    not veto it; without an ATR stop or target the bracket is the protective one."""
    lenient = replace(
        book, meta_label=replace(book.meta_label, min_quality=-math.inf, min_edge_r=-math.inf)
    )
    decision = score(strategy, lenient, facts, Side.BUY, "long setup by rule")
    exits = "; ".join(map(str, strategy.exit_when))
    if not isinstance(decision, SignalScored) or strategy.atr_bracket:
        return decision
    stop, target = protective_levels(strategy, facts.reference)
    return decision.model_copy(
        update={
            "stop": stop,
            "target": target,
            "rationale": f"{decision.rationale} Exits by rule ({exits}): no ATR bracket; the "
            f"order carries a protective stop at {stop} and target at {target}.",
        }
    )


def _shown(clause: Clause, before: Values | None, now: Values) -> str:
    names = [clause.feature] + ([clause.against] if clause.against else [])
    values = ", ".join(f"{n} {_number(now.get(n))}" for n in names)
    if clause.op in CROSSINGS and before is not None:
        was = ", ".join(f"{n} {_number(before.get(n))}" for n in names)
        return f"{clause} (now {values}; bar before {was})"
    return f"{clause} ({values})"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.6g}"
