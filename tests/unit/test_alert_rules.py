"""Alert rules evaluated purely: whatever the figures do, an alert's firings and clearings
alternate (fired first), a firing needs its hold time past the threshold, and a clearing
only follows a firing."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.alerts import AlertRule, Change, Readings, evaluate
from tests.unit.conftest import T0, D

RULE = AlertRule("lagging", "view_lag", D(100), hold_seconds=10)


def _run(values: list[int], step_seconds: int = 5) -> list[Change]:
    firing: set[tuple[str, str]] = set()
    since: dict = {}
    changes: list[Change] = []
    for i, value in enumerate(values):
        at = T0 + timedelta(seconds=i * step_seconds)
        now = evaluate(
            [RULE], Readings(at, at, True, {"view_lag": {"desk": D(value)}}), firing, since
        )
        for change in now:
            (firing.add if change.fire else firing.discard)((change.rule.name, change.subject))
        changes += now
    return changes


@given(st.lists(st.integers(min_value=0, max_value=300), max_size=60))
def test_evaluate_when_figures_wander_then_firings_and_clearings_alternate(
    values: list[int],
) -> None:
    changes = _run(values)

    assert [c.fire for c in changes] == [i % 2 == 0 for i in range(len(changes))]
    assert all((c.observed > RULE.threshold) == c.fire for c in changes)


def test_evaluate_when_the_figure_breaches_shorter_than_the_hold_then_nothing_fires() -> None:
    assert _run([500, 0, 500, 0, 500, 500]) == []  # never 10 s in a row


def test_evaluate_when_the_figure_stays_past_the_hold_then_it_fires_once_and_clears_once() -> None:
    changes = _run([500, 500, 500, 500, 500, 50, 50, 500])

    assert [(c.fire, c.observed) for c in changes] == [(True, D(500)), (False, D(50))]
    assert changes[0].evidence == (
        "desk_view_lag_events{desk} = 500 events > 100 since 09:30:00 IST (10 s)"
    )
