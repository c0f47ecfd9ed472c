"""The issue's sma-cross strategy (crossings, `exit_when`, `fixed_quantity`) through the
desk's own pipeline (`--engine desk`) against the fast engine (`--engine fast --fill
next-open --costs none`) on one small INFY series: the same round trips.

Intended differences, stated here and in the README: the paper broker fills 5 bps off
the bar's open (rounded onto the tick away from the trader) and the desk times a fill at
the close of the bar it filled in (when the desk learns of it), the fast engine at the
bar's open; the desk charges India's costs.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.eventstore.store import DeskStore
from adapters.files.strategy_book import BOOK_PATH
from cli.main import main
from domain.events import BarClosed, ExitRequested
from domain.money import round_to_tick

SMA_CROSS = BOOK_PATH.parents[1] / "backtest" / "sma_cross.yaml"  # the file as written
START = datetime(2026, 11, 20, 9, 15)  # IST, a trading day
BARS = 150
SLIPPAGE = Decimal("0.0005")


def _series() -> list[dict[str, Any]]:
    """A wave around 1500 (period 37 bars, with a ripple) on INFY's 0.10 grid: four
    upward and three downward crossings of SMA(10) over SMA(20), none through a tie."""
    rows, close = [], Decimal("1500.00")
    for i in range(BARS):
        wave = 1500 + 20 * math.sin(2 * math.pi * i / 37) + 3 * math.sin(1.7 * i)
        target = Decimal(wave).quantize(Decimal("0.1"))
        open_ = close
        close = target
        rows.append(
            {
                "symbol": "INFY",
                "ts": (START + timedelta(minutes=i)).isoformat(),
                "open": open_,
                "high": max(open_, close) + Decimal("0.5"),
                "low": min(open_, close) - Decimal("0.5"),
                "close": close,
                "volume": 10_000,
            }
        )
    return rows


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("sma_cross")
    rows = _series()
    with (folder / "bars.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    common = ["backtest", "--bars", str(folder / "bars.csv")]
    common += ["--strategies", str(SMA_CROSS), "--json"]
    engines = {
        "fast": ["--engine", "fast", "--fill", "next-open", "--costs", "none"],
        "desk": ["--engine", "desk"],
    }
    out: dict[str, dict[str, Any]] = {}
    for engine, flags in engines.items():
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            code = main([*common, *flags, "--out", str(folder / engine)])
        assert code == 0
        with (folder / engine / "trades.csv").open() as f:
            trades = list(csv.DictReader(f))
        out[engine] = {"json": json.loads(buffer.getvalue()), "trades": trades}
    return out


def test_backtest_when_sma_cross_runs_through_the_desk_then_same_trades_as_the_fast_engine(
    runs: dict[str, dict[str, Any]],
) -> None:
    fast, desk = runs["fast"]["trades"], runs["desk"]["trades"]
    assert len(fast) >= 2
    minute = timedelta(minutes=1)
    expected = [
        (
            datetime.fromisoformat(t["entry_at"]) + minute,
            round_to_tick(Decimal(t["entry_price"]) * (1 + SLIPPAGE), "up"),
            datetime.fromisoformat(t["exit_at"]) + minute,
            round_to_tick(Decimal(t["exit_price"]) * (1 - SLIPPAGE), "down"),
            t["quantity"],
        )
        for t in fast
    ]
    got = [
        (
            datetime.fromisoformat(t["entry_at"]),
            Decimal(t["entry_price"]),
            datetime.fromisoformat(t["exit_at"]),
            Decimal(t["exit_price"]),
            t["quantity"],
        )
        for t in desk
    ]
    assert got == expected
    assert all(t["quantity"] == "10" for t in desk)


def test_backtest_when_the_desk_exits_by_rule_then_the_exit_names_the_rule(
    runs: dict[str, dict[str, Any]],
) -> None:
    desk = runs["desk"]["trades"]
    assert desk and all(t["exit_reason"] == "OPERATOR leg filled" for t in desk)
    assert runs["desk"]["json"]["trades"] == runs["fast"]["json"]["trades"]


def test_backtest_when_exit_when_holds_then_the_strategy_records_the_exit_caused_by_the_bar(
    runs: dict[str, dict[str, Any]],
) -> None:
    store = DeskStore(f"sqlite:///{Path(runs['desk']['json']['out']) / 'desk.db'}")
    events = [rec.event for rec in store.read_all()]
    bars = {e.event_id: e.payload for e in events if isinstance(e.payload, BarClosed)}
    exits = [e for e in events if isinstance(e.payload, ExitRequested)]

    # One exit per closed trade (and one more if the last bar's close asked for it).
    assert len(exits) - len(runs["desk"]["trades"]) in (0, 1)
    for e in exits:
        assert (e.payload.scope, e.actor) == ("rule", "strategy:sma_cross")
        assert e.causation_id in bars
        assert "sma_10 crosses_below sma_20 (now sma_10" in e.payload.reason
