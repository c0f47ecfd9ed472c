"""Operator commands on strategies: publish a strategy file's versions, deploy one, pause,
resume and retire. Run like every operator command (`streams.commands`): the caller
builds the command, runs `handle` with a unit of work and commits; a refusal raises a
`DomainError` whose message says why (the API: 409, the CLI: exit 1).

Publishing checks the file with the strategy book's own loader, so its errors name the
field (`strategies.momentum.stop_atr: ...`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.files.strategy_book import StrategyBookError, strategy_definitions
from domain.aggregates import Cause, DomainError, StrategyLifecycle
from domain.events import StrategyVersionPublished
from domain.ids import strategy_stream
from domain.strategy.book import StrategyBook
from projections.desk import DeskView
from streams.commands import Command
from streams.strategy_runs import file_version_id
from streams.unit_of_work import UnitOfWork


@dataclass(frozen=True, kw_only=True)
class PublishStrategies(Command):
    """Publish every new definition in a strategy file's text (or only `strategy`'s)."""

    text: str
    source: str
    strategy: str | None = None
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class DeployStrategy(Command):
    """Run a version for some accounts (none named: all) from a desk time."""

    strategy: str
    version_id: str
    accounts: tuple[str, ...] = ()
    effective_from: datetime
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class PauseStrategy(Command):
    """No new signals from the next bar for `accounts` (none named: every account)."""

    strategy: str
    reason: str
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ResumeStrategy(Command):
    """Signals again from the next bar for `accounts` (none named: every paused one)."""

    strategy: str
    reason: str
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RetireStrategy(Command):
    """Run it no more for `accounts` (none named: every account)."""

    strategy: str
    reason: str
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Step:
    uow: UnitOfWork
    view: DeskView
    book: StrategyBook
    cause: Cause


def handle(cmd: Command, uow: UnitOfWork, view: DeskView,
           book: StrategyBook) -> list[StrategyLifecycle]:
    """Run `cmd` in `uow` (the caller commits); the strategies it changed."""
    cause = Cause(cmd.at, uow.clock(), cmd.actor, cmd.correlation_id, cmd.causation_id)
    return _HANDLERS[type(cmd)](cmd, _Step(uow, view, book, cause))


def _publish(cmd: PublishStrategies, step: _Step) -> list[StrategyLifecycle]:
    try:
        definitions = strategy_definitions(cmd.text, cmd.source)
    except StrategyBookError as e:
        raise DomainError(str(e)) from None
    if cmd.strategy is not None:
        definitions = [d for d in definitions if d.name == cmd.strategy]
        if not definitions:
            raise DomainError(f"{cmd.source} has no strategy {cmd.strategy!r}")
    changed, known = [], []
    for d in definitions:
        line = step.uow.get(StrategyLifecycle, strategy_stream(d.name))
        if d.version_id in line.versions:
            known.append(d.version_id)
            continue
        line.publish(StrategyVersionPublished(
            strategy=d.name, version_id=d.version_id, sha256=d.sha256,
            definition=d.definition, label=d.label, notes=cmd.notes), step.cause)
        changed.append(line)
    if not changed:
        raise DomainError(f"nothing new in {cmd.source}: already published as "
                          f"{', '.join(known)}")
    return changed


def _known_accounts(accounts: tuple[str, ...], step: _Step) -> None:
    unknown = [a for a in accounts if a not in step.view.accounts]
    if unknown:
        raise DomainError(f"unknown account(s) {', '.join(unknown)}")


def _deploy(cmd: DeployStrategy, step: _Step) -> list[StrategyLifecycle]:
    _known_accounts(cmd.accounts, step)
    line = step.uow.get(StrategyLifecycle, strategy_stream(cmd.strategy))
    file_version = (file_version_id(step.book, cmd.strategy)
                    if cmd.strategy in step.book.strategies else "")
    line.deploy(cmd.version_id, cmd.accounts, cmd.effective_from, cmd.reason, step.cause,
                file_version)
    return [line]


def _known(step: _Step, name: str) -> StrategyLifecycle:
    line = step.uow.get(StrategyLifecycle, strategy_stream(name))
    if name not in step.book.strategies and not line.versions:
        known = sorted({*step.book.strategies, *step.view.strategies.by_name})
        raise DomainError(f"unknown strategy {name!r} (known: {', '.join(known)})")
    return line


def _pause(cmd: PauseStrategy, step: _Step) -> list[StrategyLifecycle]:
    _known_accounts(cmd.accounts, step)
    line = _known(step, cmd.strategy)
    line.pause(cmd.reason, step.cause, cmd.accounts)
    return [line]


def _resume(cmd: ResumeStrategy, step: _Step) -> list[StrategyLifecycle]:
    _known_accounts(cmd.accounts, step)
    line = _known(step, cmd.strategy)
    line.resume(cmd.reason, step.cause, cmd.accounts)
    return [line]


def _retire(cmd: RetireStrategy, step: _Step) -> list[StrategyLifecycle]:
    _known_accounts(cmd.accounts, step)
    line = _known(step, cmd.strategy)
    line.retire(cmd.reason, step.cause, cmd.accounts)
    return [line]


# Command type -> the function that runs it.
_HANDLERS: dict[type[Command], Callable[[Any, _Step], list[StrategyLifecycle]]] = {
    PublishStrategies: _publish,
    DeployStrategy: _deploy,
    PauseStrategy: _pause,
    ResumeStrategy: _resume,
    RetireStrategy: _retire,
}
