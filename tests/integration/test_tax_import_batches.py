"""A tradebook imported in several transactions into a fresh store: a file whose rows
straddle a part already imported adds only the rest, each trade once, and the tax book read
back from the log's stored JSON has every trade exactly as the file gave it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import cli.imports
from adapters.eventstore.store import DeskStore
from adapters.files.tradebooks import ZERODHA_HEADER, read_tradebook
from cli.imports import import_trades, tax_book
from domain.values import Side

ACCOUNT = "acc-tb"
ROWS = [  # symbol, day, side, quantity, price
    ("INFY", "2025-04-02", "buy", 10, "1500.05"),
    ("INFY", "2025-04-03", "buy", 5, "1510.10"),
    ("TCS", "2025-04-03", "buy", 3, "3400.00"),
    ("INFY", "2025-05-06", "sell", 12, "1602.35"),
    ("TCS", "2025-06-10", "sell", 3, "3555.55"),
]


def _tradebook(path: Path) -> Path:
    lines = [",".join(ZERODHA_HEADER)]
    for n, (symbol, day, side, quantity, price) in enumerate(ROWS, start=1):
        lines.append(f"{symbol},,{day},NSE,EQ,EQ,{side},false,{quantity}.000000,{price},"
                     f"T{n},O{n},{day}T10:{n:02d}:00")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def store(tmp_path: Path) -> DeskStore:
    return DeskStore(f"sqlite:///{tmp_path / 'desk.db'}")


def test_import_when_rows_straddle_an_imported_part_across_batches_then_only_the_rest_once(
    store: DeskStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.imports, "BATCH", 2)  # several transactions for five trades
    rows = read_tradebook(_tradebook(tmp_path / "tb.csv"), "zerodha", ACCOUNT).rows
    first = import_trades(store, rows[1:3], ACCOUNT, "operator:test", "import-part")

    whole = import_trades(store, rows, ACCOUNT, "operator:test", "import-whole")
    again = import_trades(store, rows, ACCOUNT, "operator:test", "import-again")

    assert (first.new, whole.new, whole.known, again.new) == (2, 3, 2, 0)
    assert store.head() == len(ROWS)
    trades = tax_book(store).trades[ACCOUNT]
    assert sorted(t.key for t in trades) == sorted(r.stream_id for r in rows)
    by_key = {t.key: t for t in trades}
    for r, (symbol, _, side, quantity, price) in zip(rows, ROWS, strict=True):
        t = by_key[r.stream_id]
        assert (t.symbol, t.side, t.quantity, t.price) == (
            symbol, Side(side.upper()), quantity, Decimal(price))
        assert t.at == r.trade.traded_at
