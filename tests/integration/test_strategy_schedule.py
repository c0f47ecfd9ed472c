"""A strategy with an entry window on the sample day (embedded desk): momentum runs only
09:45-10:30 IST. What a trader would check: the window opens at 09:45 and closes at 10:30 on
the desk's own clock; momentum scores no signal outside it, and a setup it sees after the
close is recorded as skipped with the window as the reason.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pytest

from adapters.files.sample import SAMPLE_DIR, load_instruments
from adapters.files.strategy_book import BOOK_PATH, strategy_definitions
from domain.events import Recorded, SignalFiltered, SignalScored
from domain.events.strategies import StrategyWindowClosed, StrategyWindowOpened
from domain.session import IST
from streams import strategy_commands as sc
from streams.bootstrap import bootstrap
from streams.feed import day_steps, sample_day
from streams.process_managers.auto_approver import DEMO_POLICY
from streams.unit_of_work import UnitOfWork
from tests.fakes import FakeClock

WINDOW = "09:45-10:30"


def _windowed(path: Path) -> Path:
    """The shipped file with momentum allowed to enter only 09:45-10:30 IST."""
    text = BOOK_PATH.read_text(encoding="utf-8")
    start = text.index("  momentum:")
    at = text.index("    expiry_minutes: 10\n", start)
    path.write_text(f'{text[:at]}    windows: ["{WINDOW}"]\n{text[at:]}', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> list[Recorded]:
    folder = tmp_path_factory.mktemp("schedule-day")
    file = _windowed(folder / "windowed.yaml")
    day = sample_day(SAMPLE_DIR)
    clock = FakeClock(datetime(2026, 11, 27, 18, 0, tzinfo=IST))
    desk = bootstrap(
        f"sqlite:///{folder / 'desk.db'}",
        load_instruments(SAMPLE_DIR / "instruments.csv"),
        approver=DEMO_POLICY,
        clock=clock,
    )
    version = next(
        d for d in strategy_definitions(file.read_text(), str(file)) if d.name == "momentum"
    ).version_id
    chain = {"actor": "operator:asha", "correlation_id": "strategy-momentum"}
    deployed = False
    for step in day_steps(desk.runtime, desk.store, day, "operator:asha", clock):
        if step.index >= 0 and not deployed:  # the accounts are open, the market is not
            deployed = True
            for command in (
                sc.PublishStrategies(
                    **chain,
                    at=step.at,
                    text=file.read_text(),
                    source=str(file),
                    strategy="momentum",
                ),
                sc.DeployStrategy(
                    **chain,
                    at=step.at,
                    strategy="momentum",
                    version_id=version,
                    effective_from=step.at,
                    reason="mornings only",
                ),
            ):
                uow = UnitOfWork(desk.store, desk.clock)
                sc.handle(command, uow, desk.runtime.view, desk.book)
                desk.runtime.execute(uow)
        step.write()
    recorded = list(desk.store.read_all())
    desk.store.close()
    return recorded


def _ist(at: datetime) -> time:
    return at.astimezone(IST).time()


def test_window_when_the_desk_clock_reaches_its_end_then_it_closes_on_time(
    log: list[Recorded],
) -> None:
    marks = [
        (type(r.event.payload).__name__, _ist(r.event.payload.at), _ist(r.event.occurred_at))
        for r in log
        if isinstance(r.event.payload, StrategyWindowOpened | StrategyWindowClosed)
    ]

    assert marks == [
        ("StrategyWindowOpened", time(9, 45), time(9, 45)),
        ("StrategyWindowClosed", time(10, 30), time(10, 30)),
    ]


def test_signal_when_momentum_triggers_outside_its_window_then_skipped_with_the_reason(
    log: list[Recorded],
) -> None:
    momentum = [
        r.event
        for r in log
        if isinstance(r.event.payload, SignalScored | SignalFiltered)
        and r.event.payload.strategy == "momentum"
    ]
    scored = [_ist(e.occurred_at) for e in momentum if isinstance(e.payload, SignalScored)]
    skipped = [
        e.payload.reason
        for e in momentum
        if isinstance(e.payload, SignalFiltered) and "schedule" in e.payload.reason
    ]

    assert scored, "momentum scored nothing inside its window"
    assert all(time(9, 45) <= at < time(10, 30) for at in scored)
    assert skipped, "momentum never triggered outside its window"
    assert all(f"outside the entry window(s) {WINDOW}" in why for why in skipped)
