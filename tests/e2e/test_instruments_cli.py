"""`desk instruments load` and `show` as an operator runs them on two days' broker files;
loading needs an admin's token (the CLI runs as desk-admin unless a test says otherwise)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from tests.e2e.conftest import DeskCli

UPSTOX = [
    {"segment": "NSE_EQ", "exchange": "NSE", "name": "INFOSYS LIMITED",
     "trading_symbol": "INFY", "instrument_key": "NSE_EQ|INE009A01021", "isin": "INE009A01021",
     "instrument_type": "EQ", "lot_size": 1, "tick_size": 10.0, "freeze_quantity": 50000.0},
    {"segment": "NSE_FO", "exchange": "NSE", "name": "INFY", "trading_symbol": "INFY FUT",
     "instrument_key": "NSE_FO|35001", "instrument_type": "FUT", "lot_size": 400,
     "tick_size": 10.0},
    {"segment": "NSE_EQ", "exchange": "NSE", "name": "BROKEN", "trading_symbol": "BROKEN",
     "instrument_key": "NSE_EQ|X", "instrument_type": "EQ", "lot_size": 1, "tick_size": None},
]
KITE = ("instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,"
        "tick_size,lot_size,instrument_type,segment,exchange\n"
        "408065,1594,INFY,INFOSYS,0.0,,0.0,0.05,1,EQ,NSE,NSE\n")


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_instruments_when_two_days_of_files_are_loaded_then_each_day_shows_its_version(
    desk: DeskCli, tmp_path: Path,
) -> None:
    store = f"sqlite:///{tmp_path / 'desk.db'}"
    upstox = tmp_path / "NSE.json.gz"
    upstox.write_bytes(gzip.compress(json.dumps(UPSTOX).encode()))
    kite = tmp_path / "instruments.csv"
    kite.write_text(KITE)

    first = desk.run("instruments", "load", str(upstox), "--format", "upstox", "--date",
                     "2026-11-19", "--store", store)
    again = desk.run("instruments", "load", str(upstox), "--format", "upstox", "--date",
                     "2026-11-19", "--store", store)
    desk.run("instruments", "load", str(kite), "--format", "kite", "--date", "2026-11-20",
             "--store", store)
    before = desk.run("instruments", "show", "--date", "2026-11-19", "--store", store)
    after = desk.run("instruments", "show", "--date", "2026-11-20", "--store", store)

    assert {k: lines(first.stdout)[0][k] for k in ("listed", "rejected", "skipped")} == {
        "listed": 1, "rejected": 1, "skipped": 1}
    assert lines(again.stdout)[0]["listed"] == 0
    assert [(i["symbol"], i["tick_size"]) for i in lines(before.stdout)] == [("INFY", "0.10")]
    [infy] = lines(after.stdout)
    assert (infy["tick_size"], infy["isin"]) == ("0.05", "INE009A01021")  # ISIN carried over


def test_instruments_load_when_token_missing_or_not_admin_then_exit_2_and_nothing_loaded(
    desk: DeskCli, tmp_path: Path,
) -> None:
    store = f"sqlite:///{tmp_path / 'desk.db'}"
    kite = tmp_path / "instruments.csv"
    kite.write_text(KITE)
    load = ("instruments", "load", str(kite), "--format", "kite", "--date", "2026-11-20",
            "--store", store)

    anonymous = desk.as_operator(None).run(*load, check=False)
    approver = desk.as_operator("amy").run(*load, check=False)

    assert anonymous.returncode == 2 and "DESK_TOKEN" in anonymous.stderr
    assert approver.returncode == 2 and "amy (role approver) may not" in approver.stderr
    assert not (tmp_path / "desk.db").exists()  # not even an empty store was made
