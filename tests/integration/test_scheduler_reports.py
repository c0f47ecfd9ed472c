"""The scheduler's EOD job writes the day's report files, in simulated time on a real
SQLite store; a directory it cannot write is recorded in the job's outcome, and the day's
cycle goes on."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path

from domain.events import JobCompleted
from domain.session import IST
from streams.scheduler import Scheduler, SimulatedTimeline, daily_jobs
from tests.integration.test_scheduler import desk_on, open_growth_account

FRIDAY = date(2026, 11, 20)


def _eod_outcome(db: Path, reports: Path) -> str:
    """Run Friday's cycle with an account open; the EOD job's recorded outcome."""
    clock = SimulatedTimeline(datetime.combine(FRIDAY, time(0), IST))
    desk = desk_on(db, clock)
    open_growth_account(desk, clock)
    Scheduler(desk, clock, daily_jobs(reports=reports)).run(
        datetime.combine(FRIDAY, time(16), IST))
    outcomes = [r.event.payload.outcome for r in desk.store.read_all()
                if isinstance(r.event.payload, JobCompleted)
                and r.event.payload.job == "eod-report"]
    desk.store.close()
    assert len(outcomes) == 1
    return outcomes[0]


def test_eod_job_when_a_reports_directory_is_set_then_writes_the_days_json_and_page(
        tmp_path: Path) -> None:
    reports = tmp_path / "reports"

    outcome = _eod_outcome(tmp_path / "desk.db", reports)

    data = json.loads((reports / "eod-2026-11-20.json").read_text())
    assert data["day"] == "2026-11-20" and [a["account_id"] for a in data["accounts"]] == [
        "growth"]
    assert data["accounts"][0]["equity"] == "600000.00"  # 5 lakh + the tranche dated today
    assert "End of day 2026-11-20" in (reports / "eod-2026-11-20.html").read_text()
    assert f"report written to {reports / 'eod-2026-11-20.html'}" in outcome


def test_eod_job_when_the_directory_cannot_be_written_then_outcome_says_so_and_day_completes(
        tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")

    outcome = _eod_outcome(tmp_path / "desk.db", blocked)

    assert "report files not written" in outcome and "EOD report for 1 accounts" in outcome
