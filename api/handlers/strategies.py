"""Strategies: the table, one strategy, and the operator's commands on them (admin:
publish, deploy, retire; approver: pause, resume). Commands run in the gate's writer,
act at the desk's time and let the desk react; a refusal is a 409 with the reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from api.context import Call
from api.errors import conflict, not_found
from api.strategy_day import StrategyToday, day_events, tally
from api.strategy_plans import dca_plans
from api.strategy_resources import (
    DeployBody,
    PauseBody,
    PublishBody,
    StrategyChange,
    StrategyList,
    StrategyResource,
    resource,
)
from domain.aggregates import DomainError, StaleWrite
from domain.ids import STRATEGY_PREFIX
from projections.risk import trading_day
from projections.strategy_table import strategy_table
from streams.bootstrap import AnyDesk
from streams.commands import Command
from streams.strategy_commands import (
    DeployStrategy,
    PauseStrategy,
    PublishStrategies,
    ResumeStrategy,
    RetireStrategy,
    handle,
)
from streams.unit_of_work import UnitOfWork


async def list_strategies(call: Call) -> StrategyList:
    """Every strategy of the file or the log, with the version each account runs now and
    what it did on the desk's IST day."""
    state = call.state
    day = trading_day(state.desk_time())
    span = await state.reports.day_span(state.gate, state.desk.store, day)
    events = await state.gate.read_store(day_events, state.desk.store, span)
    async with state.gate.reading():
        today = tally(day, events, state.desk.runtime.view)
        return StrategyList(strategies=_resources(state.desk, state.desk_time(), today))


async def get_strategy(call: Call) -> StrategyResource:
    """One strategy: versions, deployments and pause."""
    async with call.state.gate.reading():
        return _one(call, call.path["strategy"])


async def publish_strategies(call: Call) -> StrategyChange:
    """Publish the new definitions of a strategy file's text."""
    body = call.body
    assert isinstance(body, PublishBody)
    return await _run(call, lambda at: PublishStrategies(
        actor=call.actor, at=at, correlation_id="strategy-publish", text=body.text,
        source="the published text", strategy=body.strategy, notes=body.notes))


async def deploy_strategy(call: Call) -> StrategyChange:
    """Run a version for every account or some, from a desk time."""
    body, name = call.body, call.path["strategy"]
    assert isinstance(body, DeployBody)
    return await _run(call, lambda at: DeployStrategy(
        actor=call.actor, at=at, correlation_id=STRATEGY_PREFIX + name, strategy=name,
        version_id=body.version_id, accounts=tuple(body.accounts),
        effective_from=body.effective_from or at, reason=body.reason), name)


async def pause_strategy(call: Call) -> StrategyChange:
    """No new signals from the next bar; open positions keep their exits."""
    return await _for_accounts(call, PauseStrategy)


async def resume_strategy(call: Call) -> StrategyChange:
    """Signals again from the next bar."""
    return await _for_accounts(call, ResumeStrategy)


async def retire_strategy(call: Call) -> StrategyChange:
    """Run the strategy for no account any more (or for none of the accounts named)."""
    return await _for_accounts(call, RetireStrategy)


async def _for_accounts(call: Call,
                       kind: type[PauseStrategy | ResumeStrategy | RetireStrategy]
                       ) -> StrategyChange:
    """Pause, resume or retire, for the accounts the body names (none: every account)."""
    body, name = call.body, call.path["strategy"]
    assert isinstance(body, PauseBody)
    return await _run(call, lambda at: kind(
        actor=call.actor, at=at, correlation_id=STRATEGY_PREFIX + name, strategy=name,
        reason=body.reason, accounts=tuple(body.accounts)), name)


async def _run(call: Call, build: Callable[..., Command], name: str | None = None
               ) -> StrategyChange:
    state = call.state

    def write() -> StrategyChange:
        desk = state.desk
        if name is not None and not _known(desk, name):
            raise not_found("strategy", f"no strategy {name!r}")
        uow = UnitOfWork(desk.store, desk.clock)
        try:
            changed = handle(build(state.desk_time()), uow, desk.runtime.view, desk.book)
            recorded = desk.runtime.execute(uow)
        except DomainError as e:
            raise conflict("refused", str(e)) from None
        except StaleWrite as e:
            raise conflict("concurrent_write", f"{e}; read again and retry") from None
        rows = {r.name: r for r in _resources(desk, state.desk_time())}
        return StrategyChange(events=[r.event.type for r in recorded],
                              strategies=[rows[c.name] for c in changed])

    return await state.gate.write(write)


def _known(desk: AnyDesk, name: str) -> bool:
    return name in desk.book.strategies or name in desk.runtime.view.strategies.by_name


def _resources(desk: AnyDesk, at: datetime,
               today: dict[str, StrategyToday] | None = None) -> list[StrategyResource]:
    view = desk.runtime.view
    plans = dca_plans(view, desk.book, at)
    day = trading_day(at)
    return [resource(r, plans.get(r.name),
                     None if today is None else today.get(r.name, StrategyToday(
                         day=day, signals=0, cards=0, fills=0)))
            for r in strategy_table(view, desk.book, at)]


def _one(call: Call, name: str) -> StrategyResource:
    one = next((r for r in _resources(call.state.desk, call.state.desk_time())
                if r.name == name), None)
    if one is None:
        raise not_found("strategy", f"no strategy {name!r}")
    return one
