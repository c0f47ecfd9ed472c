"""The faust app of one worker: its topics, its tables and the agents that read them.

The agents (`streams.kafka.agents`) fold partial views, last bars and consumed offsets; a
timer writes what changed to the store's `desk_views` table in one transaction, where
readers (API, `desk demo`) merge them (`streams.kafka.views`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import faust
from faust.types import StreamT, TopicT
from mode.types.signals import BaseSignalT

from adapters.eventstore.store import DeskStore
from adapters.files.sample import SAMPLE_DIR, load_instruments
from adapters.kafka.admin import ensure_topics
from adapters.kafka.jitter import Jitter
from adapters.kafka.topics import (
    ACCOUNTS_TOPIC,
    CARDS_TOPIC,
    DEADLETTER_TOPIC,
    DEFAULT_NAMESPACE,
    DEFAULT_PARTITIONS,
    DOMAIN_TOPICS,
    LOG_TOPIC,
    MARKET_TOPIC,
    NEWS_TOPIC,
    ORDERS_TOPIC,
    RISK_TOPIC,
    SIGNALS_TOPIC,
    in_namespace,
)
from streams.bootstrap import bootstrap, wall_clock
from streams.embedded import EmbeddedRuntime
from streams.kafka import agents
from streams.kafka.agents import WorkerState
from streams.kafka.watchdog import WatchedApp, mark_ready, ready_marker, watch_readiness
from streams.routing.routes import VenueRoutes
from streams.routing.serving import broker_links, venue_routes


@dataclass(frozen=True)
class WorkerSettings:
    """Where a worker connects, what it runs, and how it keeps its tables."""

    bootstrap: str
    store_url: str
    partitions: int = DEFAULT_PARTITIONS
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
    jitter: Jitter | None = None  # tests only: random pauses per message and per step


def create_app(settings: WorkerSettings) -> faust.App:
    """Build the faust app for these settings (one per worker process)."""
    ns = settings.namespace
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
    state = WorkerState(
        settings.store_url, _topic(app, ns, DEADLETTER_TOPIC, partitions=1),
        # Messages are checked against the plain (namespace-free) topic names.
        {in_namespace(t, ns): t for t in (*DOMAIN_TOPICS, LOG_TOPIC)},
        app.Table("desk-account-views", default=None, partitions=settings.partitions,
                  key_type=bytes, value_type=bytes),
        app.Table("desk-last-bars", default=None, partitions=settings.partitions,
                  key_type=bytes, value_type=bytes),
        _runtime_starter(settings), settings.jitter,
    )
    _add_agents(app, state, settings)
    return app


def _topic(app: faust.App, namespace: str, *topics: str, partitions: int | None = None
           ) -> TopicT:
    """One faust topic over these desk topics (in the namespace), of raw bytes."""
    return app.topic(*(in_namespace(t, namespace) for t in topics), partitions=partitions,
                     key_type=bytes, value_type=bytes)


def _add_agents(app: faust.App, state: WorkerState, settings: WorkerSettings) -> None:
    """Subscribe the agents to their topics, and schedule the flush."""
    ns = settings.namespace

    @app.agent(_topic(app, ns, ACCOUNTS_TOPIC, CARDS_TOPIC, ORDERS_TOPIC, RISK_TOPIC))
    async def fold_accounts(stream: StreamT[bytes]) -> None:
        """Fold the account-keyed topics into per-account views."""
        await agents.fold_accounts(state, stream)

    @app.agent(_topic(app, ns, MARKET_TOPIC))
    async def fold_market(stream: StreamT[bytes]) -> None:
        """Keep the last bar per symbol."""
        await agents.fold_market(state, stream)

    @app.agent(_topic(app, ns, NEWS_TOPIC, SIGNALS_TOPIC))
    async def audit_inputs(stream: StreamT[bytes]) -> None:
        """Check news and signal messages; dead-letter the bad ones."""
        await agents.audit_inputs(state, stream)

    if settings.process_managers:
        @app.agent(_topic(app, ns, LOG_TOPIC, partitions=1))
        async def process_managers(stream: StreamT[bytes]) -> None:
            """Run the process managers over desk.log, in log order."""
            await agents.process_managers(state, stream)

    app.timer(settings.flush_interval)(state.flush)

    def on_rebalance(sender: Any, /, *args: Any, signal: BaseSignalT[Any], **kwargs: Any
                     ) -> None:
        """Partitions may have moved: drop decoded views, write every owned view."""
        state.rebalanced()

    app.on_rebalance_complete.connect(on_rebalance)


def _runtime_starter(settings: WorkerSettings) -> Callable[[], EmbeddedRuntime]:
    """Starts the embedded runtime the process managers run in, caught up without reacting
    (on the first event of desk.log)."""
    instruments = load_instruments(settings.instruments) if settings.process_managers else {}

    def start() -> EmbeddedRuntime:
        """The embedded runtime for the process managers, caught up with the log; the
        orders of accounts linked to a remote broker (`desk broker add`) are placed for
        that venue, for its router (in `desk serve`) to send, never filled on paper."""
        desk = bootstrap(settings.store_url, instruments, approver=settings.approver,
                         clock=wall_clock, start=False, routes=linked_routes(settings.store_url))
        desk.runtime.start(process=False)
        return desk.runtime

    return start


def linked_routes(store_url: str) -> VenueRoutes:
    """The venue routes the broker links in the store make (read once, at start)."""
    store = DeskStore(store_url)
    try:
        return venue_routes(broker_links(store))
    finally:
        store.close()


def run_worker(settings: WorkerSettings, loglevel: str = "warning") -> None:
    """Run a faust worker until it is stopped (SIGTERM/SIGINT)."""
    # Subscribing to a missing topic makes the broker auto-create it with default settings
    # (desk.log would get several partitions), so create the desk's topics first.
    asyncio.run(ensure_topics(settings.bootstrap, settings.partitions,
                              namespace=settings.namespace))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    if settings.stall_timeout > 0:
        # faust's TableManagerT type leaves out `recovery`, which its TableManager has.
        watched = cast(WatchedApp, app)
        marker = ready_marker(settings.data_dir)
        marker.unlink(missing_ok=True)  # a previous process's mark says nothing of this one
        threading.Thread(target=watch_readiness, args=(watched, settings.stall_timeout),
                         kwargs={"mark": mark_ready(marker)},
                         name="desk-readiness-watchdog", daemon=True).start()
    faust.Worker(app, loglevel=loglevel, quiet=True).execute_from_commandline()
