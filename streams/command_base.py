"""What every operator command is and what it runs against; the commands themselves live in
`streams.commands` (and, for operator exits, `streams.exit_commands`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.aggregates import Cause
from domain.strategy.book import StrategyBook
from projections.desk import DeskView
from streams.unit_of_work import UnitOfWork


@dataclass(frozen=True, kw_only=True)
class Command:
    """Who acts (`actor`), at what desk time (`at`), continuing which causal chain."""

    actor: str
    at: datetime
    correlation_id: str
    causation_id: UUID | None = None


@dataclass(frozen=True)
class Step:
    """What a command runs against: the unit of work, the read model, the desk's
    strategy book, and the cause every event it records carries."""

    uow: UnitOfWork
    view: DeskView
    book: StrategyBook
    cause: Cause
