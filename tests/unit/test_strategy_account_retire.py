"""Retiring a strategy for some accounts only: the others keep running it, the strategy is
still running, a later deployment brings the retired accounts back, and an unknown
account is refused with its name."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from adapters.files.strategy_book import default_book
from domain.aggregates import DomainError, StrategyLifecycle
from domain.ids import strategy_stream
from projections.desk import DeskView
from projections.strategy_table import strategy_table
from streams import strategy_commands as sc
from streams.strategy_runs import running
from streams.unit_of_work import UnitOfWork
from tests.fakes import FakeClock, InMemoryStore
from tests.unit.conftest import T0, cause, fold
from tests.unit.test_strategy_lifecycle import _accounts

BOOK = default_book()


def _view(line: StrategyLifecycle) -> DeskView:
    return fold(_accounts("a", "b", "c") + line.collect_events())


def _momentum_accounts(view: DeskView, at: datetime = T0) -> set[str]:
    return {
        a
        for r in running(view, BOOK, at)
        if r.strategy.name == "momentum"
        for a in (r.accounts or ())
    }


def test_retire_when_for_some_accounts_then_only_the_others_run_it_and_it_stays_running() -> None:
    line = StrategyLifecycle(strategy_stream("momentum"))
    line.retire("not for these clients", cause(actor="operator:amy"), ("b", "c"))
    view = _view(line)

    assert _momentum_accounts(view) == {"a"}
    row = next(r for r in strategy_table(view, BOOK, T0) if r.name == "momentum")
    assert row.status == "running"


def test_retire_when_for_one_account_then_a_later_deployment_to_all_brings_it_back() -> None:
    line = StrategyLifecycle(strategy_stream("momentum"))
    line.retire("b leaves momentum", cause(), ("b",))
    line.deploy(
        BOOK.version_ids["momentum"],
        (),
        T0 + timedelta(hours=1),
        "back for all",
        cause(),
        BOOK.version_ids["momentum"],
    )
    view = _view(line)

    assert _momentum_accounts(view, T0) == {"a", "c"}
    assert _momentum_accounts(view, T0 + timedelta(hours=1)) == {"a", "b", "c"}


def test_retire_command_when_an_account_is_unknown_then_refused_naming_it() -> None:
    store = InMemoryStore()
    uow = UnitOfWork(store, FakeClock(T0))
    command = sc.RetireStrategy(
        actor="operator:amy",
        at=T0,
        correlation_id="strategy-momentum",
        strategy="momentum",
        reason="gone",
        accounts=("zz",),
    )

    with pytest.raises(DomainError, match="unknown account"):
        sc.handle(command, uow, fold(_accounts("a")), BOOK)
