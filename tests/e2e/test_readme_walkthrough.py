"""README.md's commands in the order a new user meets them, each on a fresh store, asserting
what that user reads: the first hour of issue 18, walked again on every run."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.session import IST
from tests.e2e.conftest import DESK, DeskCli
from tests.served import REPO, DeskServer

ANSWERS = str(REPO / "data" / "sample" / "intake-answers.yaml")
BARS = str(REPO / "data" / "sample" / "bars.csv")
TRACED = "card-sip-aggressive-buyback-INFY-20261120"
ADMIN = ("admin", "first-hour-admin-token-0123456789")


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> tuple[DeskCli, str, str]:
    """`desk demo` on a fresh store, as the README's first command: (cli, store, output)."""
    cwd = tmp_path_factory.mktemp("clone")
    desk = DeskCli(cwd, operator=None)
    # As the README has the user mint a local admin token for their own demo store.
    token = secrets.token_urlsafe(24)
    desk.env.update({"DESK_TOKEN": token, "DESK_API_TOKENS": f"me:admin:{token}"})
    store = f"sqlite:///{cwd / 'day.db'}"
    return desk, store, desk.run("demo", "--store", store).stdout


def test_demo_when_run_first_then_the_automated_approver_and_every_card_are_accounted_for(
    day: tuple[DeskCli, str, str],
) -> None:
    _, _, out = day

    assert "approved by policy:demo-approve-all (an automated policy" in out
    assert "rejected at approval 1" in out and "rejected INFY (" in out
    assert "KILL SWITCH since " in out and "open positions then ran to their exits" in out


def test_verify_when_the_demo_saved_its_live_state_then_says_the_rebuild_matched(
    day: tuple[DeskCli, str, str],
) -> None:
    desk, store, _ = day

    out = desk.run("replay", "verify", "--store", store).stdout

    assert "OK: hash chain intact" in out and "the rebuild matches the live state saved" in out


def test_trace_and_state_when_run_as_the_readme_shows_then_readable_at_two_places(
    day: tuple[DeskCli, str, str],
) -> None:
    desk, store, _ = day

    traced = desk.run("replay", "trace", TRACED, "--store", store).stdout
    state = desk.run("replay", "state", "--at", "2026-11-20T10:32", "--store", store).stdout

    assert "CardProposed" in traced and "guardrail" in traced
    assert "state as of 2026-11-20T10:32:00+05:30" in state
    assert re.search(r"\d\.\d{3,}", state) is None, "a figure printed past two places"


def test_events_when_piped_to_head_then_stops_quietly(day: tuple[DeskCli, str, str]) -> None:
    desk, store, _ = day

    piped = subprocess.run(f"'{DESK}' replay events --store '{store}' | head -3", shell=True,
                           cwd=desk.cwd, env=desk.env, capture_output=True, text=True,
                           timeout=300)

    assert len(piped.stdout.splitlines()) == 3
    assert "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr


def test_events_full_when_a_card_has_a_long_thesis_then_it_is_printed_whole(
    day: tuple[DeskCli, str, str],
) -> None:
    desk, store, _ = day
    proposed = next(e for e in map(json.loads, desk.run(
        "replay", "events", "--json", "--store", store).stdout.splitlines())
        if e["type"] == "CardProposed")

    full = desk.run("replay", "events", "--full", "--store", store).stdout

    thesis = proposed["payload"]["thesis"]
    assert len(thesis) > 80 and f"thesis={thesis}" in full


def test_account_new_when_answers_file_then_yes_confirms_and_show_prints_it(
    day: tuple[DeskCli, str, str],
) -> None:
    desk, store, _ = day

    anonymous = desk.as_operator(None).run("account", "new", "--answers", ANSWERS, "--yes",
                                           "--store", store, check=False)
    unconfirmed = desk.run("account", "new", "--answers", ANSWERS, "--store", store,
                           check=False)
    opened = desk.run("account", "new", "--answers", ANSWERS, "--yes", "--store", store)
    shown = desk.json("account", "show", "growth-asha", "--store", store)

    assert anonymous.returncode == 2 and "DESK_TOKEN" in anonymous.stderr
    assert unconfirmed.returncode == 1 and "pass --yes to confirm" in unconfirmed.stderr
    assert "Opened" in opened.stdout and "[growth-asha]" in opened.stdout
    assert shown["mandate_history"][0]["actor"] == "operator:me"


