"""Whether a bar strategy's clauses hold on a bar, given the bar before it.

The one decision function for entries (`when`) and exits by rule (`exit_when`): the
backtest calls it on every bar, with the features as of that bar and the one before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    return all(clause_holds(c, before, now) for c in clauses)


def features_named(clauses: Sequence[Clause]) -> tuple[str, ...]:
    """Every feature the clauses read, in first-use order."""
    names: dict[str, None] = {}
    for c in clauses:
        names[c.feature] = None
        if c.against is not None:
            names[c.against] = None
    return tuple(names)
