"""The composition root: one place that wires store, runtime, broker and handlers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic

from typing_extensions import TypeVar

from adapters.brokers.paper.broker import PaperBroker
from adapters.eventstore.store import DeskStore
from adapters.files.strategy_book import default_book
from adapters.files.tagging_rules import load_tagging_rules
from domain.instruments import Instrument
from domain.tagging import build_tagger
from streams.embedded import EmbeddedRuntime
from streams.kafka.views import WorkerViews
from streams.ports import DeskRuntime
from streams.process_managers import Handler
from streams.process_managers.allocation import Allocation
from streams.process_managers.auto_approver import AutoApprover
from streams.process_managers.execution import Execution
from streams.process_managers.expiry import CardExpiry
from streams.process_managers.funding import FundingWatch
from streams.process_managers.paper_fills import PaperFills
from streams.process_managers.risk_watch import RiskWatch
from streams.unit_of_work import Clock


def wall_clock() -> datetime:
    return datetime.now(UTC)


# A desk is served over either runtime; code that drives the embedded one (pump, start)
# keeps its type, the API asks only for `Desk[DeskRuntime]`.
R = TypeVar("R", bound=DeskRuntime, default=EmbeddedRuntime, covariant=True)


@dataclass(frozen=True)
class Desk(Generic[R]):
    store: DeskStore
    runtime: R
    instruments: Mapping[str, Instrument]
    clock: Clock


AnyDesk = Desk[DeskRuntime]
"""A desk over either runtime: what the API serves."""


def handlers_for(
    instruments: Mapping[str, Instrument], broker: PaperBroker, approver: str | None
) -> list[Handler]:
    """The process managers in the order they see each event."""
    handlers: list[Handler] = [
        PaperFills(broker),
        Execution(broker),
        RiskWatch(),
        CardExpiry(),
        FundingWatch(),
        Allocation(instruments, default_book(),
                   build_tagger(load_tagging_rules(), instruments.values())),
    ]
    if approver:
        handlers.append(AutoApprover(approver))
    return handlers


def bootstrap(
    store_url: str,
    instruments: Mapping[str, Instrument],
    *,
    approver: str | None = None,
    clock: Clock = wall_clock,
    start: bool = True,
) -> Desk[EmbeddedRuntime]:
    """Open the store, wire the embedded runtime, and (`start`) catch up with the log."""
    store = DeskStore(store_url)
    broker = PaperBroker()
    runtime = EmbeddedRuntime(store, handlers_for(instruments, broker, approver), clock)
    if start:
        runtime.start()
    return Desk(store, runtime, instruments, clock)


def bootstrap_worker_views(
    store_url: str, instruments: Mapping[str, Instrument], clock: Clock = wall_clock
) -> Desk[WorkerViews]:
    """Open the store and serve the Kafka runtime's workers' views: no handler runs here."""
    store = DeskStore(store_url)
    return Desk(store, WorkerViews(store, clock), instruments, clock)
