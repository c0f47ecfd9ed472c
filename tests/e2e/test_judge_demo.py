"""`OPENAI_BASE_URL=<fake> desk demo` reviews every card of the sample day through the
local OpenAI-compatible fake (run as its own process, as a real server would be), and the
prompt registry then shows the built-in prompt's figures; after a candidate prompt is
published and a second day is run, it shows both versions with their figures."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore
from domain.review import share_point
from tests.e2e.conftest import DeskCli

PROMPTS = Path(__file__).resolve().parents[2] / "data" / "prompts"


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


def _reviews_by_day(store: str) -> dict[str, tuple[str, int]]:
    """card id -> (IST date of the card, prompt version that reviewed it), from the log."""
    desk = DeskStore(store)
    try:
        days: dict[str, str] = {}
        versions: dict[str, int] = {}
        for r in desk.read_all():
            p = r.event.payload
            if r.event.type == "CardProposed":
                days[p.card_id] = r.event.occurred_at.date().isoformat()  # type: ignore[attr-defined]
            elif r.event.type == "CardReviewed":
                versions[p.card_id] = p.prompt_version  # type: ignore[attr-defined]
        return {card: (days[card], v) for card, v in versions.items()}
    finally:
        desk.close()


def test_demo_when_candidate_published_and_second_day_run_then_table_shows_both_versions(
    desk: DeskCli, tmp_path: Path, fake_url: str,
) -> None:
    store = f"sqlite:///{tmp_path / 'd.db'}"
    config = tmp_path / "judge.toml"
    config.write_text('[prices."judge-e2e"]\ninput_per_million = 150\noutput_per_million = 600\n')
    desk.env.update(OPENAI_BASE_URL=fake_url, OPENAI_API_KEY="test-key",
                    DESK_JUDGE_MODEL="judge-e2e", DESK_JUDGE_CONFIG=str(config))

    first = desk.json("demo", "--store", store)
    desk.run("prompts", "publish", "--store", store, "--share", "0.5", "--notes", "sceptical",
             "--system-file", str(PROMPTS / "card-review-v2.system.txt"),
             "--template-file", str(PROMPTS / "card-review-v2.user.txt"))
    both = desk.json("demo", "--days", "2", "--store", store)
    table = {row["version"]: row for row in desk.json("prompts", "list", "--store", store)}
    reviews = _reviews_by_day(store)

    day_one = first["reviews"]["cards_reviewed"]
    assert both["reviews"]["cards_reviewed"] > day_one > 0
    assert both["reviews"]["reviews_failed"] == both["reviews"]["reviews_pending"] == 0
    assert [(v, row["label"]) for v, row in sorted(table.items())] == [
        (1, "production"), (2, "candidate")]
    assert table[1]["reviews"] + table[2]["reviews"] == len(reviews)
    first_day = min(day for day, _ in reviews.values())
    for card, (day, version) in reviews.items():
        candidate = day > first_day and share_point(card) < Decimal("0.5")
        assert version == (2 if candidate else 1), card
    for row in table.values():
        assert row["reviews"] > 0 and row["failures"] == 0
        assert row["latency_ms_p50"] is not None and row["latency_ms_p95"] is not None
        assert row["tokens_in"] > 0 and Decimal(row["cost"]) > 0
        assert sum(row["verdicts"].values()) == row["reviews"]
    traded = [o for row in table.values() for o in row["outcomes"].values()]
    assert traded and all(o["hit_rate"] is not None for o in traded)
