"""The daily cycle inside a live desk: due jobs run through the writer the feeds use."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from adapters.files.sample import SAMPLE_DIR, load_instruments
from api.gate import DeskGate
from domain.ids import job_stream
from domain.session import IST
from streams.bootstrap import bootstrap
from streams.live_jobs import run_jobs
from streams.scheduler import Scheduler, SimulatedTimeline

MONDAY_0920 = datetime(2026, 11, 23, 9, 20, tzinfo=IST)


def test_run_jobs_when_the_morning_jobs_are_due_then_each_runs_once_through_the_gate(
    tmp_path: Path,
) -> None:
    timeline = SimulatedTimeline(MONDAY_0920)
    desk = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}",
                     load_instruments(SAMPLE_DIR / "instruments.csv"), clock=timeline.now)
    scheduler = Scheduler(desk, timeline)
    day = MONDAY_0920.date()
    jobs = [job_stream(name, day) for name in ("ingest", "funding", "pipeline", "expiry")]

    async def body() -> None:
        gate = DeskGate()
        task = asyncio.create_task(run_jobs(scheduler, gate.write, every=0.01))
        while not all(desk.store.versions(jobs[:3]).get(j) for j in jobs[:3]):
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # more rounds: nothing runs twice
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        gate.close()

    asyncio.run(asyncio.wait_for(body(), 120))

    versions = desk.store.versions(jobs)
    assert [versions.get(j) for j in jobs] == [1, 1, 1, None]  # expiry is due at 15:35
    [ingest] = desk.store.stream(jobs[0])
    assert ingest.payload.outcome == "no source configured: nothing to ingest"  # type: ignore[attr-defined]
