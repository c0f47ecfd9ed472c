"""The sample day fed into a desk: the accounts opened, then each instant's facts in order.

`day_steps` is the one sequence of writes, over either runtime; `feed_day` runs it at once
(the demo, the Kafka stack, tests, benches) and `feed_day_paced` at a pace in desk time
(`desk serve --demo`). Only facts the store has not logged are written (`input_streams`),
so feeding a day twice adds nothing and a restarted feed goes on where it was; what
cannot be logged as given is logged as `InputRejected` with its reason (`input_gate.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

from adapters.eventstore.store import DeskStore
from adapters.files.sample import AccountSpec, day_feed, load_accounts, moved_feed
from domain.aggregates import Account, Cause, InputStream
from domain.calendar import TradingCalendar
from domain.ids import account_stream
from domain.inputs import InputFact
from domain.session import IST
from streams.input_gate import InputGate
from streams.ports import Clock, DeskRuntime
from streams.unit_of_work import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True)
class SampleDay:
    """The sample data folder and its day."""

    directory: Path
    day: datetime  # 09:00 IST of the sample day: when accounts are set up
    recorded: datetime | None = None  # the day the files hold, when fed as a later day

    @property
    def bars(self) -> Path:
        """The day's one-minute bars (CSV)."""
        return self.directory / "bars.csv"

    @property
    def news(self) -> Path:
        """The day's news and filings (JSON lines)."""
        return self.directory / "news.jsonl"

    @property
    def accounts(self) -> list[AccountSpec]:
        """The sample accounts, with their mandates and initial deposits."""
        return load_accounts(self.directory / "accounts.json")

    def groups(self) -> list[list[InputFact]]:
        """The day's facts grouped by instant, in desk-time order."""
        if self.recorded is None:
            return day_feed(self.bars, self.news, self.day)
        return moved_feed(day_feed(self.bars, self.news, self.recorded), self.day - self.recorded)


def sample_day(directory: Path) -> SampleDay:
    """The sample day in `directory` (its day read from the first bar)."""
    with (directory / "bars.csv").open() as f:
        f.readline()
        first = datetime.fromisoformat(f.readline().split(",")[1])
    day = first.astimezone(IST).replace(hour=9, minute=0, second=0, microsecond=0)
    return SampleDay(directory, day)


def later_day(day: SampleDay, sessions: int, calendar: TradingCalendar) -> SampleDay:
    """The sample day's facts fed again `sessions` trading days later (0: the day itself),
    as new facts of that day: a second day for demos (`desk demo --days 2`)."""
    if sessions == 0:
        return day
    recorded = day.recorded or day.day
    later = calendar.trading_day_after(recorded.date(), sessions)
    return SampleDay(day.directory, datetime.combine(later, recorded.timetz()), recorded)


def open_accounts(
    store: DeskStore, clock: Clock, commit: Callable[[UnitOfWork], object],
    specs: list[AccountSpec], operator: str, at: datetime,
) -> None:
    """Open each account with its mandate and initial deposit, once."""
    for spec in specs:
        uow = UnitOfWork(store, clock)
        cause = Cause(at, clock(), operator, f"setup-{spec.account_id}")
        account = uow.get(Account, account_stream(spec.account_id))
        if not account.exists:
            account.open(spec.name, cause)
        account.set_mandate(spec.mandate, "opened from sample accounts", cause)
        account.deposit(spec.initial_deposit, "initial-deposit", cause)
        commit(uow)


def input_streams(
    facts: Iterable[InputFact], store: DeskStore, clock: Clock, gate: InputGate | None = None
) -> list[InputStream]:
    """Write-once streams for the facts to log: what `gate` lets in (new facts that pass,
    and a rejection with its reason for each that does not; see `input_gate.py`)."""
    streams = []
    for fact in (gate if gate is not None else InputGate()).screen(facts, store):
        cause = Cause(fact.occurred_at, clock(), fact.source, fact.stream_id)
        stream = InputStream.at(fact.stream_id, fact.version)
        stream.append(fact.payload, cause)
        streams.append(stream)
    return streams


@dataclass(frozen=True)
class Step:
    """One write of the day: an account's opening (`index` -1), then each instant's facts."""

    index: int
    at: datetime
    write: Callable[[], int]  # returns how many events or streams it wrote


def day_steps(runtime: DeskRuntime, store: DeskStore, day: SampleDay, actor: str,
              clock: Clock, until: datetime | None = None) -> Iterator[Step]:
    """The day's writes through `runtime`, up to the instant `until` (inclusive): each
    account's opening, then each instant's inputs."""

    def opening(spec: AccountSpec) -> int:
        """Open one sample account (nothing when it is already open as specified)."""
        written: list[int] = []
        open_accounts(store, clock, lambda uow: written.append(len(runtime.execute(uow))),
                      [spec], actor, day.day)
        return sum(written)

    def ingest(group: list[InputFact]) -> int:
        """Feed one instant's inputs; how many streams were new."""
        return runtime.ingest(group)

    for spec in day.accounts:
        yield Step(-1, day.day, partial(opening, spec))
    for i, group in enumerate(day.groups()):
        if until is not None and group[0].occurred_at > until:
            return
        yield Step(i, group[0].occurred_at, partial(ingest, group))


def feed_day(runtime: DeskRuntime, store: DeskStore, day: SampleDay, actor: str,
             clock: Clock, *, settle: Callable[[], None] | None = None,
             until: datetime | None = None,
             after_group: Callable[[int], None] | None = None) -> None:
    """Feed the day at once. `settle` runs after each write that wrote something: the
    Kafka runtime waits there for the workers' reactions, so inputs and reactions
    interleave as on the embedded desk. `after_group(i)` runs after each instant (where
    fault tests strike)."""
    for step in day_steps(runtime, store, day, actor, clock, until):
        if step.write() and settle is not None:
            settle()
        if after_group is not None and step.index >= 0:
            after_group(step.index)


class Writer(Protocol):
    """Runs one write where writes are serialised (the API's gate)."""

    def __call__(self, fn: Callable[[], T], /) -> Awaitable[T]: ...


async def feed_day_paced(runtime: DeskRuntime, store: DeskStore, day: SampleDay, actor: str,
                         clock: Clock, write: Writer, pace: float,
                         settle: Callable[[], None] | None = None) -> None:
    """Feed the day at `pace` wall seconds per desk minute, each write through `write`.
    Facts already logged are skipped without waiting, so a restarted feed catches up."""
    previous: Step | None = None
    added = 0
    for step in day_steps(runtime, store, day, actor, clock):
        if previous is not None and previous.index >= 0 and added and pace > 0:
            await asyncio.sleep(pace * (step.at - previous.at).total_seconds() / 60)
        added = await write(step.write)
        if added and settle is not None:
            # Outside the writer's lock: while the workers react, the API keeps answering
            # reads and taking operators' commands.
            await asyncio.to_thread(settle)
        previous = step