def test_read_only_commands_when_the_store_path_is_mistyped_then_exit_2_and_nothing_created(
    desk: DeskCli, tmp_path: Path,
) -> None:
    missing = tmp_path / "nonexistent-dir" / "x.db"

    runs = [desk.run(*command, "--store", f"sqlite:///{missing}", check=False) for command in (
        ("replay", "verify"), ("replay", "trace", TRACED), ("replay", "state"),
        ("replay", "events"), ("account", "list"), ("account", "show", "growth-asha"))]

    assert [r.returncode for r in runs] == [2] * len(runs)
    assert all("nothing was created" in r.stderr for r in runs)
    assert not missing.parent.exists()


def test_schedule_when_the_readme_day_is_simulated_then_decided_through_the_day_in_its_time(
    desk: DeskCli, tmp_path: Path,
) -> None:
    store = f"sqlite:///{tmp_path / 'sim.db'}"

    bare = desk.run("schedule", "--simulate", "2026-11-20", "--store", store, check=False)
    ran = desk.run("schedule", "--simulate", "2026-11-20", "--sample-accounts",
                   "--store", store).stdout
    events = [json.loads(line) for line in desk.run(
        "replay", "events", "--json", "--store", store).stdout.splitlines()]

    assert bare.returncode == 2 and "--sample-accounts" in bare.stderr
    assert "later ones are fed as the clock passes them" in ran
    assert "the feed delivered" in ran and "had expired earlier" in ran
    recorded = [datetime.fromisoformat(e["recorded_at"]) for e in events]
    assert recorded == sorted(recorded), "the log's times went backwards"
    proposed = [datetime.fromisoformat(e["occurred_at"]) for e in events
                if e["type"] == "CardProposed"]
    assert proposed and min(proposed) > datetime(2026, 11, 20, 9, 15, tzinfo=IST)


def test_schedule_when_an_account_was_opened_in_wall_time_then_refused_not_run_backwards(
    desk: DeskCli, tmp_path: Path,
) -> None:
    store = f"sqlite:///{tmp_path / 'wall.db'}"
    desk.run("account", "new", "--answers", ANSWERS, "--yes", "--store", store)

    refused = desk.run("schedule", "--simulate", "2026-11-20", "--store", store, check=False)

    assert refused.returncode == 2 and "backwards" in refused.stderr


def test_features_when_sample_bars_with_defaults_then_trend_distance_suits_minute_bars(
    desk: DeskCli, tmp_path: Path,
) -> None:
    out = desk.run("features", "--bars", BARS, "--out", str(tmp_path / "f.csv")).stdout

    assert "trend distance 0.004" in out and "gap is empty on every row" in out


def _eventually(check: Callable[[], Any], what: str) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` after a minute
    (a bound on a hang, not a speed requirement)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


def test_serve_when_the_cli_opens_an_account_then_the_api_shows_it_in_ist_and_is_ready(
    desk: DeskCli, tmp_path: Path,
) -> None:
    db = tmp_path / "serve.db"
    server = DeskServer(db, {ADMIN[0]: ("admin", ADMIN[1])})
    try:
        auth = {"Authorization": f"Bearer {ADMIN[1]}"}
        desk.run("account", "new", "--answers", ANSWERS, "--yes", "--store", f"sqlite:///{db}")

        account = _eventually(lambda: _get(server.url, "/api/v1/accounts/growth-asha", auth),
                              "the API shows the account the CLI opened")
        ready = _eventually(lambda: _get(server.url, "/ready", {}), "/ready answers 200")
    finally:
        server.stop()
    verified = desk.run("replay", "verify", "--store", f"sqlite:///{db}", check=False)

    assert account["mandate_history"][0]["set_at"].endswith("+05:30")
    assert ready["status"] == "ready" and ready["lag"] == 0
    assert verified.returncode == 3
    assert "no live state was saved in this store" in verified.stdout


def _get(base: str, path: str, headers: dict[str, str]) -> Any:
    response = httpx.get(f"{base}{path}", headers=headers)
    return response.json() if response.status_code == 200 else None
