"""The desk's daily cycle, on an injectable clock: real time, or simulated time alike.

Jobs and their times (IST): pre-open ingest 08:30, funding 08:45 (SIP and dated tranches;
drawdown tranches are released by the index bar itself, see `FundingWatch`), morning
pipeline 09:15, card expiry 15:35, EOD report 15:45. Market jobs run on weekdays; funding
runs every day. Each (job, day) runs once: its `JobCompleted` stream is written once, in
the same commit as what the job wrote where the job writes through one unit of work.

The pre-open ingest feeds the day's facts stamped up to its run; once it has run, the
scheduler feeds each later fact (the day's bars and news) as the clock passes it, so the
desk decides through the day, in the day's time, between the jobs.

After downtime the scheduler runs today's jobs whose time has passed; days it slept
through are not replayed, except funding, which credits every missed due installment
(the Account refuses a second credit of the same one).
"""

from __future__ import annotations

import time as walltime
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path

import structlog

from domain.aggregates import Cause, DailyReport, JobRun
from domain.ids import job_stream, report_stream
from domain.inputs import InputFact
from domain.session import IST
from projections.approval_queue import pending
from projections.report import eod_report
from streams.bootstrap import AnyDesk
from streams.embedded import EmbeddedRuntime
from streams.eod_files import EodFiles
from streams.ports import Timeline
from streams.process_managers.expiry import expire_due
from streams.process_managers.funding import credit_dated
from streams.unit_of_work import UnitOfWork

log = structlog.get_logger("eventdesk.scheduler")
ACTOR = "scheduler"


class RealTimeline:
    """The wall clock, as a `Timeline` the scheduler sleeps on."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)

    def sleep_until(self, at: datetime) -> None:
        """Sleep until `at` (at once when it has passed)."""
        walltime.sleep(max(0.0, (at - self.now()).total_seconds()))


class SimulatedTimeline:
    """Time that moves only when the scheduler sleeps: a month runs in moments."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        """The simulated time."""
        return self._now

    def sleep_until(self, at: datetime) -> None:
        """Move time forward to `at`; it never goes back."""
        self._now = max(self._now, at)


Source = Callable[[date], Iterable[InputFact]]


@dataclass(frozen=True)
class Job:
    """One daily job: its name, its IST time, what it does, and whether weekends skip it."""

    name: str
    at: time  # IST
    run: Callable[[AnyDesk, date, Cause], str]  # does the day's work; returns the outcome
    weekdays_only: bool = True  # skipped on days the exchange does not trade (the calendar)


@dataclass(frozen=True)
class Ran:
    """A job that ran: which, for which day, when, and its outcome."""

    job: str
    day: date
    at: datetime
    outcome: str


@dataclass
class Fed:
    """What the scheduler's feed delivered on one day: how many new facts, first and last."""

    facts: int = 0
    first: datetime | None = None
    last: datetime | None = None


def daily_jobs(source: Source | None = None, reports: Path | None = None) -> tuple[Job, ...]:
    """The desk's day; `source` gives each day's outside facts: the pre-open ingest feeds
    those stamped up to its run, the `Scheduler`'s feed the rest as the clock passes them.
    With `reports`, the EOD job also writes the day's report (JSON, HTML) there, drawn
    from a report index it keeps up to date (`EodFiles`)."""
    def ingest(desk: AnyDesk, day: date, cause: Cause) -> str:
        """Feed the facts stamped up to now, instant by instant; say what was new and what
        the feed will deliver later."""
        if source is None:
            return "no source configured: nothing to ingest"
        facts = list(source(day))
        count = 0
        for group in _by_instant(f for f in facts if f.occurred_at <= cause.occurred_at):
            count += desk.runtime.ingest(group)
        later = sum(f.occurred_at > cause.occurred_at for f in facts)
        return f"{count} new facts ingested" + (
            f"; {later} later ones are fed as the clock passes them" if later else "")

    return (
        Job("ingest", time(8, 30), ingest),
        Job("funding", time(8, 45), _funding, weekdays_only=False),
        Job("pipeline", time(9, 15), _pipeline),
        Job("expiry", time(15, 35), _expiry),
        Job("eod-report", time(15, 45),
            partial(_report, files=EodFiles(reports) if reports else None)),
    )


def _by_instant(facts: Iterable[InputFact]) -> list[list[InputFact]]:
    """Facts in desk-time order, grouped by instant, as the embedded runtime takes them."""
    groups: list[list[InputFact]] = []
    for fact in sorted(facts, key=lambda f: (f.occurred_at, f.stream_id, f.version)):
        if groups and groups[-1][0].occurred_at == fact.occurred_at:
            groups[-1].append(fact)
        else:
            groups.append([fact])
    return groups


def _funding(desk: AnyDesk, day: date, cause: Cause) -> str:
    uow = UnitOfWork(desk.store, desk.clock)
    credited = credit_dated(uow, desk.runtime.view, day, cause)
    return _complete(desk, uow, "funding", day, cause,
                     f"{len(credited)} installments credited" + (
                         f": {', '.join(credited)}" if credited else ""))


def _pipeline(desk: AnyDesk, day: date, cause: Cause) -> str:
    # The embedded desk reacts here to whatever is pending; on the Kafka runtime the
    # workers reacted as each event was relayed: nothing to run, only the day to report.
    processed = desk.runtime.pump() if isinstance(desk.runtime, EmbeddedRuntime) else 0
    view = desk.runtime.view
    waiting = len(pending(view.cards))
    return (f"{processed} events processed; so far {view.counts.get('SignalScored', 0)} "
            f"signals, {view.counts.get('CardProposed', 0)} cards proposed and "
            f"{view.counts.get('CardBlocked', 0)} blocked; {waiting} wait for approval")


