"""A backtest's files: trades.csv, equity.csv, events.jsonl, metrics.json, report.html."""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from domain.backtest.engine import BacktestResult

TRADE_FIELDS = (
    "strategy",
    "symbol",
    "quantity",
    "entry_at",
    "entry_price",
    "exit_at",
    "exit_price",
    "costs",
    "pnl",
    "return_pct",
    "entry_reason",
    "exit_reason",
)


def json_ready(metrics: dict[str, float | int | str]) -> dict[str, float | int | str | None]:
    """Metrics with NaN as null (JSON has no NaN)."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in metrics.items()}


def write_trades(result: BacktestResult, path: Path, zone: ZoneInfo) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TRADE_FIELDS)
        for t in result.trades:
            writer.writerow(
                [
                    t.strategy,
                    t.symbol,
                    t.quantity,
                    t.entry_at.astimezone(zone).isoformat(),
                    t.entry_price,
                    t.exit_at.astimezone(zone).isoformat(),
                    t.exit_price,
                    t.costs,
                    t.pnl,
                    f"{t.return_pct:.6f}",
                    t.entry.entry_reason,
                    t.exit_reason,
                ]
            )


def write_equity(result: BacktestResult, path: Path, zone: ZoneInfo) -> None:
    pl.DataFrame(
        {
            "ts": result.equity_at,
            "equity": result.equity,
            "in_position": result.exposed,
        }
    ).with_columns(
        pl.col("ts").dt.convert_time_zone(str(zone)).dt.to_string("%Y-%m-%dT%H:%M:%S%:z"),
        pl.col("equity").round(2),
    ).write_csv(path)


def write_events(result: BacktestResult, path: Path) -> None:
    """The run's decisions in time order, one JSON object a line: fills and refusals."""
    rows = [
        _event(
            "EntryFilled",
            p.entry_at,
            p.strategy,
            p.symbol,
            quantity=p.quantity,
            price=str(p.entry_price),
            reason=p.entry_reason,
        )
        for p in [t.entry for t in result.trades] + result.open_positions
    ]
    rows += [
        _event(
            "ExitFilled",
            t.exit_at,
            t.strategy,
            t.symbol,
            quantity=t.quantity,
            price=str(t.exit_price),
            costs=str(t.costs),
            pnl=str(t.pnl),
            reason=t.exit_reason,
        )
        for t in result.trades
    ]
    rows += [
        _event("EntryRefused", r.at, r.strategy, r.symbol, reason=r.reason) for r in result.refusals
    ]
    rows.sort(key=lambda row: str(row["at"]))
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)


def _event(
    kind: str, at: datetime, strategy: str, symbol: str, **fields: object
) -> dict[str, object]:
    return {"type": kind, "at": at.isoformat(), "strategy": strategy, "symbol": symbol, **fields}


def write_run(
    result: BacktestResult,
    metrics: dict[str, float | int | str],
    html: str,
    out: Path,
    zone: ZoneInfo,
) -> None:
    """Every file of the run into `out` (created if needed)."""
    out.mkdir(parents=True, exist_ok=True)
    write_trades(result, out / "trades.csv", zone)
    write_equity(result, out / "equity.csv", zone)
    write_events(result, out / "events.jsonl")
    (out / "metrics.json").write_text(
        json.dumps(json_ready(metrics), indent=2) + "\n", encoding="utf-8"
    )
    (out / "report.html").write_text(html, encoding="utf-8")
