"""Whether a bar strategy's clauses hold on a bar, given the bar before it.

The one decision function for entries (`when`) and exits by rule (`exit_when`): the
backtest calls it on every bar, with the features as of that bar and the one before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from domain.strategy.book import CROSSINGS, Clause

Values = Mapping[str, float | None]


def clause_holds(clause: Clause, before: Values | None, now: Values) -> bool:
    """A level clause on `now`; a crossing between `before` and `now` (False without
    a previous bar or while a value is still warming up)."""
    if clause.op not in CROSSINGS:
        return clause.holds(now.get(clause.feature))
    if before is None:
        return False
    if clause.against is None:
        return clause.crossed(
            before.get(clause.feature), clause.low, now.get(clause.feature), clause.low
        )
    return clause.crossed(
        before.get(clause.feature),
        before.get(clause.against),
        now.get(clause.feature),
        now.get(clause.against),
    )


def all_hold(clauses: Sequence[Clause], before: Values | None, now: Values) -> bool:
    """Every clause holds (an empty list never fires: a strategy needs a rule to act)."""
    if not clauses:
        return False
    for clause in clauses:  # noqa: SIM110 (a plain loop: it runs on every bar of every backtest)
        if not clause_holds(clause, before, now):
            return False
    return True


def features_named(clauses: Sequence[Clause]) -> tuple[str, ...]:
    """Every feature the clauses read, in first-use order."""
    names: dict[str, None] = {}
    for c in clauses:
        names[c.feature] = None
        if c.against is not None:
            names[c.against] = None
    return tuple(names)


def could_hold(clauses: Sequence[Clause], by: str = "symbol") -> pl.Expr:
    """A column that is true on every bar where `all_hold` might be true (and on more): a
    crossing needs the sign of `feature - other` to change from the symbol's previous bar;
    level clauses are left to `all_hold`. Bulk runs call `all_hold` only on those bars."""
    if not clauses:
        return pl.lit(False)
    screens = []
    for c in clauses:
        if c.op not in CROSSINGS:
            continue
        right = pl.col(c.against) if c.against is not None else pl.lit(c.low)
        side = (pl.col(c.feature) - right).sign()
        screens.append((side != side.shift(1).over(by)).fill_null(False))
    return pl.all_horizontal(screens) if screens else pl.lit(True)
