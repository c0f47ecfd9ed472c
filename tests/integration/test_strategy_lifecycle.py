"""Strategies run from the log: the sample day on the embedded desk with a new momentum
version tried on one account, then deployed to all, then momentum paused mid-day.

What a trader would check: the new version's cards are sized only where it was deployed
(the others keep the file's version); after the pause no momentum signal is scored, while
positions momentum opened earlier still leave by their brackets; and running the same log
of inputs and operator commands again decides exactly the same cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest

from adapters.files.sample import SAMPLE_DIR, load_instruments
from adapters.files.strategy_book import BOOK_PATH, default_book, strategy_definitions
from domain.events import (
    CardProposed,
    PositionClosed,
    Recorded,
    SignalFiltered,
    SignalScored,
)
from domain.session import IST
from domain.values import Leg
from streams import strategy_commands as sc
from streams.bootstrap import Desk, bootstrap
from streams.commands import Command
from streams.embedded import EmbeddedRuntime
from streams.feed import day_steps, sample_day
from streams.process_managers.auto_approver import DEMO_POLICY
from streams.unit_of_work import UnitOfWork
from tests.fakes import FakeClock

ONE_ACCOUNT = "sip-aggressive"
FILE_VERSION = default_book().version_ids["momentum"]


def _momentum_v2(path: Path) -> Path:
    """The shipped file with momentum's signals living 12 minutes instead of 10."""
    text = BOOK_PATH.read_text(encoding="utf-8")
    start = text.index("  momentum:")
    at = text.index("    expiry_minutes: 10", start)
    path.write_text(text[:at] + "    expiry_minutes: 12" + text[at + 22:], encoding="utf-8")
    return path


@dataclass(frozen=True)
class Day:
    log: list[Recorded]
    v2: str  # momentum's new version id
    paused_at: int  # log position of the pause


def _chain() -> dict[str, Any]:
    return {"actor": "operator:asha", "correlation_id": "strategy-momentum"}


def _command(desk: Desk[EmbeddedRuntime], command: Command) -> int:
    uow = UnitOfWork(desk.store, desk.clock)
    sc.handle(command, uow, desk.runtime.view, desk.book)
    return desk.runtime.execute(uow)[0].position


def _run_day(db: Path, v2_file: Path, clock_start: datetime) -> Day:
    """The sample day with: momentum v2 published and deployed to one account before the
    open, deployed to every account from 10:30, and momentum paused at 11:00 IST."""
    day = sample_day(SAMPLE_DIR)
    clock = FakeClock(clock_start)
    desk = bootstrap(f"sqlite:///{db}", load_instruments(SAMPLE_DIR / "instruments.csv"),
                     approver=DEMO_POLICY, clock=clock)
    ten_thirty = datetime.combine(day.day.date(), time(10, 30), IST)
    eleven = datetime.combine(day.day.date(), time(11, 0), IST)
    v2 = next(d for d in strategy_definitions(v2_file.read_text(), str(v2_file))
              if d.name == "momentum").version_id
    paused_at, opened = 0, False
    for step in day_steps(desk.runtime, desk.store, day, "operator:asha", clock):
        if step.index >= 0 and not opened:  # the accounts are open, the market is not
            opened = True
            _command(desk, sc.PublishStrategies(**_chain(), at=step.at, text=v2_file.read_text(),
                                                source=str(v2_file), strategy="momentum"))
            _command(desk, sc.DeployStrategy(**_chain(), at=step.at, strategy="momentum",
                                             version_id=v2, accounts=(ONE_ACCOUNT,),
                                             effective_from=step.at, reason="try it"))
            _command(desk, sc.DeployStrategy(**_chain(), at=step.at, strategy="momentum",
                                             version_id=v2, effective_from=ten_thirty,
                                             reason="tried: every account"))
        if step.at >= eleven and not paused_at:
            paused_at = _command(desk, sc.PauseStrategy(**_chain(), at=step.at,
                                                        strategy="momentum",
                                                        reason="volatile midday"))
        step.write()
    log = list(desk.store.read_all())
    desk.store.close()
    return Day(log, v2, paused_at)


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Day:
    folder = tmp_path_factory.mktemp("strategy-day")
    return _run_day(folder / "desk.db", _momentum_v2(folder / "v2.yaml"),
                    datetime(2026, 11, 27, 18, 0, tzinfo=IST))


def _momentum_signals(log: list[Recorded]) -> list[Recorded]:
    return [r for r in log if isinstance(r.event.payload, SignalScored | SignalFiltered)
            and r.event.payload.strategy == "momentum"]


def test_pause_when_mid_day_then_no_new_signal_from_the_next_bar_and_open_brackets_exit(
    day: Day,
) -> None:
    signals = _momentum_signals(day.log)
    assert [r for r in signals if r.position < day.paused_at], "momentum made no signal"
    assert [r.event.stream_id for r in signals if r.position > day.paused_at] == []
    opened_before = {r.event.stream_id for r in day.log if r.position < day.paused_at
                     and r.event.type == "OrderFilled" and "momentum" in r.event.stream_id}
    closed_after = [r.event.payload for r in day.log if r.position > day.paused_at
                    and isinstance(r.event.payload, PositionClosed)
                    and r.event.stream_id in opened_before]
    assert closed_after, "no position momentum opened before the pause closed after it"
    assert {p.exit_leg for p in closed_after} <= {Leg.STOP, Leg.TARGET}


def test_deploy_when_to_one_account_then_its_cards_are_sized_only_there(day: Day) -> None:
    cards = [(r.event.occurred_at.astimezone(IST).time(), r.event.payload) for r in day.log
             if isinstance(r.event.payload, CardProposed)
             and r.event.payload.strategy == "momentum"]
    before = [c for at, c in cards if at < time(10, 30)]
    assert {c.account_id for c in before if c.strategy_version == day.v2} == {ONE_ACCOUNT}
    assert {c.strategy_version for c in before if c.account_id != ONE_ACCOUNT} == {
        FILE_VERSION}
    # From 10:30 (the version change) only the new version makes momentum's signals.
    after = {r.event.payload.strategy_version for r in _momentum_signals(day.log)  # type: ignore[attr-defined]
             if r.event.occurred_at.astimezone(IST).time() >= time(10, 30)}
    assert after == {day.v2}


def test_replay_when_a_day_had_a_pause_and_a_version_change_then_the_same_cards_come_out(
    day: Day, tmp_path: Path,
) -> None:
    again = _run_day(tmp_path / "again.db", _momentum_v2(tmp_path / "v2.yaml"),
                     datetime(2026, 12, 1, 3, 0, tzinfo=IST))

    def cards(log: list[Recorded]) -> list[str]:
        return [r.event.payload.model_dump_json() for r in log
                if isinstance(r.event.payload, CardProposed)]

    assert cards(again.log) == cards(day.log)
    assert any(day.v2 in c for c in cards(day.log))
