"""`desk run --runtime`: which runtime decides on what the live feeds bring.

`embedded` (the default) runs the desk's handlers in the `desk run` process: bars commit
and the desk reacts at once. `kafka` runs none there: the feeds' bars, gaps and news go
into the store's log as inputs, the same events the embedded desk logs, and the relay
(`desk relay`) publishes them to the faust workers (`desk worker`), whose process managers
decide; the API serves the views the workers publish. With `--workers N` `desk run` starts
that relay and N workers itself, restarts one its watchdog stopped, and on stop waits until
they have handled the whole log and saves their merged view for `desk replay verify`.
Each runtime is a row of `RUNTIMES`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from domain.instruments import Instrument
from streams.bootstrap import AnyDesk, bootstrap, bootstrap_worker_views
from streams.demo import save_live_view
from streams.embedded import EmbeddedRuntime
from streams.feed import Writer
from streams.follow import follow_commits
from streams.kafka.stack import KafkaStack, StackStalled, save_settled_view
from streams.ports import Clock

log = structlog.get_logger("eventdesk.run")
SUPERVISE_EVERY = 1.0  # seconds between looks at the relay and workers `desk run` started


@dataclass(frozen=True)
class StackOptions:
    """Where the Kafka runtime's relay and workers run; `workers` 0: started elsewhere."""

    bootstrap: str = ""
    partitions: int = 1
    namespace: str = ""
    workers: int = 0
    log_dir: Path = Path(".desk/logs")


@dataclass(frozen=True)
class LiveRuntime:
    """A desk on one runtime, and what `desk run` does beside it for that runtime."""

    desk: AnyDesk
    note: str  # printed at start: where the decisions happen
    stack: KafkaStack | None = None  # the relay and workers this `desk run` started

    def follow(self, write: Writer, stop: asyncio.Event) -> asyncio.Task[Any] | None:
        """Fold what other processes commit (the embedded desk; the workers' views re-read
        the store themselves)."""
        runtime = self.desk.runtime
        if isinstance(runtime, EmbeddedRuntime):
            return asyncio.create_task(follow_commits(runtime, write, stop))
        if self.stack is not None:
            return asyncio.create_task(_supervise(self.stack, stop))
        return None

    def stopped(self) -> None:
        """On stop, the embedded desk saves its view for `desk replay verify`; with the
        relay and workers it started, the Kafka runtime saves theirs once they have handled
        the whole log, then stops them (a relay and workers run elsewhere save nothing here:
        `desk demo --runtime kafka` and the stack's owner do)."""
        if isinstance(self.desk.runtime, EmbeddedRuntime):
            save_live_view(self.desk)
        elif self.stack is not None:
            try:
                save_settled_view(self.stack, self.desk.store)
            except StackStalled as e:
                log.error("desk run: the workers' view was not saved", reason=str(e))
            finally:
                self.stack.stop()


async def _supervise(stack: KafkaStack, stop: asyncio.Event) -> None:
    """Restart a worker its watchdog stopped; when the relay or a worker cannot be kept
    running, say which and stop the desk (a desk whose decisions stopped must not look live)."""
    while not stop.is_set():
        try:
            stack.check_running()
        except StackStalled as e:
            log.error("desk run: stopping", reason=str(e))
            stop.set()
            return
        await asyncio.sleep(SUPERVISE_EVERY)


def embedded(url: str, instruments: Mapping[str, Instrument], clock: Clock,
             _: StackOptions) -> LiveRuntime:
    """Handlers in this process."""
    return LiveRuntime(bootstrap(url, instruments, clock=clock), "decisions here (embedded)")


def kafka(url: str, instruments: Mapping[str, Instrument], clock: Clock,
          options: StackOptions) -> LiveRuntime:
    """Inputs to the log for the relay; the faust workers decide (started here with
    `workers` > 0)."""
    desk = bootstrap_worker_views(url, instruments, clock)
    if not options.workers:
        return LiveRuntime(desk, "decisions by the Kafka workers (run `desk relay` and "
                           "`desk worker` on this store)")
    stack = KafkaStack(url, options.bootstrap, options.partitions, options.workers,
                       namespace=options.namespace, log_dir=options.log_dir)
    stack.start()
    return LiveRuntime(desk, f"decisions by {options.workers} Kafka worker(s) this process "
                       f"started with a relay (logs in {options.log_dir})", stack)


RUNTIMES: dict[str, Callable[[str, Mapping[str, Instrument], Clock, StackOptions],
                             LiveRuntime]] = {
    "embedded": embedded,
    "kafka": kafka,
}
