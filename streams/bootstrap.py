"""The composition root: one place that wires store, runtime, broker and handlers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.eventstore.store import DeskStore
from adapters.files.strategy_book import default_book
from adapters.files.tagging_rules import load_tagging_rules
from adapters.paper.broker import PaperBroker
from domain.instruments import Instrument
from domain.tagging import build_tagger
from streams.embedded import EmbeddedRuntime
from streams.handlers import Handler
from streams.handlers.allocation import Allocation
from streams.handlers.execution import Execution
from streams.handlers.expiry import CardExpiry
from streams.handlers.funding import FundingWatch
from streams.handlers.operator import AutoApprover
from streams.handlers.paper_fills import PaperFills
from streams.handlers.risk_watch import RiskWatch
from streams.unit_of_work import Clock


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Desk:
    store: DeskStore
    runtime: EmbeddedRuntime
    instruments: Mapping[str, Instrument]
    clock: Clock


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
) -> Desk:
    """Open the store, wire the embedded runtime, and (`start`) catch up with the log."""
    store = DeskStore(store_url)
    broker = PaperBroker()
    runtime = EmbeddedRuntime(store, handlers_for(instruments, broker, approver), clock)
    if start:
        runtime.start()
    return Desk(store, runtime, instruments, clock)
