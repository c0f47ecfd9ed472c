"""The daily cycle inside a live desk (`desk run`): the scheduler's due jobs, run through
the same writer as the feeds and operator commands, checked every few seconds.

A live desk's outside facts come from its feeds, so the scheduler here has no file
source: its pre-open ingest says so, and funding, the morning pipeline, card expiry and
the EOD report run at their times as under `desk schedule`.
"""

from __future__ import annotations

import asyncio

import structlog

from streams.feed import Writer
from streams.scheduler import Ran, Scheduler

log = structlog.get_logger("eventdesk.run")


async def run_jobs(scheduler: Scheduler, write: Writer, every: float = 5.0) -> None:
    """Run whatever job is due, every `every` seconds, until cancelled."""
    while True:
        ran: list[Ran] = await write(scheduler.run_due)
        for r in ran:
            log.info("scheduled job ran", job=r.job, day=str(r.day), outcome=r.outcome)
        await asyncio.sleep(every)
