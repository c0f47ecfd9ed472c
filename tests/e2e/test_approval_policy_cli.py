"""`desk account policy ID` as an operator runs it: the intake's answer shown as a policy,
and a change recorded as a mandate version with the admin and the reason."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import DeskCli

SAMPLE_ANSWERS = Path(__file__).resolve().parents[2] / "data" / "sample" / "intake-answers.yaml"


def _auto_account(desk: DeskCli, tmp_path: Path) -> str:
    answers = tmp_path / "answers.yaml"
    answers.write_text(SAMPLE_ANSWERS.read_text().replace("approval: manual", "approval: auto"))
    store = f"sqlite:///{tmp_path / 'desk.db'}"
    desk.as_operator("asha").run(
        "account", "new", "--answers", str(answers), "--yes", "--store", store
    )
    return store


def test_account_policy_when_the_intake_said_auto_then_auto_within_the_mandate(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _auto_account(desk, tmp_path)

    shown = desk.json("account", "policy", "growth-asha", "--store", store)
    text = desk.run("account", "show", "growth-asha", "--store", store).stdout

    assert shown["policy"]["mode"] == "auto"
    assert shown["policy"]["name"] == "auto-within-mandate"
    assert shown["policy"]["max_notional_pct"] == "20"
    assert (
        "approval auto-within-mandate (auto: approves when guardrails pass and notional ≤ "
        "20% of equity; rejects when judge says oppose" in text
    )


def test_account_policy_when_changed_then_a_mandate_version_names_the_admin_and_reason(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _auto_account(desk, tmp_path)

    out = (
        desk.as_operator("meera")
        .run(
            "account",
            "policy",
            "growth-asha",
            "--set",
            "name=judged-daytime",
            "--set",
            "max_notional=200000",
            "--set",
            "approve_on=support",
            "--set",
            "window=09:30-14:30",
            "--set",
            "reject_on=oppose,caution",
            "--reason",
            "only what the judge backs, in the morning session",
            "--store",
            store,
        )
        .stdout
    )
    shown = desk.json("account", "show", "growth-asha", "--store", store)

    assert "approval policy of growth-asha (mandate v2) set: judged-daytime" in out
    assert "09:30-14:30 IST" in out
    last = shown["mandate_history"][-1]
    assert (last["version"], last["actor"]) == (2, "operator:meera")
    assert last["reason"] == "approval policy: only what the judge backs, in the morning session"
    assert shown["mandate"]["approval_policy"]["reject_verdicts"] == ["oppose", "caution"]


def test_account_policy_when_a_setting_is_wrong_then_exit_2_and_nothing_recorded(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _auto_account(desk, tmp_path)

    bad = desk.as_operator("meera").run(
        "account",
        "policy",
        "growth-asha",
        "--set",
        "window=14:30-09:30",
        "--reason",
        "x",
        "--store",
        store,
        check=False,
    )
    viewer = desk.as_operator("vic").run(
        "account",
        "policy",
        "growth-asha",
        "--set",
        "mode=manual",
        "--reason",
        "x",
        "--store",
        store,
        check=False,
    )
    shown = desk.json("account", "show", "growth-asha", "--store", store)

    assert bad.returncode == 2
    assert "window_start must be before window_end" in bad.stderr
    assert viewer.returncode != 0
    assert shown["mandate_version"] == 1
