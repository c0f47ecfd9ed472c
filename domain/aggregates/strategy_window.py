"""One entry window of a scheduled strategy on one day: it opens once and closes once, each
recorded at the desk time of the bar that saw it (so a replay records the same)."""

from __future__ import annotations

from domain.aggregates.base import Aggregate, Cause
from domain.events.strategies import StrategyWindowClosed, StrategyWindowOpened


class StrategyWindow(Aggregate):
    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.opened = False
        self.closed = False

    def open(self, opened: StrategyWindowOpened, cause: Cause) -> bool:
        """Record the opening; False when already recorded (or the window has closed)."""
        if self.opened or self.closed:
            return False
        self._record(opened, cause)
        return True

    def close(self, closed: StrategyWindowClosed, cause: Cause) -> bool:
        """Record the closing of a window that opened; False otherwise."""
        if not self.opened or self.closed:
            return False
        self._record(closed, cause)
        return True

    def _on_strategy_window_opened(self, e: StrategyWindowOpened) -> None:
        self.opened = True

    def _on_strategy_window_closed(self, e: StrategyWindowClosed) -> None:
        self.closed = True
