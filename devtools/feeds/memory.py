"""An in-memory `MarketFeed`: the batches a test or bench hands it, in order, with no socket,
for running `streams.live_bars` as a plain loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from domain.ticks import FeedBatch, FeedStatus


class MemoryFeed:
    """A feed whose frames are `put` by the caller; `close` ends `batches`."""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.keys: list[str] = []
        self.closed = False
        self._queue: asyncio.Queue[FeedBatch | None] = asyncio.Queue()
        self._frames = 0
        self._ticks = 0

    def put(self, batch: FeedBatch) -> None:
        """Deliver one batch, as if a frame had arrived."""
        self._queue.put_nowait(batch)

    async def batches(self) -> AsyncIterator[FeedBatch]:
        """Every batch put, until closed."""
        while (batch := await self._queue.get()) is not None:
            self._frames += 1
            self._ticks += len(batch.ticks)
            yield batch

    async def subscribe(self, keys: Sequence[str]) -> None:
        """Remember the keys (nothing is sent anywhere)."""
        self.keys += [k for k in keys if k not in self.keys]

    async def unsubscribe(self, keys: Sequence[str]) -> None:
        """Forget the keys."""
        self.keys = [k for k in self.keys if k not in keys]

    def status(self) -> FeedStatus:
        """Open until closed; frames and ticks delivered so far."""
        return FeedStatus(self.name, not self.closed, len(self.keys), None, None, 0,
                          self._frames, self._ticks, 0)

    async def close(self) -> None:
        """End `batches` after what was put before."""
        self.closed = True
        self._queue.put_nowait(None)
