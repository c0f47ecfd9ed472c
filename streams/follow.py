"""The serving desk follows commits other processes make to its store.

`desk account new`, `desk schedule` and transfers from the CLI commit straight to the store;
an embedded `desk serve` on it would not fold them (nor react, nor become ready) until it
wrote something itself. `follow_commits` notices them: woken by PostgreSQL's LISTEN/NOTIFY
where there is one, else by a cheap poll of the log head, it pumps the runtime through the
serving process's one writer, so reads never see a step half folded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

from adapters.eventstore.notify import CommitListener
from streams.embedded import EmbeddedRuntime

log = structlog.get_logger("eventdesk.follow")

T = TypeVar("T")
Writer = Callable[[Callable[[], T]], Awaitable[T]]

POLL_SECONDS = 0.25  # SQLite: how often the head is read; PostgreSQL wakes on NOTIFY


async def follow_commits(runtime: EmbeddedRuntime, write: Writer[int], stop: asyncio.Event,
                         poll: float = POLL_SECONDS) -> None:
    """Until `stop`, fold and react to every event another process commits; `write` runs
    the pump in the serving process's writer (one writer at a time)."""
    wake = asyncio.Event()
    listener = CommitListener(runtime.store, poll, log)
    listening = asyncio.create_task(listener.wait_for_commits(stop, wake))
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), poll)
            wake.clear()
            try:
                head = await asyncio.to_thread(runtime.store.head)
                if head > runtime.view.position:
                    processed = await write(runtime.pump)
                    log.info("followed commits", processed=processed, log_head=head)
            except Exception:  # a failed step is retried on the next wake; serving goes on
                log.exception("following the log failed")
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
