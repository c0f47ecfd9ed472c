"""`desk strategy ...` as an operator runs it: an admin publishes a version from a strategy
file and deploys it to one account, an approver pauses it (and may not retire it), and the
log names who did each; a file with a mistake is refused with the field named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore
from adapters.files.strategy_book import BOOK_PATH
from cli.main import main
from domain.aggregates import Account
from domain.ids import account_stream
from streams.bootstrap import wall_clock
from tests.e2e.conftest import OPERATORS, TOKENS_SPEC
from tests.unit.conftest import cause


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store with two open accounts; the CLI runs as asha (an admin) unless changed."""
    monkeypatch.setenv("DESK_API_TOKENS", TOKENS_SPEC)
    monkeypatch.setenv("DESK_TOKEN", OPERATORS["asha"][1])
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    desk = DeskStore(url)
    for account_id in ("growth-asha", "income-ravi"):
        account = Account(account_stream(account_id))
        account.open(account_id, cause(wall_clock(), "operator:setup"))
        desk.commit(account)
    desk.close()
    return url


def _v2(tmp_path: Path, old: str = "    expiry_minutes: 10\n",
        new: str = "    expiry_minutes: 12\n") -> str:
    path = tmp_path / "strategies-v2.yaml"
    path.write_text(BOOK_PATH.read_text().replace(old, new, 1))
    return str(path)


def _actors(store: str) -> list[tuple[str, str]]:
    desk = DeskStore(store)
    try:
        return [(r.event.type, r.event.actor) for r in desk.read_all()
                if r.event.type.startswith("Strategy")]
    finally:
        desk.close()


def test_strategy_publish_deploy_pause_when_run_by_operators_then_logged_with_each_of_them(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    published = main(["strategy", "publish", _v2(tmp_path), "--strategy", "momentum",
                      "--store", store, "--json"])
    version = json.loads(capsys.readouterr().out)[0]["version_id"]
    deployed = main(["strategy", "deploy", "momentum", version, "--account", "growth-asha",
                     "--reason", "one account first", "--store", store])
    monkeypatch.setenv("DESK_TOKEN", OPERATORS["amy"][1])
    paused = main(["strategy", "pause", "momentum", "--reason", "volatile", "--store", store])
    retired = main(["strategy", "retire", "momentum", "--reason", "no", "--store", store])
    capsys.readouterr()
    main(["strategy", "show", "momentum", "--store", store, "--json"])
    shown = json.loads(capsys.readouterr().out)

    assert (published, deployed, paused, retired) == (0, 0, 0, 2)
    assert _actors(store) == [("StrategyVersionPublished", "operator:asha"),
                              ("StrategyDeployed", "operator:asha"),
                              ("StrategyPaused", "operator:amy")]
    assert (shown["status"], shown["pause_reason"], shown["running"]) == (
        "paused", "volatile", {})
    assert shown["deployments"][0]["accounts"] == ["growth-asha"]


def test_strategy_publish_when_the_file_has_a_mistake_then_exit_1_naming_the_field(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    bad = _v2(tmp_path, "    cooldown_bars: 60\n", "    cooldown_bars: -1\n")

    code = main(["strategy", "publish", bad, "--store", store])

    assert code == 1
    assert "strategies.momentum.cooldown_bars: Input should be greater than or equal to 0" in \
        capsys.readouterr().err
    assert _actors(store) == []


def test_strategy_list_when_the_log_has_no_strategy_events_then_the_file_runs_for_all(
    store: str, capsys: pytest.CaptureFixture[str],
) -> None:
    main(["strategy", "list", "--store", store, "--json"])

    rows = json.loads(capsys.readouterr().out)

    assert {r["name"]: r["source"] for r in rows}["momentum"] == "file"
    assert all(list(r["running"].values()) == [["*"]] for r in rows)
