"""The daily cycle follows the exchange calendar: a weekday holiday runs no trading job."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from domain.ids import job_stream
from domain.session import IST
from streams.bootstrap import bootstrap
from streams.scheduler import Scheduler, SimulatedTimeline, daily_jobs


def test_schedule_when_a_weekday_is_an_exchange_holiday_then_only_funding_runs_that_day(
    tmp_path: Path,
) -> None:
    clock = SimulatedTimeline(datetime.combine(date(2026, 11, 23), time(0), IST))
    desk = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}", {}, clock=clock.now)
    try:
        Scheduler(desk, clock, daily_jobs()).run(
            datetime.combine(date(2026, 11, 25), time(23), IST))
        days = {day: date(2026, 11, day) for day in (23, 24, 25)}
        ran = desk.store.versions(job_stream(job, d) for job in ("pipeline", "eod-report",
                                                                  "funding")
                                  for d in days.values())
    finally:
        desk.store.close()

    assert job_stream("pipeline", days[23]) in ran
    assert job_stream("pipeline", days[24]) not in ran  # Guru Nanak Jayanti: no session
    assert job_stream("eod-report", days[24]) not in ran
    assert job_stream("funding", days[24]) in ran  # cash dates are calendar days
    assert job_stream("pipeline", days[25]) in ran
