"""`desk prompts publish` and `promote`: they change what the judge runs, so they need an
admin's token, and the operator behind it is who the log says published or promoted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore
from cli.main import main
from tests.e2e.conftest import OPERATORS, TOKENS_SPEC


@pytest.fixture
def texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The publish arguments for a small prompt; the CLI runs as asha (an admin)."""
    monkeypatch.setenv("DESK_API_TOKENS", TOKENS_SPEC)
    monkeypatch.setenv("DESK_TOKEN", OPERATORS["asha"][1])
    system = tmp_path / "system.txt"
    system.write_text("You review trade cards.")
    template = tmp_path / "user.txt"
    template.write_text("Card: {card}\nNews: {news}")
    return ["--system-file", str(system), "--template-file", str(template)]


def _log(store: str) -> list[tuple[str, str]]:
    desk = DeskStore(store)
    try:
        return [(r.event.type, r.event.actor) for r in desk.read_all()]
    finally:
        desk.close()


def test_prompts_publish_and_promote_when_run_by_an_admin_then_logged_as_that_operator(
    tmp_path: Path, texts: list[str], capsys: pytest.CaptureFixture[str],
) -> None:
    store = f"sqlite:///{tmp_path / 'desk.db'}"

    first = main(["prompts", "publish", *texts, "--store", store])
    second = main(["prompts", "publish", *texts, "--notes", "v2", "--store", store, "--json"])
    candidate = json.loads(capsys.readouterr().out.splitlines()[-1])
    promoted = main(["prompts", "promote", str(candidate["version"]), "--store", store])

    assert first == second == promoted == 0
    assert candidate == {"name": "card-review", "version": 2, "label": "candidate"}
    assert {actor for _, actor in _log(store)} == {"operator:asha"}


@pytest.mark.parametrize(("who", "says"), [
    (None, "DESK_TOKEN"), ("amy", "amy (role approver) may not"),
])
def test_prompts_publish_and_promote_when_token_missing_or_not_admin_then_exit_2_and_unchanged(
    tmp_path: Path, texts: list[str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], who: str | None, says: str,
) -> None:
    store = f"sqlite:///{tmp_path / 'desk.db'}"
    main(["prompts", "publish", *texts, "--store", store])
    main(["prompts", "publish", *texts, "--notes", "v2", "--store", store])
    before = _log(store)
    if who is None:
        monkeypatch.delenv("DESK_TOKEN")
    else:
        monkeypatch.setenv("DESK_TOKEN", OPERATORS[who][1])

    published = main(["prompts", "publish", *texts, "--store", store])
    promoted = main(["prompts", "promote", "2", "--store", store])

    assert published == promoted == 2
    assert capsys.readouterr().err.count(says) == 2
    assert _log(store) == before
