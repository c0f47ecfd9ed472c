"""`desk run --runtime`: which runtime decides on what the live feeds bring.

`embedded` (the default) runs the desk's handlers in the `desk run` process: bars commit
and the desk reacts at once. `kafka` runs none there: the feeds' bars, gaps and news go
into the store's log as inputs, the same events the embedded desk logs, and the relay
(`desk relay`) publishes them to the faust workers (`desk worker`), whose process managers
decide; the API serves the views the workers publish. Each runtime is a row of `RUNTIMES`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.instruments import Instrument
from streams.bootstrap import AnyDesk, bootstrap, bootstrap_worker_views
from streams.demo import save_live_view
from streams.embedded import EmbeddedRuntime
from streams.feed import Writer
from streams.follow import follow_commits
from streams.ports import Clock


@dataclass(frozen=True)
class LiveRuntime:
    """A desk on one runtime, and what `desk run` does beside it for that runtime."""

    desk: AnyDesk
    note: str  # printed at start: where the decisions happen

    def follow(self, write: Writer, stop: asyncio.Event) -> asyncio.Task[Any] | None:
        """Fold what other processes commit (the embedded desk; the workers' views re-read
        the store themselves)."""
        runtime = self.desk.runtime
        if isinstance(runtime, EmbeddedRuntime):
            return asyncio.create_task(follow_commits(runtime, write, stop))
        return None

    def stopped(self) -> None:
        """On stop, the embedded desk saves its view for `desk replay verify`; the Kafka
        runtime's view is the workers' (`desk demo --runtime kafka` saves it settled)."""
        if isinstance(self.desk.runtime, EmbeddedRuntime):
            save_live_view(self.desk)


def embedded(url: str, instruments: Mapping[str, Instrument], clock: Clock) -> LiveRuntime:
    """Handlers in this process."""
    return LiveRuntime(bootstrap(url, instruments, clock=clock), "decisions here (embedded)")


def kafka(url: str, instruments: Mapping[str, Instrument], clock: Clock) -> LiveRuntime:
    """Inputs to the log for the relay; the faust workers decide."""
    return LiveRuntime(
        bootstrap_worker_views(url, instruments, clock),
        "decisions by the Kafka workers (run `desk relay` and `desk worker` on this store)",
    )


RUNTIMES: dict[str, Callable[[str, Mapping[str, Instrument], Clock], LiveRuntime]] = {
    "embedded": embedded,
    "kafka": kafka,
}
