"""The demo, verify, trace, state and events commands, as an operator runs them."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

from tests.e2e.conftest import DeskCli


def _store(tmp_path: Path, name: str = "desk.db") -> str:
    return f"sqlite:///{tmp_path / name}"


def _closed_and_open(summary: dict) -> tuple[int, int]:
    accounts = summary["accounts"].values()
    closed = sum(a["closed_trades"] for a in accounts)
    open_ = sum(len(a["open_positions"]) for a in accounts)
    return closed, open_


def test_demo_when_run_on_a_new_store_then_trades_close_and_stay_open_and_verify_passes(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)

    summary = desk.json("demo", "--store", store)
    verdict = desk.json("replay", "verify", "--store", store)

    closed, open_ = _closed_and_open(summary)
    assert closed >= 1 and open_ >= 1
    assert summary["approved_by"] == "policy:demo-approve-all"
    tactical = summary["accounts"]["event-tactical"]
    assert "daily loss" in tactical["kill_switch"]
    assert verdict["ok"] is True and verdict["compared_at"] == summary["log_position"]


def test_demo_when_run_twice_on_one_store_then_nothing_is_duplicated(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    first = desk.json("demo", "--store", store)

    second = desk.json("demo", "--store", store)

    assert second["events"] == first["events"]
    assert second["accounts"] == first["accounts"]


def test_demo_text_output_when_run_then_names_the_automated_approver_and_every_card(
    desk: DeskCli, tmp_path: Path
) -> None:
    out = desk.run("demo", "--store", _store(tmp_path), "--operator", "asha").stdout

    assert "approved by policy:demo-approve-all (an automated policy" in out
    assert "operator:asha" not in out
    # SIP's eighth card was refused when the guardrails were re-checked at approval.
    assert ("cards proposed 8 (approved 7, rejected at approval 1, expired 0, waiting 0), "
            "blocked before proposal 3") in out
    assert "rejected INFY (" in out and "guardrail failed at approval" in out
    assert "KILL SWITCH since " in out and "open positions then ran to their exits" in out
    assert "realised P&L" in out


def test_verify_when_one_stored_event_is_edited_then_fails_naming_it(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    desk.json("demo", "--store", store)
    db = sqlite3.connect(tmp_path / "desk.db")
    rowid, stream, state = db.execute(
        "SELECT rowid, originator_id, state FROM stored_events "
        "WHERE topic = 'CashDeposited' ORDER BY rowid LIMIT 1"
    ).fetchone()
    edited = json.loads(state)
    edited["payload"]["amount"] = "9000000.00"
    db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?",
               (json.dumps(edited).encode(), rowid))
    db.commit()

    proc = desk.run("replay", "verify", "--store", store, check=False)

    assert proc.returncode == 1
    assert f"position {rowid}" in proc.stdout and stream in proc.stdout


def test_verify_when_an_event_is_deleted_then_fails_naming_the_gap(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    desk.json("demo", "--store", store)
    db = sqlite3.connect(tmp_path / "desk.db")
    db.execute("DELETE FROM stored_events WHERE rowid = 100")
    db.commit()

    proc = desk.run("replay", "verify", "--store", store, check=False)

    assert proc.returncode == 1
    assert "position 100 is missing" in proc.stdout


def test_demo_when_killed_mid_run_and_rerun_then_state_equals_an_uninterrupted_run(
    desk: DeskCli, tmp_path: Path
) -> None:
    interrupted, clean = _store(tmp_path, "killed.db"), _store(tmp_path, "clean.db")
    proc = desk.popen("demo", "--store", interrupted)
    db_path = tmp_path / "killed.db"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            count = sqlite3.connect(db_path).execute(
                "SELECT count(*) FROM stored_events WHERE topic = 'OrderPlaced'"
            ).fetchone()[0]
        except sqlite3.Error:
            count = 0
        if count >= 2:  # killed after the first trades, before the day is over
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    desk.json("demo", "--store", interrupted)
    desk.json("demo", "--store", clean)

    resumed = desk.json("replay", "state", "--store", interrupted)
    uninterrupted = desk.json("replay", "state", "--store", clean)
    assert resumed == uninterrupted
    assert desk.json("replay", "verify", "--store", interrupted)["ok"] is True
    placed = sqlite3.connect(db_path).execute(
        "SELECT originator_id, count(*) FROM stored_events WHERE topic = 'OrderPlaced' "
        "GROUP BY originator_id HAVING count(*) > 1"
    ).fetchall()
    assert placed == []


def test_trace_when_given_a_closed_card_then_prints_news_to_exit_with_actors(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    desk.json("demo", "--store", store)
    cards = desk.json("replay", "state", "--store", store)["cards"]
    orders = desk.json("replay", "state", "--store", store)["orders"]
    closed = [k.removeprefix("order-") for k, o in orders.items() if o["status"] == "CLOSED"]
    card_id = next(c for c in cards if "-buyback-" in c and any(c.endswith(k) for k in closed))

    out = desk.run("replay", "trace", card_id, "--store", store).stdout
    events = [line for line in out.splitlines() if not line.startswith(" " * 9)]
    types = [line.split()[4] for line in events]
    explained = [line.split(maxsplit=1) for line in out.splitlines() if line.startswith(" " * 9)]
    labels = {label for label, _ in explained}
    assert {"rationale", "meta-label", "thesis", "sizing", "expected", "guardrail"} <= labels
    guardrails = [text for label, text in explained if label == "guardrail"]
    assert any(text.startswith("pass liquidity: notional") for text in guardrails)

    expected = ["AnnouncementArrived", "NewsTagged", "SignalScored", "CardProposed",
                "CardApproved", "CashReserved", "OrderPlaced", "OrderFilled", "PositionClosed"]
    for event_type in expected:
        assert event_type in types
    first_seen = [types.index(t) for t in expected]
    assert first_seen == sorted(first_seen), "lineage printed out of causal order"
    assert "actor=policy:demo-approve-all" in out and "actor=broker:paper" in out


def test_trace_when_id_is_unknown_then_exits_1_with_a_reason(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    desk.json("demo", "--store", store)

    proc = desk.run("replay", "trace", "card-nope", "--store", store, check=False)

    assert proc.returncode == 1 and "card-nope" in proc.stderr


def test_state_when_asked_at_1020_ist_then_shows_the_infy_position_still_open(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    desk.json("demo", "--store", store)

    morning = desk.json("replay", "state", "--at", "2026-11-20T10:20:00", "--store", store)
    evening = desk.json("replay", "state", "--store", store)

    def infy(state: dict) -> dict:
        return next(p for p in state["positions"]
                    if p["symbol"] == "INFY" and p["account_id"] == "sip-aggressive")

    assert infy(morning)["quantity"] > 0
    assert infy(evening)["quantity"] == 0 and infy(evening)["trades"] == 1


def test_events_when_json_then_one_parsable_line_per_logged_event(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    summary = desk.json("demo", "--store", store)

    lines = desk.run("replay", "events", "--store", store, "--json").stdout.splitlines()
    events = [json.loads(line) for line in lines]

    assert len(events) == summary["events"]
    assert [e["position"] for e in events] == list(range(1, len(events) + 1))
    assert {"event_id", "type", "stream_id", "actor", "payload"} <= set(events[0])
