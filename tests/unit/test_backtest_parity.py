"""`desk backtest`'s engine against backtesting.py on the same SMA cross: the same trades,
the same final equity to the paisa, and the same statistics."""

from __future__ import annotations

import math
import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import polars as pl
import pytest
from backtesting import Backtest
from backtesting.test import GOOG

from adapters.files.strategy_book import BOOK_PATH, parse_strategy_book
from domain.backtest.engine import BacktestConfig, BacktestResult, Costs, FillAt, run_backtest
from domain.backtest.metrics import compute_metrics
from domain.feature_periods import periodic_features
from tests.peers import PeerSmaCross

SMA_CROSS = (BOOK_PATH.parents[1] / "backtest" / "sma_cross.yaml").read_text(encoding="utf-8")
CASH = 10_000


def _peer(ohlc: pd.DataFrame) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "some trades remain open": by design
        return Backtest(ohlc, PeerSmaCross, cash=CASH, commission=0).run()


def _ours(ohlc: pd.DataFrame) -> BacktestResult:
    frame = pl.from_pandas(ohlc.rename_axis("ts").reset_index()).rename(str.lower)
    frame = periodic_features(frame.with_columns(symbol=pl.lit("X")), ["sma_10", "sma_20"])
    strategies = list(parse_strategy_book(SMA_CROSS).strategies.values())
    config = BacktestConfig(Decimal(CASH), FillAt.NEXT_OPEN, Costs.NONE, tick_rounding=False)
    return run_backtest(frame.sort("ts"), strategies, config)


def _random_walk(seed: int, bars: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = np.round(100 * np.exp(np.cumsum(rng.normal(0, 0.015, bars))), 2)
    open_ = np.round(np.r_[100, close[:-1]] * (1 + rng.normal(0, 0.003, bars)), 2)
    high = np.maximum(open_, close) + 0.05
    low = np.minimum(open_, close) - 0.05
    index = pd.bdate_range("2015-01-01", periods=bars)
    return pd.DataFrame(
        {"Open": open_, "High": high, "Low": low, "Close": close, "Volume": 1000}, index=index
    )


@pytest.mark.parametrize(
    "ohlc", [GOOG, _random_walk(7), _random_walk(11)], ids=["GOOG", "walk-7", "walk-11"]
)
def test_backtest_when_peer_runs_same_sma_cross_then_same_trades_and_final_equity(
    ohlc: pd.DataFrame,
) -> None:
    peer, ours = _peer(ohlc), _ours(ohlc)

    peer_trades = [
        (
            t.EntryBar,
            t.ExitBar,
            Decimal(str(float(t.EntryPrice))),
            Decimal(str(float(t.ExitPrice))),
            t.Size,
        )
        for t in peer._trades.itertuples()
    ]
    assert [
        (t.entry_bar, t.exit_bar, t.entry_price, t.exit_price, t.quantity) for t in ours.trades
    ] == peer_trades
    assert ours.final_equity == Decimal(str(float(peer["Equity Final [$]"]))).quantize(
        Decimal("0.01")
    )


PEER_NAMES = {
    "total_return_pct": "Return [%]",
    "cagr_pct": "CAGR [%]",
    "annual_return_pct": "Return (Ann.) [%]",
    "annual_volatility_pct": "Volatility (Ann.) [%]",
    "sharpe": "Sharpe Ratio",
    "sortino": "Sortino Ratio",
    "max_drawdown_pct": "Max. Drawdown [%]",
    "trades": "# Trades",
    "win_rate_pct": "Win Rate [%]",
    "profit_factor": "Profit Factor",
    "expectancy_pct": "Expectancy [%]",
    "exposure_pct": "Exposure Time [%]",
}


@pytest.mark.parametrize("ohlc", [GOOG, _random_walk(7)], ids=["GOOG", "walk-7"])
def test_metrics_when_same_trades_as_peer_then_statistics_agree(ohlc: pd.DataFrame) -> None:
    peer, ours = _peer(ohlc), compute_metrics(_ours(ohlc), Decimal(CASH))

    for name, peer_name in PEER_NAMES.items():
        assert math.isclose(
            float(ours[name]), float(peer[peer_name]), rel_tol=1e-9, abs_tol=1e-9
        ), name
    assert ours["max_drawdown_duration_days"] == peer["Max. Drawdown Duration"].days
    # backtesting.py rounds the average hold up to whole days
    assert math.ceil(float(ours["average_hold_days"])) == peer["Avg. Trade Duration"].days
