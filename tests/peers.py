"""Peer implementations eventdesk is checked and measured against (dev dependencies only)."""

from __future__ import annotations

from backtesting import Strategy
from backtesting.lib import crossover
from backtesting.test import SMA


class PeerSmaCross(Strategy):  # type: ignore[misc]
    """data/backtest/sma_cross.yaml written for backtesting.py: long 10 shares when SMA(10)
    crosses above SMA(20), out when it crosses below."""

    def init(self) -> None:
        self.fast = self.I(SMA, self.data.Close, 10)
        self.slow = self.I(SMA, self.data.Close, 20)

    def next(self) -> None:
        if crossover(self.fast, self.slow) and not self.position:
            self.buy(size=10)
        elif crossover(self.slow, self.fast) and self.position:
            self.position.close()
