"""Backtest speed: the SMA cross over 1,000,000 synthetic bars, eventdesk against
backtesting.py in one run, with identical trades and final equity checked.

    uv run python -m bench.backtest [--bars N] [--seed N] [--csv]

The job: data/backtest/sma_cross.yaml (long 10 shares when SMA(10) crosses above SMA(20),
out when it crosses below; a signal on a bar's close fills at the next bar's open; no
costs). eventdesk: `replay.backtest.run` (any-period features, the bar-by-bar engine with
the strategy file's clauses, metrics) from bars in memory; with `--csv`, also the whole
`desk backtest` command in this process on the bars written as CSV (every row validated
as `desk features` does, and the report files written). backtesting.py 0.6: the same rules
as a `Strategy`, `Backtest(...).run()` (indicators, the bar loop and its statistics).
Peak memory is the process's peak RSS after eventdesk's run, before the peer starts.
Figures depend on the machine and its load; run twice and read the spread.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import warnings
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
from backtesting import Backtest

from adapters.files.strategy_book import load_strategy_book
from cli.main import main as desk
from domain.backtest.engine import BacktestConfig, Costs, FillAt
from replay.backtest import run
from tests.peers import PeerSmaCross

STRATEGIES = Path(__file__).resolve().parents[1] / "data" / "backtest" / "sma_cross.yaml"
CASH = 10_000_000


def synthetic(bars: int, seed: int) -> pd.DataFrame:
    """Random-walk one-minute OHLCV in paise (two decimals), so fills compare exactly."""
    rng = np.random.default_rng(seed)
    close = np.round(500 * np.exp(np.cumsum(rng.normal(0, 0.0008, bars))), 2)
    open_ = np.round(np.r_[500, close[:-1]] * (1 + rng.normal(0, 0.0002, bars)), 2)
    high = np.maximum(open_, close) + 0.05
    low = np.minimum(open_, close) - 0.05
    index = pd.date_range("2020-01-01", periods=bars, freq="min")
    return pd.DataFrame(
        {"Open": open_, "High": high, "Low": low, "Close": close, "Volume": 1000.0}, index=index
    )


def ours_frame(ohlc: pd.DataFrame) -> pl.DataFrame:
    columns = {name.lower(): ohlc[name].to_numpy() for name in ohlc.columns}
    ts = pl.Series("ts", ohlc.index.to_numpy()).dt.replace_time_zone("UTC")
    return pl.DataFrame({"symbol": "SYN", "ts": ts, **columns})


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--csv", action="store_true", help="also time `desk backtest` end to end on the bars as CSV"
    )
    args = parser.parse_args()
    ohlc = synthetic(args.bars, args.seed)
    frame = ours_frame(ohlc)
    print(
        f"{args.bars:,} one-minute bars, SMA(10)/SMA(20) cross, 10 shares, next-open "
        f"fills, no costs; cores {os.cpu_count()}, load {os.getloadavg()[0]:.2f}"
    )

    book = load_strategy_book(STRATEGIES)
    config = BacktestConfig(Decimal(CASH), FillAt.NEXT_OPEN, Costs.NONE, tick_rounding=False)
    started = time.perf_counter()
    ours = run(frame, book, config)
    ours_s = time.perf_counter() - started
    ours_rss = peak_rss_mib()
    print(
        f"eventdesk    {ours_s:8.2f} s  {args.bars / ours_s:12,.0f} bars/s  "
        f"{len(ours.result.trades):,} trades, final equity {ours.result.final_equity}; "
        f"peak RSS {ours_rss:,.0f} MiB"
    )

    if args.csv:
        with tempfile.TemporaryDirectory() as tmp:
            csv = Path(tmp) / "bars.csv"
            frame.select("symbol", "ts", "open", "high", "low", "close", "volume").write_csv(csv)
            started = time.perf_counter()
            desk(
                [
                    "backtest",
                    "--bars",
                    str(csv),
                    "--strategies",
                    str(STRATEGIES),
                    "--cash",
                    str(CASH),
                    "--costs",
                    "none",
                    "--calendar",
                    "none",
                    "--out",
                    str(Path(tmp) / "run"),
                ]
            )
            cli_s = time.perf_counter() - started
        print(
            f"desk backtest (CSV in, files out) {cli_s:8.2f} s  "
            f"{args.bars / cli_s:12,.0f} bars/s; peak RSS {peak_rss_mib():,.0f} MiB"
        )

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = Backtest(ohlc, PeerSmaCross, cash=CASH, commission=0).run()
    peer_s = time.perf_counter() - started
    peer_final = Decimal(str(float(peer["Equity Final [$]"]))).quantize(Decimal("0.01"))
    print(
        f"backtesting.py {peer_s:6.2f} s  {args.bars / peer_s:12,.0f} bars/s  "
        f"{len(peer._trades):,} trades, final equity {peer_final}"
    )

    same_trades = [
        (t.entry_bar, t.exit_bar, float(t.entry_price), float(t.exit_price))
        for t in ours.result.trades
    ] == [
        (t.EntryBar, t.ExitBar, float(t.EntryPrice), float(t.ExitPrice))
        for t in peer._trades.itertuples()
    ]
    print(
        f"identical trades: {same_trades}; identical final equity: "
        f"{peer_final == ours.result.final_equity}"
    )
    print(
        f"eventdesk / backtesting.py bars/s: {peer_s / ours_s:.2f}x (goal >= 1.5x); "
        f"memory goal < 2048 MiB: {ours_rss < 2048}"
    )


if __name__ == "__main__":
    main()
