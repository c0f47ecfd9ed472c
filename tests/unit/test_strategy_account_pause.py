"""Pausing a strategy for some accounts only: the others keep running it, a resume brings the
paused ones back, and the refusals say why."""

from __future__ import annotations

import pytest

from adapters.files.strategy_book import default_book
from domain.aggregates import DomainError, StrategyLifecycle
from domain.ids import strategy_stream
from projections.desk import DeskView
from projections.strategy_table import strategy_table
from streams.strategy_runs import running
from tests.unit.conftest import T0, cause, fold
from tests.unit.test_strategy_lifecycle import _accounts, _published

BOOK = default_book()


def _view(line: StrategyLifecycle) -> DeskView:
    return fold(_accounts("a", "b", "c") + line.collect_events())


def _momentum_accounts(view: DeskView) -> set[str]:
    return {
        a
        for r in running(view, BOOK, T0)
        if r.strategy.name == "momentum"
        for a in (r.accounts or ())
    }


def test_pause_when_for_one_account_then_only_that_account_stops_running_it() -> None:
    line = StrategyLifecycle(strategy_stream("momentum"))
    line.pause("results week for b", cause(actor="operator:amy"), ("b",))
    view = _view(line)

    assert _momentum_accounts(view) == {"a", "c"}
    row = next(r for r in strategy_table(view, BOOK, T0) if r.name == "momentum")
    assert row.status == "running"
    assert row.paused_accounts == {"b": "results week for b (operator:amy)"}


def test_resume_when_for_the_paused_account_then_it_runs_the_deployed_version_again() -> None:
    line = _published()
    v2 = next(iter(line.versions))
    line.deploy(v2, ("b",), T0, "b tries it", cause())
    line.pause("volatile", cause(), ("a", "b"))
    line.resume("calmer", cause(), ("b",))

    runs = {
        r.version_id: r.accounts
        for r in running(_view(line), BOOK, T0)
        if r.strategy.name == "momentum"
    }

    assert runs == {v2: {"b"}, BOOK.version_ids["momentum"]: {"c"}}


def test_pause_when_every_account_after_some_then_a_resume_for_all_clears_both() -> None:
    line = StrategyLifecycle(strategy_stream("momentum"))
    line.pause("b first", cause(), ("b",))
    line.pause("everyone", cause())
    paused = _momentum_accounts(_view(line))
    line.resume("all clear", cause())

    assert (paused, _momentum_accounts(_view(line))) == (set(), {"a", "b", "c"})


@pytest.mark.parametrize(
    ("act", "says"),
    [
        (
            lambda line: (line.pause("one", cause(), ("a",)), line.pause("two", cause(), ("a",))),
            "already paused for a",
        ),
        (
            lambda line: (line.pause("all", cause()), line.pause("a too", cause(), ("a",))),
            "already paused for every account",
        ),
        (
            lambda line: (line.pause("a", cause(), ("a",)), line.resume("b", cause(), ("b",))),
            "not paused for b",
        ),
        (
            lambda line: (line.pause("all", cause()), line.resume("a", cause(), ("a",))),
            "resume it for all",
        ),
    ],
)
def test_pause_or_resume_when_the_accounts_do_not_fit_then_refused_with_the_reason(
    act: object,
    says: str,
) -> None:
    line = StrategyLifecycle(strategy_stream("momentum"))

    with pytest.raises(DomainError, match=says):
        act(line)  # type: ignore[operator]
