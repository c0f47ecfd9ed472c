"""The Kafka runtime's agents, each a loop over its stream that calls plain folds.

- `fold_accounts` folds desk.accounts/cards/orders/risk (co-partitioned, keyed by account
  or kill-switch scope) into one partial read model per key, in a changelogged table.
- `fold_market` keeps the last bar per symbol from desk.market.
- `audit_inputs` checks desk.news and desk.signals (nothing to fold yet).
- `process_managers` is woken by desk.log (one partition: the log in order) and runs the
  same handlers as the embedded runtime on the events it reads from the store, writing
  through the event store.
Anything undecodable or invalid goes to desk.deadletter with the reason and the original
bytes; the agent carries on. `WorkerState` holds what the agents share.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import structlog
from faust.types import EventT, StreamT, TableT, TopicT

from adapters.eventstore.store import DeskStore, ViewSnapshots
from adapters.kafka.jitter import Jitter
from adapters.kafka.messages import BadMessage, decode
from domain.events import BarClosed, Envelope
from projections.codec import decode_bar, decode_view, encode_bar, encode_research, encode_view
from projections.desk import DeskView, apply
from projections.market import LastBar
from streams.embedded import EmbeddedRuntime
from streams.kafka.rows import (
    BAR_PREFIX,
    OFFSET_PREFIX,
    PM_PROGRESS,
    RESEARCH,
    VIEW_PREFIX,
)

log = structlog.get_logger("eventdesk.worker")

T = TypeVar("T")
Rows = list[tuple[str, int, str]]


class Flusher:
    """Tracks what changed since the last write to the store."""

    def __init__(self) -> None:
        self.views: dict[str, DeskView] = {}
        self.bars: dict[str, LastBar] = {}
        self.offsets: dict[str, int] = {}
        self.research = False  # the process managers have handled events since

    @property
    def empty(self) -> bool:
        """True when nothing waits to be written."""
        return not (self.views or self.bars or self.offsets or self.research)

    def take(self) -> Rows:
        """The rows to write for what changed (research is encoded by `WorkerState`)."""
        rows = [(VIEW_PREFIX + k, v.position, encode_view(v).decode())
                for k, v in self.views.items()]
        rows += [(BAR_PREFIX + s, 0, encode_bar(b).decode()) for s, b in self.bars.items()]
        rows += [(OFFSET_PREFIX + tp, off, "") for tp, off in self.offsets.items()]
        self.views, self.bars, self.offsets = {}, {}, {}
        return rows


class WorkerState:
    """What a worker's agents share: the store writer, the decoded views of the partitions
    it owns, the dead-letter topic and the process managers' runtime."""

    def __init__(self, store_url: str, deadletter: TopicT, plain: Mapping[str, str],
                 views: TableT[bytes, bytes], bars: TableT[bytes, bytes],
                 start_runtime: Callable[[], EmbeddedRuntime], jitter: Jitter | None = None
                 ) -> None:
        self.snapshots = ViewSnapshots(DeskStore(store_url))
        self.deadletter = deadletter
        self.plain = plain  # namespaced topic -> the plain topic messages are checked against
        self.views = views
        self.bars = bars
        self.flusher = Flusher()
        # Decoded views of the partitions this worker owns (the table keeps the encoded
        # copy); dropped on every rebalance, when ownership may have changed.
        self.decoded_views: dict[bytes, DeskView] = {}
        self.full_flush_due = True
        self.runtime: EmbeddedRuntime | None = None
        self._start_runtime = start_runtime
        self._jitter = jitter
        # One thread for the store: writes keep their order, and the process managers'
        # runtime is only ever touched from it.
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="desk-store")
        self._soon: asyncio.Task[None] | None = None

    async def in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn` in the store thread."""
        return await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)

    async def decoded_events(self, stream: StreamT[bytes], consume: bool = True
                             ) -> AsyncIterator[tuple[bytes, int, Envelope]]:
        """(key, position, envelope) of each good message; a bad one is dead-lettered.
        With `consume`, each offset is recorded once the caller has folded its message."""
        async for event in stream.events():
            if self._jitter is not None:
                await self._jitter.pause()
            try:
                position, envelope = decode(self.plain[event.message.topic], event.value,
                                            event.message.headers)
            except BadMessage as e:
                await self.to_deadletter(event, str(e))
            else:
                yield event.key, position, envelope
            if consume:
                self.consumed(event)

    async def to_deadletter(self, event: EventT[bytes], reason: str) -> None:
        """Send the message's bytes to desk.deadletter with the reason and where it was."""
        msg = event.message
        log.warning("dead-lettered", topic=msg.topic, partition=msg.partition,
                    offset=msg.offset, reason=reason)
        headers: list[tuple[str, bytes]] = [
            ("reason", reason.encode()), ("source_topic", msg.topic.encode()),
            ("source_partition", str(msg.partition).encode()),
            ("source_offset", str(msg.offset).encode()), *(msg.headers or [])]
        await self.deadletter.send(
            key=event.key, value=event.value if event.value is not None else b"",
            headers=headers,
        )

    def consumed(self, event: EventT[bytes]) -> None:
        """Record the message's offset, to be written with the views it produced."""
        msg = event.message
        self.flusher.offsets[f"{msg.topic}:{msg.partition}"] = msg.offset
        self.write_soon()

    def write_soon(self) -> None:
        """Write what changed in a moment (debounced)."""
        # Write soon, not per event: a burst shares one transaction, a lone event waits ~5 ms.
        if self._soon is None or self._soon.done():
            self._soon = asyncio.ensure_future(self._flush_soon())

    async def _flush_soon(self) -> None:
        # Loop until nothing is left: changes folded while a write was in flight get the
        # next round instead of waiting for the timer.
        while True:
            await asyncio.sleep(0.005)
            await self.write_changes()
            if self.flusher.empty:
                return

    async def write_changes(self) -> None:
        """Write what changed since the last write, in one transaction."""
        research, self.flusher.research = self.flusher.research, False
        rows = self.flusher.take()
        if rows or research:
            await self.in_thread(self._save, rows, research)

    def _save(self, rows: Rows, research: bool) -> None:
        if research and self.runtime is not None:
            # Encoded here, in the store thread, between two steps of the process managers.
            view = self.runtime.view
            rows = [*rows, (RESEARCH, view.position, encode_research(view.research).decode())]
        self.snapshots.save_many(rows)

    async def flush(self) -> None:
        """The timer's write; after a start or a rebalance, of every view this worker owns."""
        if self.full_flush_due:
            for key, value in list(self.views.items()):
                if value:
                    self.flusher.views[key.decode()] = decode_view(value)
            self.full_flush_due = False
        await self.write_changes()

    def rebalanced(self) -> None:
        """Forget the decoded views: the partitions this worker owns may have changed."""
        self.decoded_views.clear()
        self.full_flush_due = True

    def handle(self, position: int) -> None:
        """Run the process managers up to a logged position, reading the events from the
        store (in the store thread); the message that woke them is never trusted."""
        if self.runtime is None:
            self.runtime = self._start_runtime()
        if self._jitter is not None:
            self._jitter.pause_thread()
        self.runtime.wake(position)
        self.snapshots.save(PM_PROGRESS, self.runtime.view.position, "")


async def fold_accounts(state: WorkerState, stream: StreamT[bytes]) -> None:
    """Fold each account's (or kill-switch scope's) events into its partial view."""
    async for key, position, envelope in state.decoded_events(stream):
        view = state.decoded_views.get(key)
        if view is None:
            stored = state.views.get(key)
            view = decode_view(stored) if stored else DeskView()
            state.decoded_views[key] = view
        apply(view, envelope, position)
        state.views[key] = encode_view(view)
        state.flusher.views[key.decode()] = view


async def fold_market(state: WorkerState, stream: StreamT[bytes]) -> None:
    """Keep the latest bar per symbol (a late bar does not replace a newer one)."""
    async for key, _, envelope in state.decoded_events(stream):
        bar = envelope.payload
        assert isinstance(bar, BarClosed)
        last = LastBar(bar.start, bar.end, bar.close, bar.volume)
        stored = state.bars.get(key)
        if stored is None or decode_bar(stored).end <= last.end:
            state.bars[key] = encode_bar(last)
            state.flusher.bars[bar.symbol] = last


async def audit_inputs(state: WorkerState, stream: StreamT[bytes]) -> None:
    """Check news and signals: a bad message is dead-lettered; nothing folds yet."""
    async for _ in state.decoded_events(stream):
        pass


async def process_managers(state: WorkerState, stream: StreamT[bytes]) -> None:
    """Run the desk's process managers in log order, woken by each desk.log message.

    The message is a wake-up: its position says how far the log has reached and the events
    are read from the store, so a forged, edited or replayed message can neither make a
    process manager act on content the store does not hold nor move its position."""
    async for _, position, _envelope in state.decoded_events(stream, consume=False):
        await state.in_thread(state.handle, position)
        state.flusher.research = True
        state.write_soon()

