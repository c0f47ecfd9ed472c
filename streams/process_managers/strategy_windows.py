"""Entry windows on the desk's clock: each closed bar opens the windows of the running
strategies whose start it has reached and closes those whose end it has reached, one
`StrategyWindowOpened` / `StrategyWindowClosed` per window and day.

The bar's end is desk time (the feed's, or the replayed day's), never the wall clock, so a
replay of the log records the same openings and closings at the same times. The signals
themselves are held to the same windows by `Allocation` (a strategy that triggers outside
them records a `SignalFiltered` naming the window).
"""

from __future__ import annotations

from datetime import datetime

from domain.aggregates.strategy_window import StrategyWindow
from domain.events import BarClosed, Envelope
from domain.events.strategies import StrategyWindowClosed, StrategyWindowOpened
from domain.ids import strategy_window_stream
from domain.session import IST
from domain.strategy.book import StrategyBook
from projections.desk import DeskView
from streams.strategy_runs import running
from streams.unit_of_work import UnitOfWork

ACTOR = "scheduler"


class StrategyWindows:
    """Closed bar -> the windows it opens or closes, for every strategy that has them."""

    name = "strategy-windows"

    def __init__(self, book: StrategyBook) -> None:
        self.book = book

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """Record each window the bar's desk time has reached the start or end of."""
        if not isinstance(event.payload, BarClosed):
            return
        at = event.occurred_at
        day = at.astimezone(IST).date()
        seen: set[str] = set()
        for run in running(view, self.book, at):
            strategy = run.strategy
            schedule = strategy.schedule
            if strategy.name in seen or not schedule.windows or \
                    schedule.day_off(day, self.book.calendar):
                continue
            seen.add(strategy.name)
            for window in schedule.windows:
                start = datetime.combine(day, window.start, IST)
                end = datetime.combine(day, window.end, IST)
                stream = strategy_window_stream(strategy.name, day, window.start)
                # Logged already (1: opened, 2: closed): the usual bar loads nothing.
                if at < start or view.stream_versions.get(stream, 0) >= (1 if at < end else 2):
                    continue
                line = uow.get(StrategyWindow, stream)
                facts = {"strategy": strategy.name, "window": str(window), "day": day,
                         "evidence": (event.event_id,)}
                if at < end:
                    line.open(StrategyWindowOpened(**facts, at=start), uow.cause(ACTOR))
                else:
                    line.close(StrategyWindowClosed(**facts, at=end), uow.cause(ACTOR))
