"""The sample day on a real PostgreSQL event store, as on SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

DESK = str(Path(sys.executable).with_name("desk"))

pytestmark = pytest.mark.postgres


def _desk(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([DESK, *args], capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"desk {args} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_demo_when_run_on_postgres_then_same_day_as_sqlite_and_verify_passes(
    postgres_url: str, tmp_path: Path
) -> None:
    on_pg = json.loads(_desk("demo", "--store", postgres_url, "--json").stdout)
    on_sqlite = json.loads(
        _desk("demo", "--store", f"sqlite:///{tmp_path / 'd.db'}", "--json").stdout
    )

    verdict = json.loads(_desk("replay", "verify", "--store", postgres_url, "--json").stdout)

    assert on_pg["accounts"] == on_sqlite["accounts"]
    closed = sum(a["closed_trades"] for a in on_pg["accounts"].values())
    still_open = sum(len(a["open_positions"]) for a in on_pg["accounts"].values())
    assert closed >= 1 and still_open >= 1
    assert verdict["ok"] is True and verdict["events"] == on_pg["events"]
    assert "desk:***@" in on_pg["store"], "password must not be printed"


def test_verify_when_an_event_is_edited_in_postgres_then_exits_1_naming_it(
    postgres_url: str,
) -> None:
    _desk("demo", "--store", postgres_url, "--json")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        position, stream = conn.execute(
            "SELECT notification_id, originator_id FROM desk_events "
            "WHERE topic = 'OrderFilled' ORDER BY notification_id LIMIT 1"
        ).fetchone()
        conn.execute(
            "UPDATE desk_events SET state = convert_to(replace(convert_from(state, 'UTF8'), "
            "'\"quantity\":', '\"quantity\": 1'), 'UTF8') WHERE notification_id = %s",
            (position,),
        )

    proc = _desk("replay", "verify", "--store", postgres_url, check=False)

    assert proc.returncode == 1
    assert f"position {position}" in proc.stdout and stream in proc.stdout
