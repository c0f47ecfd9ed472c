"""One writer at a time: commands and feeds run in a worker thread, reads wait for them.

The store is synchronous and the live view is mutated while a command's step is folded, so
every write (an operator command, the demo feed) runs under one lock in a one-thread
executor. Handlers that read the view take the same lock for the few microseconds they
spend copying rows out, so they never see a step half folded. After each write the bell
rings, waking live feeds.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from typing import ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")


class LogBell:
    """Rung whenever the log may have grown; live feeds wait on it (with a timeout)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def ring(self) -> None:
        """Wake every waiting feed; later waiters wait for the next ring."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Wait for the next ring, or `timeout` seconds, whichever comes first."""
        event = self._event
        with suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


class DeskGate:
    """Serialises writes to the desk; readers see the view between steps, never during one."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="desk-writer")
        # Health probes read on a thread of their own, never queued behind feed readers.
        self._prober = ThreadPoolExecutor(1, thread_name_prefix="desk-probe")
        self.bell = LogBell()

    async def write(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn` alone, in the writer thread; ring the bell when it is done."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            try:
                return await loop.run_in_executor(
                    self._writer, functools.partial(fn, *args, **kwargs))
            finally:
                self.bell.ring()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """Hold off writers while the caller reads the live view."""
        async with self._lock:
            yield

    async def read_store(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking store read off the event loop (reads need no lock: the log is
        append-only)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))

    async def probe(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a small store read for a health probe on the probe thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._prober, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Finish the write in flight and stop the writer and probe threads."""
        self._writer.shutdown(wait=True)
        self._prober.shutdown(wait=False, cancel_futures=True)