def _expiry(desk: AnyDesk, day: date, cause: Cause) -> str:
    uow = UnitOfWork(desk.store, desk.clock)
    earlier = desk.runtime.view.counts.get("CardExpired", 0)
    expired = expire_due(uow, desk.runtime.view, cause.occurred_at, cause)
    return _complete(desk, uow, "expiry", day, cause,
                     f"{len(expired)} cards expired now; {earlier} had expired earlier, as "
                     f"bars passed their expiry")


def _report(desk: AnyDesk, day: date, cause: Cause, files: EodFiles | None = None) -> str:
    uow = UnitOfWork(desk.store, desk.clock)
    report = eod_report(desk.runtime.view, day)
    uow.get(DailyReport, report_stream(day)).publish(report, cause)
    written = f"; {files.write(desk.store, day)}" if files else ""
    return _complete(desk, uow, "eod-report", day, cause,
                     f"EOD report for {len(report.accounts)} accounts at log position "
                     f"{report.as_of_position}{written}")


def _complete(desk: AnyDesk, uow: UnitOfWork, job: str, day: date, cause: Cause,
              outcome: str) -> str:
    """Record the run with what the job wrote, in one commit, and let the desk react."""
    uow.get(JobRun, job_stream(job, day)).complete(job, day, outcome, cause)
    desk.runtime.execute(uow)
    return outcome


class Scheduler:
    """Runs each daily job at its time, once a day; a restart skips what already ran."""

    def __init__(self, desk: AnyDesk, clock: Timeline, jobs: Sequence[Job] | None = None,
                 feed: Source | None = None) -> None:
        self.desk = desk
        self.clock = clock
        self.jobs = tuple(jobs if jobs is not None else daily_jobs(feed))
        self.feed = feed
        self.fed: dict[date, Fed] = {}
        self._queued: deque[list[InputFact]] = deque()
        self._queued_day: date | None = None

    def run_due(self) -> list[Ran]:
        """Run every job of today whose time has come and whose run is not logged yet."""
        now = self.clock.now()
        day = now.astimezone(IST).date()
        ran = []
        for job in self.jobs:
            if job.weekdays_only and not self._trading(day):
                continue
            if self._due_at(job, day) > now or self._done(job, day):
                continue
            cause = Cause(now, self.desk.clock(), ACTOR, job_stream(job.name, day))
            outcome = job.run(self.desk, day, cause)
            if not self._done(job, day):  # jobs that commit on their own are recorded after
                uow = UnitOfWork(self.desk.store, self.desk.clock)
                _complete(self.desk, uow, job.name, day, cause, outcome)
            log.info("job ran", job=job.name, day=str(day), outcome=outcome,
                     correlation_id=cause.correlation_id)
            ran.append(Ran(job.name, day, now, outcome))
        return ran

    def run(self, until: datetime | None = None) -> list[Ran]:
        """Run the cycle until `until` (forever when None), sleeping between jobs."""
        ran: list[Ran] = []
        while True:
            ran += self.run_due()
            wake = self.next_run()
            last = until is not None and wake > until
            stop = until if last and until is not None else wake
            self._feed_until(stop)
            self.clock.sleep_until(stop)
            if last:
                return ran

    def _feed_until(self, until: datetime) -> None:
        """Feed today's facts after the pre-open ingest, each when the clock reaches it (up
        to `until`); facts already logged are skipped, so a restart repeats nothing."""
        if self.feed is None:
            return
        day = self.clock.now().astimezone(IST).date()
        ingest = next((j for j in self.jobs if j.name == "ingest"), None)
        if ingest is None or not self._done(ingest, day):
            return
        if self._queued_day != day:
            after = self._due_at(ingest, day)
            self._queued = deque(g for g in _by_instant(self.feed(day))
                                 if g[0].occurred_at > after)
            self._queued_day = day
        while self._queued and self._queued[0][0].occurred_at <= until:
            group = self._queued.popleft()
            self.clock.sleep_until(group[0].occurred_at)
            new = self.desk.runtime.ingest(group)
            if new:
                fed = self.fed.setdefault(day, Fed())
                fed.facts += new
                fed.first = fed.first or group[0].occurred_at
                fed.last = group[0].occurred_at

    def next_run(self) -> datetime:
        """When the next job is due after now."""
        now = self.clock.now()
        day = now.astimezone(IST).date()
        for offset in range(8):
            for job in sorted(self.jobs, key=lambda j: j.at):
                d = day + timedelta(days=offset)
                at = self._due_at(job, d)
                if at > now and not (job.weekdays_only and not self._trading(d)):
                    return at
        raise AssertionError("no job in a week: the job list is empty")

    def _trading(self, day: date) -> bool:
        """Whether the exchange trades on `day` (weekends and holidays: no)."""
        return self.desk.book.calendar.trading_day(day)

    @staticmethod
    def _due_at(job: Job, day: date) -> datetime:
        return datetime.combine(day, job.at, IST)

    def _done(self, job: Job, day: date) -> bool:
        return self.desk.runtime.view.stream_versions.get(job_stream(job.name, day), 0) > 0
