"""A small tradebook imported into a fresh store, with a keyed chain and a fixed clock,
stores exactly the bytes (events and chain links) the import stored before its write path
was made quicker: `data/tax_import_golden.json` was written by the earlier code. A second
import adds nothing and the whole log verifies; an edited event is then caught."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import cli.imports
from adapters.eventstore.chain_keys import CHAIN_KEY_ENV, chain_keyring
from adapters.eventstore.store import DeskStore
from adapters.files.tradebooks import ZERODHA_HEADER, read_tradebook
from cli.imports import import_trades
from replay.verify import verify

GOLDEN = Path(__file__).parent / "data" / "tax_import_golden.json"
KEY = "golden-import-chain-key-0123456789abcdef"
ACCOUNT = "acc-golden"
ROWS = [  # symbol, day, side, quantity, price, execution time (blank: the day's open)
    ("INFY", "2025-04-02", "buy", "10.000000", "1500.050000", "2025-04-02T10:01:00"),
    ("INFY", "2025-04-02", "buy", "5.000000", "1510.1", ""),
    ("M&M", "2025-04-03", "BUY", "3", "3400", "2025-04-03T15:29:59"),
    ("INFY", "2025-05-06", "sell", "12.000000", "1602.350000", "2025-05-06T09:15:00"),
    ("M&M", "2025-06-10", "sell", "3.000000", "3555.555", "2025-06-10T14:00:00+05:30"),
    ("TCS", "2026-01-30", "buy", "1.000000", "4000.000000", "11:00:00"),
]


def _tradebook(path: Path) -> Path:
    lines = [",".join(ZERODHA_HEADER)]
    for n, (symbol, day, side, quantity, price, at) in enumerate(ROWS, start=1):
        lines.append(
            f"{symbol},INE00{n}A01010,{day},NSE,EQ,EQ,{side},false,{quantity},"
            f"{price},T{n},O{n},{at}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def _stored(db: Path) -> list[list[Any]]:
    """Every stored event with its chain link, in log order, as the database holds them."""
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT e.rowid, e.originator_id, e.originator_version, e.topic, e.state, c.hash "
            "FROM stored_events e JOIN event_chain c ON c.notification_id = e.rowid "
            "ORDER BY e.rowid"
        ).fetchall()
    return [
        [n, stream, version, topic, bytes(state).decode(), link]
        for n, stream, version, topic, state, link in rows
    ]


def _import(tmp_path: Path) -> tuple[DeskStore, Path]:
    db = tmp_path / "desk.db"
    store = DeskStore(f"sqlite:///{db}")
    rows = read_tradebook(_tradebook(tmp_path / "tb.csv"), "zerodha", ACCOUNT).rows
    ticks = iter(range(1000))

    def clock() -> datetime:  # a new write time per event, as the wall clock gives
        return datetime(2026, 11, 27, 8, 0, next(ticks), tzinfo=UTC)

    done = import_trades(store, rows, ACCOUNT, "operator:golden", "import-golden", clock)
    assert done.new == len(ROWS)
    again = import_trades(store, rows, ACCOUNT, "operator:golden", "import-again", clock)
    assert (again.read, again.new) == (len(ROWS), 0)
    return store, db


@pytest.fixture(autouse=True)
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHAIN_KEY_ENV, KEY)
    monkeypatch.setattr(cli.imports, "BATCH", 4)  # two transactions: the chain spans both


def test_import_when_a_small_tradebook_then_stored_events_and_links_are_byte_for_byte_as_before(
    tmp_path: Path,
) -> None:
    store, db = _import(tmp_path)
    store.close()

    assert _stored(db) == json.loads(GOLDEN.read_text())


def test_import_when_stored_then_verify_passes_and_an_edited_trade_is_named(
    tmp_path: Path,
) -> None:
    store, db = _import(tmp_path)
    assert verify(store, chain_keyring()).ok
    store.close()
    with sqlite3.connect(db) as con:
        con.execute(
            "UPDATE stored_events SET state = replace(state, '\"quantity\":12', "
            "'\"quantity\":2') WHERE rowid = 4"
        )

    tampered = DeskStore(f"sqlite:///{db}")
    verdict = verify(tampered, chain_keyring())

    assert not verdict.ok
    assert any("4" in str(problem) for problem in verdict.problems)
