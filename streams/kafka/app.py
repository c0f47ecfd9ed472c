"""The faust app: projection agents, the process managers, and the dead-letter topic.

- `fold_accounts` folds desk.accounts/cards/orders/risk (co-partitioned, keyed by account
  or kill-switch scope) into one partial read model per key, in a changelogged table.
- `fold_market` keeps the last bar per symbol from desk.market.
- `audit_inputs` checks desk.news and desk.signals (nothing to fold yet).
- `process_managers` consumes desk.log (one partition: the log in order) and runs the same
  handlers as the embedded runtime, writing through the event store.
- Anything undecodable or invalid goes to desk.deadletter with the reason and the original
  bytes; the agent carries on.
A timer writes changed partial views, last bars and consumed offsets to the store's
`desk_views` table in one transaction, where readers (API, `desk demo`) merge them.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust
import structlog

from adapters.eventstore.store import DeskStore, ViewSnapshots
from adapters.files.sample import SAMPLE_DIR, load_instruments
from adapters.kafka.admin import ensure_topics
from adapters.kafka.messages import BadMessage, decode
from adapters.kafka.topics import (
    ACCOUNTS_TOPIC,
    CARDS_TOPIC,
    DEADLETTER_TOPIC,
    DEFAULT_NAMESPACE,
    DOMAIN_TOPICS,
    LOG_TOPIC,
    MARKET_TOPIC,
    NEWS_TOPIC,
    ORDERS_TOPIC,
    RISK_TOPIC,
    SIGNALS_TOPIC,
    in_namespace,
)
from domain.events import BarClosed, Envelope, Recorded
from projections.codec import decode_bar, decode_view, encode_bar, encode_view
from projections.desk import DeskView, apply
from projections.market import LastBar
from streams.bootstrap import bootstrap, wall_clock
from streams.embedded import EmbeddedRuntime

log = structlog.get_logger("eventdesk.worker")

VIEW_PREFIX = "kafka:view:"
BAR_PREFIX = "kafka:bar:"
OFFSET_PREFIX = "kafka:offset:"
PM_PROGRESS = "kafka:pm"


@dataclass(frozen=True)
class WorkerSettings:
    bootstrap: str
    store_url: str
    partitions: int = 3
    table_store: str = "memory://"
    app_id: str = "eventdesk"
    approver: str | None = None
    namespace: str = DEFAULT_NAMESPACE
    instruments: Path = SAMPLE_DIR / "instruments.csv"
    process_managers: bool = True
    flush_interval: float = 0.25
    data_dir: Path = Path(".desk/faust")  # table stores (rocksdb://) live here
    # A worker stuck this long in a rebalance or a table recovery exits (EXIT_STALLED) so
    # that its supervisor starts a fresh one; 0 turns the watchdog off.
    stall_timeout: float = 60.0


EXIT_STALLED = 75  # EX_TEMPFAIL: try again


class _Flusher:
    """Tracks what changed since the last write to the store."""

    def __init__(self) -> None:
        self.views: dict[str, DeskView] = {}
        self.bars: dict[str, LastBar] = {}
        self.offsets: dict[str, int] = {}

    @property
    def empty(self) -> bool:
        return not (self.views or self.bars or self.offsets)

    def take(self) -> list[tuple[str, int, str]]:
        rows = [(VIEW_PREFIX + k, v.position, encode_view(v).decode())
                for k, v in self.views.items()]
        rows += [(BAR_PREFIX + s, 0, encode_bar(b).decode()) for s, b in self.bars.items()]
        rows += [(OFFSET_PREFIX + tp, off, "") for tp, off in self.offsets.items()]
        self.views, self.bars, self.offsets = {}, {}, {}
        return rows


def create_app(settings: WorkerSettings) -> faust.App:
    """Build the faust app for these settings (one per worker process)."""
    ns = settings.namespace

    def named(topic: str) -> str:
        return in_namespace(topic, ns)

    app = faust.App(
        settings.app_id if ns == DEFAULT_NAMESPACE else f"{settings.app_id}-{ns}",
        broker=f"kafka://{settings.bootstrap}",
        store=settings.table_store,
        datadir=str(settings.data_dir / "{conf.name}"),
        web_enabled=False,
        topic_partitions=settings.partitions,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=0.5,
        broker_session_timeout=10.0,
        broker_heartbeat_interval=1.0,
        broker_rebalance_timeout=20.0,
        key_serializer="raw",
        value_serializer="raw",
    )
    raw = {"key_type": bytes, "value_type": bytes}
    account_topics = app.topic(
        *map(named, (ACCOUNTS_TOPIC, CARDS_TOPIC, ORDERS_TOPIC, RISK_TOPIC)), **raw
    )
    market_topic = app.topic(named(MARKET_TOPIC), **raw)
    input_topics = app.topic(named(NEWS_TOPIC), named(SIGNALS_TOPIC), **raw)
    log_topic = app.topic(named(LOG_TOPIC), partitions=1, **raw)
    deadletter = app.topic(named(DEADLETTER_TOPIC), partitions=1, **raw)
    # Messages are checked against the plain (namespace-free) topic names.
    plain = {named(t): t for t in (*DOMAIN_TOPICS, LOG_TOPIC)}
    views = app.Table("desk-account-views", default=None, partitions=settings.partitions, **raw)
    bars = app.Table("desk-last-bars", default=None, partitions=settings.partitions, **raw)

    store = DeskStore(settings.store_url)
    snapshots = ViewSnapshots(store)
    io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="desk-store")
    flusher = _Flusher()
    # Decoded views of the partitions this worker owns (the table keeps the encoded copy);
    # dropped on every rebalance, when ownership may have changed.
    decoded_views: dict[bytes, DeskView] = {}
    full_flush = {"due": True}

    async def in_thread(fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(io, fn, *args)

    async def to_deadletter(event: faust.types.EventT, reason: str) -> None:
        msg = event.message
        log.warning("dead-lettered", topic=msg.topic, partition=msg.partition,
                    offset=msg.offset, reason=reason)
        await deadletter.send(
            key=event.key, value=event.value if event.value is not None else b"",
            headers=[("reason", reason.encode()), ("source_topic", msg.topic.encode()),
                     ("source_partition", str(msg.partition).encode()),
                     ("source_offset", str(msg.offset).encode()), *(msg.headers or [])],
        )

    soon: dict[str, asyncio.Task[None] | None] = {"task": None}

    def consumed(event: faust.types.EventT) -> None:
        msg = event.message
        flusher.offsets[f"{msg.topic}:{msg.partition}"] = msg.offset
        # Write soon, not per event: a burst shares one transaction, a lone event waits ~5 ms.
        task = soon["task"]
        if task is None or task.done():
            soon["task"] = asyncio.ensure_future(flush_soon())

    async def flush_soon() -> None:
        # Loop until nothing is left: changes folded while a write was in flight get the
        # next round instead of waiting for the timer.
        while True:
            await asyncio.sleep(0.005)
            await write_changes()
            if flusher.empty:
                return

    async def write_changes() -> None:
        rows = flusher.take()
        if rows:
            await in_thread(snapshots.save_many, rows)

    async def decoded(event: faust.types.EventT) -> tuple[int, Envelope] | None:
        """The message's position and envelope; a bad one is dead-lettered (None)."""
        try:
            return decode(plain[event.message.topic], event.value, event.message.headers)
        except BadMessage as e:
            await to_deadletter(event, str(e))
            return None

    @app.agent(account_topics)
    async def fold_accounts(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            message = await decoded(event)
            if message is None:
                consumed(event)
                continue
            position, envelope = message
            view = decoded_views.get(event.key)
            if view is None:
                stored = views.get(event.key)
                view = decode_view(stored) if stored else DeskView()
                decoded_views[event.key] = view
            apply(view, envelope, position)
            views[event.key] = encode_view(view)
            flusher.views[event.key.decode()] = view
            consumed(event)

    @app.agent(market_topic)
    async def fold_market(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            message = await decoded(event)
            if message is None:
                consumed(event)
                continue
            bar = message[1].payload
            assert isinstance(bar, BarClosed)
            last = LastBar(bar.start, bar.end, bar.close, bar.volume)
            stored = bars.get(event.key)
            if stored is None or decode_bar(stored).end <= last.end:
                bars[event.key] = encode_bar(last)
                flusher.bars[bar.symbol] = last
            consumed(event)

    @app.agent(input_topics)
    async def audit_inputs(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            await decoded(event)
            consumed(event)

    if settings.process_managers:
        instruments = load_instruments(settings.instruments)
        runtime: dict[str, EmbeddedRuntime] = {}

        def start_runtime() -> EmbeddedRuntime:
            desk = bootstrap(settings.store_url, instruments, approver=settings.approver,
                             clock=wall_clock, start=False)
            desk.runtime.start(process=False)
            return desk.runtime

        def offer(rec: Recorded) -> None:
            rt = runtime["pm"]
            rt.offer(rec)
            snapshots.save(PM_PROGRESS, rt.view.position, "")

        @app.agent(log_topic)
        async def process_managers(stream: faust.StreamT[bytes]) -> None:
            async for event in stream.events():
                message = await decoded(event)
                if message is None:
                    continue
                position, envelope = message
                if "pm" not in runtime:
                    runtime["pm"] = await in_thread(start_runtime)
                await in_thread(offer, Recorded(position, envelope))

    @app.timer(settings.flush_interval)
    async def flush() -> None:
        if full_flush["due"]:
            # After a start or a rebalance, write every view this worker now owns.
            for key, value in list(views.items()):
                if value:
                    flusher.views[key.decode()] = decode_view(value)
            full_flush["due"] = False
        await write_changes()

    @app.on_rebalance_complete.connect
    async def on_rebalance(sender: Any, **kwargs: Any) -> None:
        decoded_views.clear()
        full_flush["due"] = True

    return app


def run_worker(settings: WorkerSettings, loglevel: str = "warning") -> None:
    """Run a faust worker until it is stopped (SIGTERM/SIGINT)."""
    # Subscribing to a missing topic makes the broker auto-create it with default settings
    # (desk.log would get several partitions), so create the desk's topics first.
    asyncio.run(ensure_topics(settings.bootstrap, settings.partitions,
                              namespace=settings.namespace))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    if settings.stall_timeout > 0:
        threading.Thread(target=watch_readiness, args=(app, settings.stall_timeout),
                         name="desk-readiness-watchdog", daemon=True).start()
    faust.Worker(app, loglevel=loglevel, quiet=True).execute_from_commandline()


def is_ready(app: faust.App) -> bool:
    """True once table recovery has completed and no rebalance is under way."""
    return bool(app.tables.recovery.completed.is_set()) and not app.rebalancing


def watch_readiness(app: faust.App, stall_timeout: float,
                     clock: Callable[[], float] = time.monotonic,
                     sleep: Callable[[float], None] = time.sleep,
                     leave: Callable[[int], None] = os._exit) -> None:
    """Exit the process when the worker has not been ready for `stall_timeout` seconds.

    faust can stay in a rebalance for good when the group's generation moves on while it
    recovers (e.g. a SIGKILLed member is expelled just after a new one joined); nothing
    is consumed then. A fresh process joins cleanly, so this worker leaves and lets its
    supervisor (the demo's stack, compose's restart policy, systemd) start another.
    """
    not_ready_since: float | None = clock()
    while True:
        sleep(1.0)
        if is_ready(app):
            not_ready_since = None
            continue
        if not_ready_since is None:
            not_ready_since = clock()
        elif clock() - not_ready_since > stall_timeout:
            log.error("worker.stalled", seconds=round(clock() - not_ready_since),
                      rebalancing=app.rebalancing,
                      recovered=app.tables.recovery.completed.is_set())
            leave(EXIT_STALLED)
            return
