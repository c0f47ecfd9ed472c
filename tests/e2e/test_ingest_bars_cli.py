"""`desk ingest bars` as an operator runs it: CSV and Parquet, bad rows explained, and a
second run adding nothing."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from tests.e2e.conftest import DeskCli

HEADER = "symbol,ts,open,high,low,close,volume\n"
ROWS = [
    "TCS,2026-11-20T09:15:00+05:30,4120.00,4125.50,4118.00,4121.00,1500\n",
    "TCS,2026-11-20T09:16:00+05:30,4121.00,4130.00,4120.00,4129.00,2100\n",
    "INFY,2026-11-20 09:15:00,1510.00,1512.00,1509.00,1511.00,900\n",  # no offset: IST
]
BAD = "INFY,2026-11-20T09:16:00+05:30,1511.00,1509.00,1512.00,1510.00,800\n"


def test_ingest_bars_when_run_twice_then_the_second_run_stores_nothing(
    desk: DeskCli, tmp_path: Path,
) -> None:
    bars = tmp_path / "in"
    bars.mkdir()
    (bars / "day.csv").write_text(HEADER + "".join(ROWS) + BAD)
    pl.DataFrame({"symbol": ["RELIANCE"], "ts": ["2026-11-20T09:15:00+05:30"],
                  "open": [2900.5], "high": [2905.0], "low": [2899.0], "close": [2901.0],
                  "volume": [12000]}).write_parquet(bars / "more.parquet")

    first = desk.run("ingest", "bars", "in", "--json")
    second = json.loads(desk.run("ingest", "bars", "in", "--json").stdout)
    events = desk.run("replay", "events", "--json", check=False)

    assert json.loads(first.stdout) == {
        "files": ["in/day.csv", "in/more.parquet"], "interval": "1m", "bars": 4,
        "rejected": 1, "new_events": 5}
    assert "in/day.csv: row 4: rejected: low 1512.00 is above high 1509.00" in first.stderr
    assert second["new_events"] == 0
    assert events.returncode == 0 and '"BarClosed"' in events.stdout


def test_ingest_bars_when_daily_bars_are_dated_then_they_span_the_session(
    desk: DeskCli, tmp_path: Path,
) -> None:
    (tmp_path / "daily.csv").write_text(HEADER + "TCS,2026-11-20,4100,4150,4090,4140,1000000\n")
    out = desk.run("ingest", "bars", "daily.csv", "--interval", "1d")
    wrong = desk.run("ingest", "bars", "daily.csv", check=False)

    assert "1 1d bar(s) read, 0 rejected: 1 new event(s) stored" in out.stdout
    assert wrong.returncode == 1
    assert "ts is a date but the interval is 1m" in wrong.stderr


def test_ingest_bars_when_the_file_is_missing_or_columns_lack_then_exit_2(
    desk: DeskCli, tmp_path: Path,
) -> None:
    (tmp_path / "odd.csv").write_text("symbol,price\nTCS,1\n")
    missing = desk.run("ingest", "bars", "nope.csv", check=False)
    odd = desk.run("ingest", "bars", "odd.csv", check=False)

    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert odd.returncode == 2 and "missing column(s): ts, open, high, low, close, volume" \
        in odd.stderr
