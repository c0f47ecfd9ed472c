"""A worker stuck in a rebalance or a table recovery leaves, for its supervisor to restart.

faust can stay in a rebalance for good when the group's generation moves on while it
recovers (e.g. a SIGKILLed member is expelled just after a new one joined); nothing is
consumed then. A fresh process joins cleanly. No faust import: the stack reads
`EXIT_STALLED` from here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import structlog

log = structlog.get_logger("eventdesk.worker")

EXIT_STALLED = 75  # EX_TEMPFAIL: try again


class _Flag(Protocol):
    def is_set(self) -> bool: ...


class _Recovery(Protocol):
    @property
    def completed(self) -> _Flag: ...


class _Tables(Protocol):
    @property
    def recovery(self) -> _Recovery: ...


class WatchedApp(Protocol):
    """What the watchdog reads of a faust app."""

    @property
    def rebalancing(self) -> bool:
        """True while the consumer group rebalances."""
        ...

    @property
    def tables(self) -> _Tables:
        """The table manager, whose recovery says when the tables are restored."""
        ...


def ready_marker(data_dir: Path) -> Path:
    """The file a worker keeps while it is ready; its modification time says since when."""
    return data_dir / "ready"


def mark_ready(marker: Path) -> Callable[[bool], None]:
    """A `mark` for `watch_readiness` that keeps `marker` present exactly while ready."""

    def mark(ready: bool) -> None:
        if ready:
            marker.touch()
        else:
            marker.unlink(missing_ok=True)

    return mark


def is_ready(app: WatchedApp) -> bool:
    """True once table recovery has completed and no rebalance is under way."""
    return bool(app.tables.recovery.completed.is_set()) and not app.rebalancing


def watch_readiness(app: WatchedApp, stall_timeout: float,
                    clock: Callable[[], float] = time.monotonic,
                    sleep: Callable[[float], None] = time.sleep,
                    leave: Callable[[int], None] = os._exit,
                    mark: Callable[[bool], None] = lambda ready: None) -> None:
    """Exit the process (`EXIT_STALLED`) when the worker has not been ready for
    `stall_timeout` seconds, so that its supervisor (the demo's stack, compose's restart
    policy, systemd) starts another. `mark(True)` runs each time the worker becomes ready
    and `mark(False)` each time it stops being ready: the supervisor judges "ready yet
    consuming nothing" only for a worker that says it is ready."""
    not_ready_since: float | None = clock()
    while True:
        sleep(1.0)
        if is_ready(app):
            if not_ready_since is not None:
                mark(True)
            not_ready_since = None
            continue
        if not_ready_since is None:
            mark(False)
            not_ready_since = clock()
        elif clock() - not_ready_since > stall_timeout:
            log.error("worker.stalled", seconds=round(clock() - not_ready_since),
                      rebalancing=app.rebalancing,
                      recovered=app.tables.recovery.completed.is_set())
            leave(EXIT_STALLED)
            return
