"""The daily cycle in simulated time on a real SQLite store: a month of SIP dates, a
downtime gap and an index drawdown, each installment credited exactly once.

The account opens on Sun 1 Nov 2026 with 5 lakh, a SIP of 25,000 on the 5th (3 months), a
tranche of 1 lakh dated 20 Nov and a tranche of 2 lakh when NIFTY falls 10% from its high.
NIFTY's sessions (each ingested pre-open the next weekday) peak at 24,500 on 5 Nov and close
at 21,900 on 10 Nov, 10.6% down. The scheduler runs 1-12 Nov, is down until Tue 8 Dec.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain import intake
from domain.events import BarClosed, CashDeposited, DailyReportPublished, TrancheReleased
from domain.inputs import InputFact
from domain.session import IST
from streams.bootstrap import Desk, bootstrap
from streams.commands import OpenAccount, handle
from streams.scheduler import Scheduler, SimulatedTimeline, daily_jobs
from streams.unit_of_work import UnitOfWork

NIFTY_CLOSES = {  # session day -> close
    date(2026, 11, 2): "24000", date(2026, 11, 3): "24200", date(2026, 11, 4): "24400",
    date(2026, 11, 5): "24500", date(2026, 11, 6): "24300", date(2026, 11, 9): "23000",
    date(2026, 11, 10): "21900", date(2026, 11, 11): "22100",
}
CAPITAL = ("5 lakh now, then SIP 25,000 on the 5th for 3 months, tranche of 1 lakh on "
           "2026-11-20 and tranche of 2 lakh if Nifty falls 10%")


def at(day: int, hour: int = 0, month: int = 11) -> datetime:
    return datetime.combine(date(2026, month, day), time(hour), IST)


def previous_session(day: date) -> Iterator[InputFact]:
    """The pre-open feed of `day`: the last NIFTY session before it."""
    before = day - timedelta(days=1)
    while before.weekday() >= 5:
        before -= timedelta(days=1)
    close = NIFTY_CLOSES.get(before)
    if close is None:
        return
    start = datetime.combine(before, time(9, 15), IST)
    price = Decimal(close)
    bar = BarClosed(symbol="NIFTY", start=start, end=start.replace(hour=15, minute=30),
                    open=price, high=price, low=price, close=price, volume=0)
    yield InputFact(f"bars-NIFTY-{before:%Y%m%d}", 1, bar, bar.end, "feed:nse-index")


def desk_on(db: Path, clock: SimulatedTimeline) -> Desk:
    return bootstrap(f"sqlite:///{db}", {}, clock=clock.now)


def open_growth_account(desk: Desk, clock: SimulatedTimeline) -> None:
    session, _ = intake.start("growth", "Growth — SIP", ())
    session, reply = intake.answer_all(session, {"capital": CAPITAL})
    assert reply.step is intake.Step.CONFIRM, reply.reason
    uow = UnitOfWork(desk.store, clock.now)
    handle(OpenAccount(actor="operator:asha", at=clock.now(), correlation_id="intake-growth",
                       opening=intake.confirm(session)), uow, desk.runtime.view, desk.book)
    desk.runtime.execute(uow)


def run(db: Path, start: datetime, until: datetime) -> Desk:
    """One scheduler process: a fresh desk on the store, from `start` until `until`."""
    clock = SimulatedTimeline(start)
    desk = desk_on(db, clock)
    Scheduler(desk, clock, daily_jobs(previous_session)).run(until)
    return desk


def deposits(desk: Desk) -> list[tuple[str, str]]:
    return [(r.event.payload.reference, str(r.event.occurred_at.astimezone(IST).date()))
            for r in desk.store.read_all() if isinstance(r.event.payload, CashDeposited)]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "desk.db"
    clock = SimulatedTimeline(at(1, 8))
    desk = desk_on(path, clock)
    open_growth_account(desk, clock)
    desk.store.close()
    return path


def test_schedule_when_a_month_with_downtime_runs_then_every_installment_credited_once(
    db: Path,
) -> None:
    run(db, at(1, 9), at(12, 12)).store.close()
    run(db, at(8, 9, month=12), at(8, 18, month=12)).store.close()

    desk = run(db, at(8, 9, month=12), at(8, 18, month=12))  # a second run of the same day

    assert deposits(desk) == [
        ("initial-deposit", "2026-11-01"),
        ("growth/plan-1/sip-1", "2026-11-05"),
        # NIFTY's 10 Nov close, 10.6% down (ingested 11 Nov): released at the bar's time.
        ("growth/plan-1/tranche-2", "2026-11-10"),
        ("growth/plan-1/sip-2", "2026-12-08"),  # due 5 Dec, credited on waking 8 Dec
        ("growth/plan-1/tranche-1", "2026-12-08"),  # dated 20 Nov, inside the gap
    ]
    cash = desk.runtime.view.cash["growth"]
    assert cash.deposits == Decimal("850000.00")
    released = [r.event for r in desk.store.read_all()
                if isinstance(r.event.payload, TrancheReleased)]
    drawdown = next(e for e in released if e.payload.sequence == 2)
    assert "NIFTY closed at 21900, 10.61% below its high 24500" in drawdown.payload.condition
    assert drawdown.payload.evidence and drawdown.actor == "treasury"


def test_schedule_when_the_same_days_run_again_then_nothing_is_credited_or_run_twice(
    db: Path,
) -> None:
    first = run(db, at(1, 9), at(12, 12))
    head = first.store.head()
    first.store.close()

    again = run(db, at(1, 9), at(12, 12))

    assert again.store.head() == head
    jobs = [r.event.stream_id for r in again.store.read_all() if r.event.type == "JobCompleted"]
    assert len(jobs) == len(set(jobs))
    # 12 days of funding; 9 weekdays (2-6, 9-12 Nov) of ingest, pipeline, expiry, report
    # except 12 Nov, stopped at noon: ingest and pipeline only.
    assert len(jobs) == 12 + 8 * 4 + 2


def test_schedule_when_a_weekday_ends_then_the_eod_report_has_each_account_cash(
    db: Path,
) -> None:
    desk = run(db, at(5, 9), at(5, 18))

    reports = [r.event.payload for r in desk.store.read_all()
               if isinstance(r.event.payload, DailyReportPublished)]

    assert [r.day for r in reports] == [date(2026, 11, 5)]
    (growth,) = reports[0].accounts
    assert (growth.account_id, growth.deposits) == ("growth", Decimal("525000.00"))
    # The account's mandate holds a 10% buffer (the intake's default) of funded capital.
    assert (growth.buffer, growth.available) == (Decimal("52500.00"), Decimal("472500.00"))
