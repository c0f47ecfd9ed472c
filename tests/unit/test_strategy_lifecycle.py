"""Which strategy version runs for which account: the lifecycle aggregate's refusals, the
fold, and what the pipeline reads from it (the strategy file when the log says nothing)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from adapters.files.strategy_book import BOOK_PATH, default_book, strategy_definitions
from domain.aggregates import Account, DomainError, StrategyLifecycle
from domain.events import CardProposed, Envelope, StrategyVersionPublished
from domain.ids import account_stream, strategy_stream
from domain.strategy.book import Kind
from projections.desk import DeskView
from streams.strategy_runs import running
from tests.unit.conftest import T0, cause, envelope, fold, proposal

BOOK = default_book()
FILE_V = BOOK.version_ids["momentum"]
V2 = next(d for d in strategy_definitions(
    BOOK_PATH.read_text().replace("    expiry_minutes: 10\n", "    expiry_minutes: 12\n", 1))
    if d.name == "momentum")


def _published() -> StrategyLifecycle:
    line = StrategyLifecycle(strategy_stream("momentum"))
    line.publish(StrategyVersionPublished(
        strategy="momentum", version_id=V2.version_id, sha256=V2.sha256,
        definition=V2.definition, label=V2.label), cause())
    return line


def _accounts(*ids: str) -> list[Envelope]:
    events = []
    for account_id in ids:
        account = Account(account_stream(account_id))
        account.open(account_id, cause())
        events += account.collect_events()
    return events


def _view(line: StrategyLifecycle) -> DeskView:
    return fold(_accounts("a", "b", "c") + line.collect_events())


def test_running_when_the_log_has_no_strategy_events_then_the_file_runs_for_everyone() -> None:
    runs = running(fold(_accounts("a", "b")), BOOK, T0)

    assert [r.strategy for r in runs] == list(BOOK.strategies.values())
    assert all(r.accounts is None and r.book is BOOK for r in runs)
    assert {r.strategy.name: r.version_id for r in runs} == BOOK.version_ids


def test_deploy_when_to_one_account_then_only_it_runs_the_version_and_others_keep_the_file(
) -> None:
    line = _published()
    line.deploy(V2.version_id, ("b",), T0, "try it", cause())

    runs = {r.version_id: r for r in running(_view(line), BOOK, T0)
            if r.strategy.name == "momentum"}

    assert runs[V2.version_id].accounts == {"b"}
    assert runs[V2.version_id].strategy.expiry_minutes == 12
    assert runs[V2.version_id].signal_key == V2.version_id
    assert runs[FILE_V].accounts == {"a", "c"} and runs[FILE_V].signal_key == "momentum"


def test_deploy_when_its_time_has_not_come_then_the_earlier_version_still_runs() -> None:
    line = _published()
    line.deploy(V2.version_id, (), T0 + timedelta(hours=1), "from 10:30", cause())
    view = _view(line)

    before = {r.version_id for r in running(view, BOOK, T0) if r.strategy.name == "momentum"}
    after = {r.version_id for r in running(view, BOOK, T0 + timedelta(hours=1))
             if r.strategy.name == "momentum"}

    assert (before, after) == ({FILE_V}, {V2.version_id})


def test_deploy_when_to_all_after_one_account_then_the_override_is_replaced() -> None:
    line = _published()
    line.deploy(FILE_V, ("b",), T0, "b stays on the file", cause(), file_version_id=FILE_V)
    line.deploy(V2.version_id, (), T0, "everyone", cause())

    runs = [r for r in running(_view(line), BOOK, T0) if r.strategy.name == "momentum"]

    assert [(r.version_id, r.accounts) for r in runs] == [(V2.version_id, {"a", "b", "c"})]


@pytest.mark.parametrize("stop", ["pause", "retire"])
def test_pause_or_retire_when_recorded_then_the_strategy_runs_for_nobody(stop: str) -> None:
    line = _published()
    line.deploy(V2.version_id, (), T0, "everyone", cause())
    getattr(line, stop)("volatile", cause(actor="operator:amy"))
    view = _view(line)

    names = {r.strategy.name for r in running(view, BOOK, T0 + timedelta(days=1))}

    assert "momentum" not in names and "mean_reversion" in names
    assert view.strategies.by_name["momentum"].status == {"pause": "paused",
                                                          "retire": "retired"}[stop]


def test_resume_when_paused_then_the_deployed_version_runs_again() -> None:
    line = _published()
    line.deploy(V2.version_id, ("a",), T0, "a only", cause())
    line.pause("volatile", cause())
    line.resume("calmer", cause())

    runs = [r for r in running(_view(line), BOOK, T0) if r.version_id == V2.version_id]

    assert [r.accounts for r in runs] == [{"a"}]


def test_deploy_when_a_new_strategy_is_deployed_then_it_runs_after_the_file_strategies() -> None:
    fast = next(d for d in strategy_definitions(BOOK_PATH.read_text().replace(
        "  momentum:\n", "  momentum_fast:\n", 1)) if d.name == "momentum_fast")
    line = StrategyLifecycle(strategy_stream("momentum_fast"))
    line.publish(StrategyVersionPublished(
        strategy="momentum_fast", version_id=fast.version_id, sha256=fast.sha256,
        definition=fast.definition, label=fast.label), cause())
    line.deploy(fast.version_id, ("c",), T0, "c only", cause())

    runs = running(_view(line), BOOK, T0)

    assert runs[-1].strategy.name == "momentum_fast" and runs[-1].accounts == {"c"}
    assert runs[-1].strategy.kind is Kind.BARS
    assert runs[-1].book.strategies["momentum_fast"] == runs[-1].strategy


@pytest.mark.parametrize(("act", "says"), [
    (lambda line: line.publish(line.versions[V2.version_id], cause()), "already has"),
    (lambda line: line.deploy("momentum-0000000000", (), T0, "", cause()), "no version"),
    (lambda line: line.resume("why", cause()), "not paused"),
    (lambda line: (line.pause("one", cause()), line.pause("two", cause())), "already paused"),
    (lambda line: (line.retire("one", cause()), line.pause("two", cause())), "is retired"),
])
def test_command_when_it_breaks_a_rule_then_refused_with_the_reason(act: object,
                                                                    says: str) -> None:
    line = _published()

    with pytest.raises(DomainError, match=says):
        act(line)  # type: ignore[operator]


def test_card_when_stored_before_versions_were_logged_then_it_reads_with_no_version() -> None:
    stored = json.loads(envelope(proposal()).model_dump_json())
    del stored["payload"]["strategy_version"]

    card = Envelope.model_validate(stored).payload

    assert isinstance(card, CardProposed)
    assert (card.card_id, card.strategy_version) == ("card-1", "")
