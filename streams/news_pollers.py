"""Polling news sources into the desk: each poll's items go through the news intake (the
webhook's path), a source that cannot be read is logged as `InputRejected`, and the
poller goes on. `poll_once` is one round (tests, `desk news poll --once`); `run_pollers`
repeats it until stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.news import Outcome
from streams.feed import Writer
from streams.news_intake import ItemResult, NewsIntake
from streams.ports import Clock, NewsSource


@dataclass
class SourceState:
    """What the desk knows of one source: shown by `desk news poll` (and for /ready)."""

    channel: str
    polls: int = 0
    last_poll_at: datetime | None = None
    last_error: str = ""
    counts: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in Outcome})


async def poll_source(source: NewsSource, intake: NewsIntake, write: Writer, clock: Clock,
                      state: SourceState) -> list[ItemResult]:
    """Poll one source and admit what it brought; the per-item results."""
    polled = await source.poll()
    state.polls += 1
    state.last_poll_at = clock()
    state.last_error = polled.error
    if polled.error:
        await write(lambda: intake.reject(polled.channel, polled.error, polled.raw))
        state.counts[Outcome.REJECTED.value] += 1
        return []
    if not polled.items:
        return []
    results = await write(lambda: intake.submit(polled.items, polled.channel))
    for result in results:
        state.counts[result.outcome.value] += 1
    return results


async def poll_once(sources: Sequence[NewsSource], intake: NewsIntake, write: Writer,
                    clock: Clock, states: dict[str, SourceState]) -> None:
    """One round over every source, one after another (writes are serialised anyway)."""
    for source in sources:
        state = states.setdefault(source.channel, SourceState(source.channel))
        await poll_source(source, intake, write, clock, state)


async def run_pollers(sources: Sequence[NewsSource], intake: NewsIntake, write: Writer,
                      clock: Clock, interval_s: float, stop: asyncio.Event,
                      states: dict[str, SourceState]) -> None:
    """Poll every `interval_s` seconds until `stop` is set; closes the sources at the end."""
    try:
        while not stop.is_set():
            await poll_once(sources, intake, write, clock, states)
            try:
                await asyncio.wait_for(stop.wait(), interval_s)
            except TimeoutError:
                continue
    finally:
        for source in sources:
            await source.close()
