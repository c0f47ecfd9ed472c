"""The report index: what the reports need, kept up to date event by event, so a report
reads the index and only the events of the days it covers, not the whole log.

It keeps, by IST day, the log positions that day's events span and the view's figures at
the day's end (`DayClose`: every account's equity, funded capital, positions at the marks,
kill switches); which card named which symbol and which strategy, as of any position; and
the compliance trail of every order. A report drawn from it is the report the full read
draws, figure for figure, because both go through the same functions.

That holds while the log's IST days never go backwards. An event logged after a later
day's events (a late, back-dated fact) changes what the full read folds for every day from
its own: the index notes the earliest such day and says reports from it on need the full
read (`exact_through`).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from domain.events import CardProposed, Recorded
from projections.desk import DeskView, apply
from projections.reports.closes import EMPTY_CLOSE, DayClose, close_of
from projections.reports.compliance import ComplianceFold
from projections.reports.window import Attributions, History, ist_day


@dataclass(frozen=True)
class Span:
    """The first and last log positions of one IST day's events."""

    first: int
    last: int


@dataclass
class ReportIndex:
    """The reports' read model, folded from the log in order (`note`)."""

    position: int = 0  # the last log position folded
    latest: datetime | None = None  # the latest event time seen
    view: DeskView = field(default_factory=DeskView)
    open_day: date | None = None  # the latest IST day seen; its close is the live view
    late_from: date | None = None  # the earliest day of an event logged after a later day
    spans: dict[date, Span] = field(default_factory=dict)
    closed_days: list[date] = field(default_factory=list)  # ascending
    closes: dict[date, DayClose] = field(default_factory=dict)
    symbols: History[str] = field(default_factory=History)  # card id -> symbol
    attributions: Attributions = field(default_factory=Attributions)
    compliance: ComplianceFold = field(default_factory=ComplianceFold)

    def note(self, rec: Recorded) -> None:
        """Fold one logged event (in log order)."""
        event, position = rec.event, rec.position
        day = ist_day(event.occurred_at)
        if self.open_day is None or day > self.open_day:
            if self.open_day is not None:  # the open day ends: keep its figures
                self.closes[self.open_day] = close_of(self.view)
                self.closed_days.append(self.open_day)
            self.open_day = day
        elif day < self.open_day:
            self.late_from = day if self.late_from is None else min(self.late_from, day)
        if day == self.open_day:
            span = self.spans.get(day)
            self.spans[day] = Span(span.first if span else position, position)
        apply(self.view, event, position)
        if isinstance(event.payload, CardProposed):
            self.symbols.put(event.payload.card_id, position, event.payload.symbol)
        self.attributions.note(event, position)
        self.compliance.note(rec)
        self.position = max(self.position, position)
        self.latest = (
            event.occurred_at if self.latest is None else max(self.latest, event.occurred_at)
        )

    @property
    def last_day(self) -> date | None:
        """The IST day of the latest event (what an undated report is for)."""
        return ist_day(self.latest) if self.latest is not None else None

    def exact_through(self, day: date) -> bool:
        """True when a report whose window ends on `day` can be drawn from the index."""
        return self.late_from is None or day < self.late_from

    def close_at(self, day: date) -> DayClose:
        """The view's figures at the end of `day`: the last day with events up to it."""
        if self.open_day is not None and day >= self.open_day:
            return close_of(self.view)
        i = bisect_right(self.closed_days, day)
        return self.closes[self.closed_days[i - 1]] if i else EMPTY_CLOSE

    def days_between(self, first: date, last: date) -> list[date]:
        """The days from `first` to `last` (both included) that have events, in order."""
        return sorted(d for d in self.spans if first <= d <= last)

    def span_of(self, first: date, last: date) -> Span | None:
        """The log positions of the events of days `first`..`last`, if any."""
        days = self.days_between(first, last)
        if not days:
            return None
        return Span(self.spans[days[0]].first, self.spans[days[-1]].last)

    def symbol_of(self, card_id: str, at: int) -> str:
        """The symbol the card's proposal named, as the log stood at position `at`."""
        return self.symbols.at(card_id, at) or ""


def day_before(day: date) -> date:
    """The calendar day before `day`."""
    return day - timedelta(days=1)
