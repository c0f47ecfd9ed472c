"""The sample day on a desk with no desk-wide approver (as `desk run` / `desk serve` wire
it), sip-aggressive's mandate answered "auto" in the intake, the others manual.

Before approval policies its 8 cards all expired; now its policy decides them as
`policy:auto-within-mandate` through the operator command path, the manual accounts' cards
wait for a human, and a rerun of the same day decides exactly the same way."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

from adapters.files.sample import SAMPLE_DIR, load_instruments
from domain.approval_policy import AUTO_NAME
from domain.events import CardApproved, CardRejected
from streams.bootstrap import bootstrap
from streams.feed import feed_day, sample_day
from tests.fakes import FakeClock

AUTO = "sip-aggressive"
POLICY = f"policy:{AUTO_NAME}"


def _auto_sample(folder: Path) -> Path:
    shutil.copytree(SAMPLE_DIR, folder)
    accounts = json.loads((folder / "accounts.json").read_text())
    for spec in accounts:
        spec["auto_approve"] = spec["account_id"] == AUTO
    (folder / "accounts.json").write_text(json.dumps(accounts))
    return folder


def _day(folder: Path, store: Path, wall: datetime) -> tuple[dict[str, dict[str, str]], list]:
    """Each card's status and decider, and every decision event (id, payload)."""
    desk = bootstrap(
        f"sqlite:///{store}", load_instruments(folder / "instruments.csv"), clock=FakeClock(wall)
    )
    feed_day(desk.runtime, desk.store, sample_day(folder), "operator:asha", FakeClock(wall))
    cards = {
        c.card_id: {
            "account": c.account_id,
            "status": c.status,
            "by": c.decided_by,
            "reason": c.reason,
        }
        for c in desk.runtime.view.cards.values()
    }
    decisions = [
        (r.event.event_id, r.event.payload)
        for r in desk.store.read_all(types=("CardApproved", "CardRejected"))
    ]
    return cards, decisions


def test_sample_day_when_the_account_answered_auto_then_its_policy_decides_its_cards(
    tmp_path: Path,
) -> None:
    folder = _auto_sample(tmp_path / "sample")

    cards, decisions = _day(
        folder, tmp_path / "a.db", datetime.fromisoformat("2026-11-28T09:00:00+00:00")
    )
    rerun, again = _day(
        folder, tmp_path / "b.db", datetime.fromisoformat("2026-12-25T18:00:00+00:00")
    )

    auto = [c for c in cards.values() if c["account"] == AUTO and c["status"] != "BLOCKED"]
    assert len(auto) == 8
    assert [c for c in auto if c["status"] == "EXPIRED"] == []
    assert sorted(c["status"] for c in auto) == ["APPROVED"] * 7 + ["REJECTED"]
    assert {c["by"] for c in auto} == {POLICY}
    [refused] = [c for c in auto if c["status"] == "REJECTED"]
    assert refused["reason"].startswith("guardrail failed at approval: exposure_single_name")
    approvals = [p for _, p in decisions if isinstance(p, CardApproved)]
    assert all(
        any(g.name == "policy.max_notional_pct" and g.passed for g in p.guardrails)
        for p in approvals
    )
    manual = [c for c in cards.values() if c["account"] != AUTO and c["status"] != "BLOCKED"]
    assert manual and {c["status"] for c in manual} == {"EXPIRED"}
    assert all(isinstance(p, CardApproved | CardRejected) for _, p in decisions)
    assert (rerun, again) == (cards, decisions)  # another day's wall clock, same decisions
