"""`OPENAI_BASE_URL=<fake> desk demo` reviews every card of the sample day through the
local OpenAI-compatible fake (run as its own process, as a real server would be), and the
prompt registry then shows the built-in prompt's figures."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import DeskCli


@pytest.fixture
def fake_url() -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-m", "devtools.llm_fake"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("serving "), line
    yield line.split()[1]
    proc.terminate()
    proc.wait(10)


def test_demo_when_openai_base_url_is_set_then_every_card_is_reviewed_by_the_model(
    desk: DeskCli, tmp_path: Path, fake_url: str,
) -> None:
    store = f"sqlite:///{tmp_path / 'd.db'}"
    desk.env.update(OPENAI_BASE_URL=fake_url, OPENAI_API_KEY="test-key",
                    DESK_JUDGE_MODEL="judge-e2e")

    summary = desk.json("demo", "--store", store)
    prompts = desk.json("prompts", "list", "--store", store)
    verdict = desk.json("replay", "verify", "--store", store)

    proposed = sum(a["cards_proposed"] for a in summary["accounts"].values())
    reviews = summary["reviews"]
    assert proposed > 0 and reviews["cards_reviewed"] == proposed
    assert reviews["reviews_failed"] == reviews["reviews_pending"] == 0
    assert reviews["reviewers"] == ["llm judge-e2e"]
    assert [(p["name"], p["version"], p["reviews"]) for p in prompts] == [
        ("card-review", 1, proposed)]
    assert verdict["ok"] is True


def test_demo_when_no_model_is_configured_then_the_rules_review_every_card(
    desk: DeskCli, tmp_path: Path,
) -> None:
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_API_KEY_FILE"):
        desk.env.pop(var, None)

    summary = desk.json("demo", "--store", f"sqlite:///{tmp_path / 'd.db'}")

    proposed = sum(a["cards_proposed"] for a in summary["accounts"].values())
    assert summary["reviews"]["cards_reviewed"] == proposed
    assert summary["reviews"]["reviewers"] == ["rule-based"]
