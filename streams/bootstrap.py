"""The composition root: one place that wires store, runtime, broker and process managers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic

from typing_extensions import TypeVar

from adapters.brokers.paper.broker import PaperBroker
from adapters.eventstore.store import DeskStore
from adapters.files.strategy_book import default_book
from adapters.files.tagging_rules import load_tagging_rules
from domain.events import InstrumentListed
from domain.instruments import Instrument
from domain.strategy.book import StrategyBook
from domain.strategy.by_rule import rule_features
from domain.tagging import build_tagger
from streams import view_snapshots
from streams.embedded import EmbeddedRuntime
from streams.input_gate import InputGate
from streams.instrument_master import DatedInstruments
from streams.kafka.views import WorkerViews
from streams.ports import Broker, Clock, DeskRuntime
from streams.process_managers import ProcessManager, Reactions, reactions
from streams.process_managers.allocation import Allocation, DatedMaster
from streams.process_managers.approval_policy import PolicyApprover
from streams.process_managers.auto_approver import AutoApprover
from streams.process_managers.dca import DcaBuys
from streams.process_managers.execution import Execution
from streams.process_managers.expiry import CardExpiry
from streams.process_managers.funding import FundingWatch
from streams.process_managers.operator_exits import OperatorExits
from streams.process_managers.paper_fills import PaperFills
from streams.process_managers.risk_watch import RiskWatch
from streams.process_managers.rule_exits import RuleExits
from streams.process_managers.strategy_windows import StrategyWindows
from streams.routing.routes import VenueRoutes


def wall_clock() -> datetime:
    """The desk's `Clock` in production: UTC wall time."""
    return datetime.now(UTC)


# A desk is served over either runtime; code that drives the embedded one (pump, start)
# keeps its type, the API asks only for `Desk[DeskRuntime]`.
R = TypeVar("R", bound=DeskRuntime, default=EmbeddedRuntime, covariant=True)


@dataclass(frozen=True)
class Desk(Generic[R]):
    """A wired desk: its store, runtime, instruments, clock and the strategy book that
    decides cards and re-checks them at approval."""

    store: DeskStore
    runtime: R
    instruments: Mapping[str, Instrument]
    clock: Clock
    book: StrategyBook = field(default_factory=default_book)


AnyDesk = Desk[DeskRuntime]
"""A desk over either runtime: what the API serves."""


def reactions_for(
    instruments: Mapping[str, Instrument], broker: Broker, book: StrategyBook,
    approver: str | None, routes: VenueRoutes | None = None,
    dated: DatedMaster | None = None,
) -> Reactions:
    """The reactions table with its process managers wired (the AutoApprover only when
    an `approver` is named; each mandate's approval policy always); `dated`: the instrument
    master of each fact's day."""
    managers: list[ProcessManager] = [
        PaperFills(broker, routes),
        Execution(broker, routes),
        RiskWatch(),
        OperatorExits(broker),
        CardExpiry(),
        FundingWatch(),
        StrategyWindows(book),
        Allocation(instruments, book, build_tagger(load_tagging_rules(), instruments.values()),
                   dated),
        DcaBuys(instruments, book, dated),
        PolicyApprover(book),
        RuleExits(book),
    ]
    if approver:
        managers.append(AutoApprover(approver, book))
    return reactions(managers)


def bootstrap(
    store_url: str,
    instruments: Mapping[str, Instrument],
    *,
    approver: str | None = None,
    clock: Clock = wall_clock,
    start: bool = True,
    broker: Broker | None = None,
    book: StrategyBook | None = None,
    routes: VenueRoutes | None = None,
) -> Desk[EmbeddedRuntime]:
    """Open the store, wire the embedded runtime, and (`start`) catch up with the log.
    The broker is the paper broker and the book the shipped one unless given; `routes`
    sends some accounts' orders to remote venues (through the router) instead."""
    store = DeskStore(store_url)
    book = book if book is not None else default_book()
    broker = broker if broker is not None else PaperBroker()
    # Reactions size and price with the master of each fact's day (versions in the log).
    dated = DatedInstruments(store, instruments).on
    runtime = EmbeddedRuntime(store, reactions_for(instruments, broker, book, approver, routes,
                                                   dated),
                              clock, gate=InputGate(symbols=known_symbols(store, instruments)),
                              snapshot_every=view_snapshots.EVERY)
    runtime.view.research.clause_names = rule_features(book.bar_strategies)
    if start:
        runtime.start()
    return Desk(store, runtime, instruments, clock, book)


def bootstrap_worker_views(
    store_url: str, instruments: Mapping[str, Instrument], clock: Clock = wall_clock
) -> Desk[WorkerViews]:
    """Open the store and serve the Kafka runtime's workers' views: no handler runs here."""
    store = DeskStore(store_url)
    gate = InputGate(symbols=known_symbols(store, instruments))
    return Desk(store, WorkerViews(store, clock, gate=gate), instruments, clock)


def known_symbols(store: DeskStore, instruments: Mapping[str, Instrument]) -> frozenset[str]:
    """The desk's instruments and those the logged instrument master has added."""
    listed = store.read_all(types=(InstrumentListed.event_type,))
    return frozenset(instruments) | {rec.event.payload.symbol for rec in listed
                                     if isinstance(rec.event.payload, InstrumentListed)}
