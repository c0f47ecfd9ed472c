"""Write-once streams of the daily cycle: one per (job, day), one per day's EOD report."""

from __future__ import annotations

from datetime import date

from domain.aggregates.base import Aggregate, Cause
from domain.events import DailyReportPublished, JobCompleted


class JobRun(Aggregate):
    """A scheduled job's run for one day: recorded once, so the job runs once a day."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.outcome = ""

    def complete(self, job: str, day: date, outcome: str, cause: Cause) -> bool:
        """Record the run; False (nothing recorded) when the day's run is already logged."""
        if self.exists:
            return False
        self._record(JobCompleted(job=job, day=day, outcome=outcome), cause)
        return True

    def _on_job_completed(self, e: JobCompleted) -> None:
        self.outcome = e.outcome


class DailyReport(Aggregate):
    """The day's EOD report, published once."""

    def publish(self, report: DailyReportPublished, cause: Cause) -> bool:
        if self.exists:
            return False
        self._record(report, cause)
        return True
